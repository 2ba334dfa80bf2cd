/* test_voc.c — accuracy on real ground truth: the five PASCAL VOC 2012 val photos in
 * $SHARED/voc (JPEGImages/<id>.jpg, SegmentationClass/<id>.png), segmented through the
 * public C API with each of the four golden model configurations, scored as
 * $SHARED/voc/oracle_miou.txt describes: per-class IoU accumulated over the five images
 * (ground-truth 255 = void ignored), mIoU over the classes with union > 0 and over the
 * classes present in the ground truth, pixel accuracy, and pixel accuracy per image.
 * The oracle's numbers are parsed from that file and ours must agree within a fraction of
 * a point (it decoded the JPEGs with libjpeg, we use stb). Default (fastest) kernels, the
 * float network (f32; tests/test_voc_int8.c runs the int8 one).
 * Needs $SHARED (default ../shared); weights from weights/ or $BACKDROP_WEIGHTS_DIR.
 * Both being absent is a failure, not a skip.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backdrop.h"
#include "engine/model.h"
#include "kernels.h"
#include "check.h"
#include "io/image_io.h"

#define NCLS 21
#define NIMG 5
#define NCFG 4
#define TOL_MIOU 0.5    /* points */
#define TOL_PACC 0.3    /* points, overall pixel accuracy */
#define TOL_IMG 0.6     /* points, per image (the oracle prints one decimal) */
#define TOL_CLASS 2.0   /* points, per-class IoU (small classes move more) */

static const char *const images[NIMG] = {
    "2007_000033", "2007_000129", "2007_001457", "2007_001458", "2007_001526",
};

typedef struct {
    const char *id, *weights;
    int os;
    /* the oracle's numbers, parsed */
    int found, n_union, n_gt;
    double miou_union, miou_gt, pacc, img_pacc[NIMG], class_iou[NCLS];
    int has_class[NCLS];
} config;

static config cfgs[NCFG] = {
    {.id = "dm05_frozen_os8", .weights = "deeplabv3_mnv2_dm05_pascal.bdw", .os = 8},
    {.id = "mnv2_quant_os16", .weights = "deeplabv3_mnv2_pascal.bdw", .os = 16},
    {.id = "mnv2_quant_os8", .weights = "deeplabv3_mnv2_pascal.bdw", .os = 8},
    {.id = "dm05_quant_os16", .weights = "deeplabv3_mnv2_dm05_pascal_quant.bdw", .os = 16},
};

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the oracle's file ------ */

static config *find_cfg(const char *s, size_t n)
{
    for (int i = 0; i < NCFG; i++)
        if (strlen(cfgs[i].id) == n && !strncmp(cfgs[i].id, s, n))
            return &cfgs[i];
    return NULL;
}

/* Reads oracle_miou.txt: "<cfg>: mIoU(classes with union>0: N) = X%  mIoU(classes in GT:
 * N) = Y%  pixel acc = Z% ...", then "   per-class IoU: c:v ...", and the per-image lines
 * "#  <image> val <cfg>=P% <cfg>=P% ...". Returns 0, or -1 with a message. */
static int parse_oracle(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    char line[1024];
    config *last = NULL;
    while (fgets(line, sizeof line, f)) {
        const char *p;
        if ((p = strstr(line, "per-class IoU:")) && last) {
            p += strlen("per-class IoU:");
            int c, n;
            double v;
            while (sscanf(p, " %d:%lf%n", &c, &v, &n) == 2) {
                if (c >= 0 && c < NCLS) {
                    last->has_class[c] = 1;
                    last->class_iou[c] = v;
                }
                p += n;
            }
            continue;
        }
        if (line[0] == '#') {           /* a per-image line, or a comment */
            int img = -1;
            for (int i = 0; i < NIMG; i++)
                if (strstr(line, images[i]))
                    img = i;
            if (img < 0)
                continue;
            for (int i = 0; i < NCFG; i++) {
                char key[64];
                snprintf(key, sizeof key, " %s=", cfgs[i].id);
                if ((p = strstr(line, key)))
                    cfgs[i].img_pacc[img] = atof(p + strlen(key));
            }
            continue;
        }
        const char *colon = strchr(line, ':');
        config *c = colon ? find_cfg(line, (size_t)(colon - line)) : NULL;
        if (!c)
            continue;
        if (sscanf(colon + 1, " mIoU(classes with union>0: %d) = %lf%% mIoU(classes in GT: %d)"
                   " = %lf%% pixel acc = %lf%%", &c->n_union, &c->miou_union, &c->n_gt,
                   &c->miou_gt, &c->pacc) != 5) {
            snprintf(err, errlen, "%s: cannot read the line for %s", path, c->id);
            fclose(f);
            return -1;
        }
        c->found = 1;
        last = c;
    }
    fclose(f);
    for (int i = 0; i < NCFG; i++)
        if (!cfgs[i].found) {
            snprintf(err, errlen, "%s: no line for %s", path, cfgs[i].id);
            return -1;
        }
    return 0;
}

/* ------------------------------------------------------------ ground truth ------------ */

/* The PASCAL VOC colour map: the bits of the id, three at a time, spread over R, G, B from
 * the most significant bit down. Inverse: rgb -> id for 0..20 and 255 (void). */
static void voc_color(int id, uint8_t rgb[3])
{
    int r = 0, g = 0, b = 0;
    for (int j = 0, c = id; j < 8; j++, c >>= 3) {
        r |= ((c >> 0) & 1) << (7 - j);
        g |= ((c >> 1) & 1) << (7 - j);
        b |= ((c >> 2) & 1) << (7 - j);
    }
    rgb[0] = (uint8_t)r;
    rgb[1] = (uint8_t)g;
    rgb[2] = (uint8_t)b;
}

/* Ground truth as ids (w x h), from a palette PNG that stb expands to RGB. */
static uint8_t *load_gt(const char *path, int w, int h, char *err, size_t errlen)
{
    bd_image img = {0};
    if (bd_image_load(path, &img, err, errlen))
        return NULL;
    if (img.w != w || img.h != h) {
        snprintf(err, errlen, "%s: %dx%d, the photo is %dx%d", path, img.w, img.h, w, h);
        bd_image_free(&img);
        return NULL;
    }
    uint8_t pal[NCLS + 1][3];
    int ids[NCLS + 1];
    for (int i = 0; i <= NCLS; i++) {
        ids[i] = i < NCLS ? i : 255;
        voc_color(ids[i], pal[i]);
    }
    uint8_t *gt = malloc((size_t)w * h);
    for (size_t i = 0; gt && i < (size_t)w * h; i++) {
        const uint8_t *px = img.data + 3 * i;
        int k = 0;
        while (k <= NCLS && memcmp(px, pal[k], 3))
            k++;
        if (k > NCLS) {
            snprintf(err, errlen, "%s: pixel (%d,%d) has colour (%d,%d,%d), not a VOC class",
                     path, (int)(i % w), (int)(i / w), px[0], px[1], px[2]);
            free(gt);
            gt = NULL;
            break;
        }
        gt[i] = (uint8_t)ids[k];
    }
    bd_image_free(&img);
    return gt;
}

/* ------------------------------------------------------------ scoring ---------------- */

typedef struct {
    long long inter[NCLS], uni[NCLS], in_gt[NCLS];
    long long correct, valid, img_correct[NIMG], img_valid[NIMG];
} score;

static void accumulate(score *s, int img, const uint8_t *gt, const uint8_t *pred, size_t n)
{
    long long pred_n[NCLS] = {0}, gt_n[NCLS] = {0}, inter[NCLS] = {0};
    for (size_t i = 0; i < n; i++) {
        if (gt[i] == 255)
            continue;
        const int g = gt[i], p = pred[i] < NCLS ? pred[i] : NCLS - 1;
        gt_n[g]++;
        pred_n[p]++;
        if (p == g)
            inter[g]++;
    }
    for (int c = 0; c < NCLS; c++) {
        s->inter[c] += inter[c];
        s->uni[c] += gt_n[c] + pred_n[c] - inter[c];
        s->in_gt[c] += gt_n[c];
        s->img_correct[img] += inter[c];
        s->img_valid[img] += gt_n[c];
    }
    s->correct = 0;
    s->valid = 0;
    for (int i = 0; i < NIMG; i++) {
        s->correct += s->img_correct[i];
        s->valid += s->img_valid[i];
    }
}

/* Segments the five photos with one configuration and compares with the oracle. */
static void run_config(config *c, const char *voc, const char *wdir, double *secs)
{
    char err[2048], path[1024];
    snprintf(path, sizeof path, "%s/%s", wdir, c->weights);
    if (!exists(path)) {
        CHECK(0, "%s: %s not built (run make weights): cannot score %s", c->id, path, c->id);
        return;
    }
    double t0 = now_s();
    bd_model *m = bd_model_load(path, err, sizeof err);
    CHECK(m != NULL, "%s: %s", c->id, err);
    if (!m)
        return;
    CHECK(m->num_classes == NCLS, "%s: %d classes, not the %d of PASCAL VOC", c->id,
          m->num_classes, NCLS);
    bd_segmenter_opts so = {.output_stride = c->os, .precision = BD_PRECISION_F32};
    bd_segmenter *seg = bd_segmenter_new(m, &so, err, sizeof err);
    CHECK(seg != NULL, "%s: %s", c->id, err);
    score s;
    memset(&s, 0, sizeof s);
    int scored = 0;
    for (int i = 0; seg && i < NIMG; i++) {
        bd_image img = {0};
        uint8_t *gt = NULL, *labels = NULL;
        snprintf(path, sizeof path, "%s/JPEGImages/%s.jpg", voc, images[i]);
        int ok = bd_image_load(path, &img, err, sizeof err) == 0;
        CHECK(ok, "%s", err);
        if (ok) {
            snprintf(path, sizeof path, "%s/SegmentationClass/%s.png", voc, images[i]);
            ok = (gt = load_gt(path, img.w, img.h, err, sizeof err)) != NULL;
            CHECK(ok, "%s", err);
        }
        if (ok) {
            ok = bd_segmenter_run(seg, img.data, img.w, img.h, err, sizeof err) == 0 &&
                 (labels = malloc((size_t)img.w * img.h)) &&
                 bd_segmenter_labels(seg, labels, err, sizeof err) == 0;
            CHECK(ok, "%s: %s: %s", c->id, images[i], labels ? err : "out of memory");
        }
        if (ok) {
            accumulate(&s, i, gt, labels, (size_t)img.w * img.h);
            scored++;
        }
        free(labels);
        free(gt);
        bd_image_free(&img);
    }
    bd_segmenter_free(seg);
    bd_model_free(m);
    *secs = now_s() - t0;
    if (scored != NIMG)
        return;

    double sum_u = 0, sum_g = 0;
    int n_u = 0, n_g = 0;
    char classes[512] = "";
    for (int k = 0; k < NCLS; k++) {
        if (!s.uni[k]) {
            CHECK(!c->has_class[k], "%s: class %d: the oracle has IoU %.1f, we never see it",
                  c->id, k, c->class_iou[k]);
            continue;
        }
        const double iou = 100.0 * s.inter[k] / s.uni[k];
        sum_u += iou;
        n_u++;
        if (s.in_gt[k]) {
            sum_g += iou;
            n_g++;
        }
        size_t len = strlen(classes);
        snprintf(classes + len, sizeof classes - len, " %d:%.1f/%.1f", k, iou,
                 c->has_class[k] ? c->class_iou[k] : NAN);
        CHECK(c->has_class[k], "%s: class %d: IoU %.1f, the oracle does not have it", c->id,
              k, iou);
        CHECK(!c->has_class[k] || fabs(iou - c->class_iou[k]) <= TOL_CLASS,
              "%s: class %d: IoU %.2f, oracle %.1f", c->id, k, iou, c->class_iou[k]);
    }
    const double miou_u = n_u ? sum_u / n_u : 0, miou_g = n_g ? sum_g / n_g : 0;
    const double pacc = s.valid ? 100.0 * s.correct / s.valid : 0;
    printf("  %-16s %2d  %6.2f / %6.2f  %6.2f / %6.2f  %6.2f / %6.2f  %5.1f s\n", c->id, c->os,
           miou_u, c->miou_union, miou_g, c->miou_gt, pacc, c->pacc, *secs);
    printf("      per-class IoU ours/oracle:%s\n", classes);
    printf("      per-image pixel acc ours/oracle:");
    for (int i = 0; i < NIMG; i++) {
        const double a = 100.0 * s.img_correct[i] / s.img_valid[i];
        printf(" %.1f/%.1f", a, c->img_pacc[i]);
        CHECK(fabs(a - c->img_pacc[i]) <= TOL_IMG, "%s: %s: pixel acc %.2f%%, oracle %.1f%%",
              c->id, images[i], a, c->img_pacc[i]);
    }
    printf("\n");
    CHECK(n_u == c->n_union, "%s: %d classes with union > 0, the oracle %d", c->id, n_u,
          c->n_union);
    CHECK(n_g == c->n_gt, "%s: %d classes in the ground truth, the oracle %d", c->id, n_g,
          c->n_gt);
    CHECK(fabs(miou_u - c->miou_union) <= TOL_MIOU, "%s: mIoU(union>0) %.2f%%, oracle %.2f%%",
          c->id, miou_u, c->miou_union);
    CHECK(fabs(miou_g - c->miou_gt) <= TOL_MIOU, "%s: mIoU(in GT) %.2f%%, oracle %.2f%%", c->id,
          miou_g, c->miou_gt);
    CHECK(fabs(pacc - c->pacc) <= TOL_PACC, "%s: pixel acc %.2f%%, oracle %.2f%%", c->id, pacc,
          c->pacc);
}

int main(void)
{
    const char *shared = getenv("SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    if (!wdir || !*wdir)
        wdir = "weights";
    char voc[512], path[600], err[2048];
    snprintf(voc, sizeof voc, "%s/voc", shared);
    snprintf(path, sizeof path, "%s/oracle_miou.txt", voc);
    if (!exists(path)) {
        printf("test_voc: %s not found: the PASCAL VOC val photos and their oracle scores are "
               "absent, nothing can be scored (set SHARED)\n", path);
        CHECK(0, "%s missing", path);
        return check_done("test_voc");
    }
    int parsed = parse_oracle(path, err, sizeof err) == 0;
    CHECK(parsed, "%s", err);
    if (!parsed)
        return check_done("test_voc");

    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    printf("test_voc: %d PASCAL VOC val photos, kernels %s (tolerances: mIoU %.1f, pixel acc "
           "%.1f points)\n", NIMG, k ? k->isa : "?", TOL_MIOU, TOL_PACC);
    printf("  %-16s OS  mIoU(union>0)     mIoU(in GT)       pixel acc         time\n"
           "  %-16s     ours / oracle     ours / oracle     ours / oracle\n", "model", "");
    double total = 0;
    for (int i = 0; i < NCFG; i++) {
        double secs = 0;
        run_config(&cfgs[i], voc, wdir, &secs);
        total += secs;
    }
    printf("test_voc: %d configurations x %d photos in %.1f s\n", NCFG, NIMG, total);
    return check_done("test_voc");
}
