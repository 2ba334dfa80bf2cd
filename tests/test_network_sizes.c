/* test_network_sizes.c — the whole pipeline (image -> preprocess -> network -> labels and
 * soft mask at the original size) on awkward sizes, for every weights file present and a
 * synthetic tiny model (tests/synth_model.h):
 *   - non-square, portrait, tiny (17x9), one-pixel-high and large (4000x3000) images, with
 *     output stride 8 and 16;
 *   - network input sizes other than 513 (257, 321), where the feature map must be
 *     ceil(size / output stride) per side;
 *   - results are sane: labels in range, the mask is a probability, the masks of a class set
 *     and of its complement add up to 1, and the labels equal the argmax of the per-class
 *     masks wherever the winner is clear;
 *   - the scalar kernels give identical logits with 1 and 2 threads;
 *   - fusing blocks (bd_network_set_fusion: none, auto, all) changes no bit of the logits, at
 *     tiny, odd and non-square network inputs, both output strides and 1 to 3 threads (more
 *     threads than rows of some maps);
 *   - the same for the int8 network of files converted from uint8 models, and a run after
 *     bd_qnetwork_release_scratch handed its buffers back equals one that kept them.
 * Uses the fastest kernels this CPU has. Weights from weights/ or $BACKDROP_WEIGHTS_DIR.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backdrop.h"
#include "engine/model.h"
#include "kernels.h"
#include "check.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/qnetwork.h"
#include "synth_model.h"

/* A synthetic photo: gradients plus a bright disc, so the network sees structure. */
static uint8_t *make_image(int w, int h)
{
    uint8_t *p = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *q = p + ((size_t)y * w + x) * 3;
            double dx = (x - 0.5 * w) / w, dy = (y - 0.4 * h) / h;
            int disc = dx * dx + dy * dy < 0.06;
            q[0] = (uint8_t)(disc ? 230 : 255 * x / (w > 1 ? w - 1 : 1));
            q[1] = (uint8_t)(disc ? 190 : 255 * y / (h > 1 ? h - 1 : 1));
            q[2] = (uint8_t)((x * 7 + y * 13) & 255);
        }
    return p;
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* P(class 0) at original pixel (x, y) by the definition, in double: original -> resized ->
 * logit coordinates (align_corners both times), bilinear logits, softmax. */
static double direct_p0(const float *lg, int fh, int fw, int nc, int size, int tw, int th,
                        int ow, int oh, int x, int y)
{
    double ly = (oh > 1 ? y * (th - 1.0) / (oh - 1) : 0) * (fh - 1.0) / (size - 1);
    double lx = (ow > 1 ? x * (tw - 1.0) / (ow - 1) : 0) * (fw - 1.0) / (size - 1);
    int y0 = (int)floor(ly), x0 = (int)floor(lx);
    int y1 = y0 + 1 < fh ? y0 + 1 : fh - 1, x1 = x0 + 1 < fw ? x0 + 1 : fw - 1;
    double fy = ly - y0, fx = lx - x0, v[BD_MAX_CLASSES], vmax = -1e300, sum = 0;
    for (int c = 0; c < nc; c++) {
        double tl = lg[((size_t)y0 * fw + x0) * nc + c], tr = lg[((size_t)y0 * fw + x1) * nc + c];
        double bl = lg[((size_t)y1 * fw + x0) * nc + c], br = lg[((size_t)y1 * fw + x1) * nc + c];
        v[c] = (1 - fy) * ((1 - fx) * tl + fx * tr) + fy * ((1 - fx) * bl + fx * br);
        vmax = fmax(vmax, v[c]);
    }
    for (int c = 0; c < nc; c++)
        sum += exp(v[c] - vmax);
    return exp(v[0] - vmax) / sum;
}

/* Run one image and check the results. */
static void run_one(bd_segmenter *s, const bd_model *m, const char *what, int w, int h)
{
    char err[512];
    uint8_t *img = make_image(w, h);
    int rc = bd_segmenter_run(s, img, w, h, err, sizeof err);
    CHECK(rc == 0, "%s %dx%d: %s", what, w, h, err);
    free(img);
    if (rc)
        return;
    bd_segmenter_info info;
    bd_segmenter_get_info(s, &info);
    int fh, fw, nc;
    const float *logits = bd_segmenter_logits(s, &fh, &fw, &nc);
    int want = ceil_div(info.input_size, info.output_stride);
    CHECK(fh == want && fw == want && nc == m->num_classes,
          "%s %dx%d: logits %dx%dx%d, want %dx%dx%d", what, w, h, fh, fw, nc, want, want,
          m->num_classes);
    int finite = 1;
    for (size_t i = 0; i < (size_t)fh * fw * nc; i++)
        finite &= isfinite(logits[i]);
    CHECK(finite, "%s %dx%d: non-finite logits", what, w, h);

    size_t n = (size_t)w * h;
    uint8_t *labels = malloc(n), *mask_u8 = malloc(n);
    float *mask = malloc(n * sizeof *mask), *rest = malloc(n * sizeof *rest);
    memset(labels, 0xff, n);
    CHECK(bd_segmenter_labels(s, labels, err, sizeof err) == 0, "%s: %s", what, err);
    int in_range = 1;
    for (size_t i = 0; i < n; i++)
        in_range &= labels[i] < nc;
    CHECK(in_range, "%s %dx%d: label out of range (or pixel not written)", what, w, h);

    /* mask of class 0 and of all other classes: probabilities summing to 1 */
    int zero = 0, others[BD_MAX_CLASSES];
    for (int c = 1; c < nc; c++)
        others[c - 1] = c;
    CHECK(bd_segmenter_mask(s, &zero, 1, mask, mask_u8, err, sizeof err) == 0, "%s: %s", what,
          err);
    CHECK(bd_segmenter_mask(s, others, nc - 1, rest, NULL, err, sizeof err) == 0, "%s: %s",
          what, err);
    int prob = 1, sums = 1, u8 = 1;
    for (size_t i = 0; i < n; i++) {
        prob &= mask[i] >= 0.0f && mask[i] <= 1.0f;
        sums &= fabsf(mask[i] + rest[i] - 1.0f) < 1e-4f;
        u8 &= abs((int)mask_u8[i] - (int)lrintf(mask[i] * 255.0f)) <= 0;
    }
    CHECK(prob, "%s %dx%d: mask outside 0..1", what, w, h);
    int tw, th;
    bd_preprocess_target_size(w, h, info.input_size, &tw, &th);
    double worst = 0;
    for (int k = 0; k < 500; k++) {      /* a spread of pixels, both ends included */
        int x = (int)((long long)k * 7919 % w), y = (int)((long long)k * 104729 % h);
        if (k == 0) x = 0, y = 0;
        if (k == 1) x = w - 1, y = h - 1;
        double d = fabs(direct_p0(logits, fh, fw, nc, info.input_size, tw, th, w, h, x, y) -
                        mask[(size_t)y * w + x]);
        worst = fmax(worst, d);
    }
    CHECK(worst < 1e-3, "%s %dx%d: mask differs from the direct formula by %.2g", what, w, h,
          worst);
    CHECK(sums, "%s %dx%d: P(class 0) + P(other classes) != 1", what, w, h);
    CHECK(u8, "%s %dx%d: mask_u8 is not round(255 * mask)", what, w, h);

    /* Where class 0's probability is clearly above or below 1/2, the labels must agree
     * (labels come from a nearest + upsample path, the mask from continuous coordinates:
     * only near-ties and class edges may differ). */
    size_t clear = 0, agree = 0;
    for (size_t i = 0; i < n; i++) {
        if (mask[i] > 0.9f || rest[i] > 0.9f) {
            clear++;
            agree += (mask[i] > 0.9f) == (labels[i] == 0);
        }
    }
    CHECK(clear == 0 || agree >= clear * 0.98, "%s %dx%d: labels and mask agree on only %zu of "
          "%zu clear pixels", what, w, h, agree, clear);

    /* invalid class sets are refused with a message */
    int bad = nc;
    CHECK(bd_segmenter_mask(s, &bad, 1, mask, NULL, err, sizeof err) == -1 && err[0],
          "%s: class %d accepted", what, nc);
    free(labels);
    free(mask_u8);
    free(mask);
    free(rest);
}

/* thorough 2: every size, the large image, other input sizes with both strides;
 * 1: the same with fewer sizes (real models are slower); 0: one image per stride */
static void model_sizes(const bd_model *m, const char *name, int thorough)
{
    static const int sizes[][2] = {{333, 500}, {17, 9}, {1, 40}, {9, 17}, {640, 360}};
    size_t nsizes = thorough == 2 ? sizeof sizes / sizeof *sizes : thorough ? 3 : 1;
    char err[512];
    for (int os = 8; os <= 16; os += 8) {
        bd_segmenter_opts o = {.output_stride = os};
        bd_segmenter *s = bd_segmenter_new(m, &o, err, sizeof err);
        CHECK(s != NULL, "%s OS%d: %s", name, os, err);
        if (!s)
            continue;
        bd_segmenter_info info;
        bd_segmenter_get_info(s, &info);
        CHECK(info.arena_bytes > 0 && info.output_stride == os, "%s: info", name);
        printf("  %-36s OS%-2d input %d: arena %.1f MB, kernels %s\n", name, os,
               info.input_size, info.arena_bytes / 1048576.0, info.isa);
        char what[160];
        snprintf(what, sizeof what, "%s OS%d", name, os);
        for (size_t i = 0; i < nsizes; i++)
            run_one(s, m, what, sizes[i][0], sizes[i][1]);
        if (thorough)
            run_one(s, m, what, 4000, 3000);
        bd_segmenter_free(s);
    }
    if (!thorough)
        return;
    /* other network input sizes */
    static const int inputs[] = {257, 321};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        for (int os = 8; os <= 16; os += 8) {
            if (thorough < 2 && os != (i ? 8 : 16))
                continue;                 /* real model: 257 at OS16, 321 at OS8 */
            bd_segmenter_opts o = {.output_stride = os, .input_size = inputs[i]};
            bd_segmenter *s = bd_segmenter_new(m, &o, err, sizeof err);
            CHECK(s != NULL, "%s input %d: %s", name, inputs[i], err);
            if (!s)
                continue;
            char what[160];
            snprintf(what, sizeof what, "%s input %d OS%d", name, inputs[i], os);
            run_one(s, m, what, 640, 480);
            bd_segmenter_free(s);
        }
    }
}

/* Bad options are refused with a message, not a crash. */
static void bad_options(const bd_model *m)
{
    char err[512];
    bd_segmenter_opts o = {.output_stride = 4};
    err[0] = 0;
    CHECK(bd_segmenter_new(m, &o, err, sizeof err) == NULL && err[0], "OS 4 accepted");
    bd_segmenter_opts o2 = {.input_size = 3};
    err[0] = 0;
    CHECK(bd_segmenter_new(m, &o2, err, sizeof err) == NULL && err[0], "input size 3 accepted");
    bd_segmenter *s = bd_segmenter_new(m, NULL, err, sizeof err);
    CHECK(s != NULL, "defaults: %s", err);
    if (s) {
        uint8_t px[3] = {1, 2, 3}, l;
        err[0] = 0;
        CHECK(bd_segmenter_labels(s, &l, err, sizeof err) == -1 && err[0],
              "labels before any run accepted");
        CHECK(bd_segmenter_run(s, px, 0, 1, err, sizeof err) == -1, "0-pixel image accepted");
        CHECK(bd_segmenter_run(s, px, 1, 1, err, sizeof err) == 0, "1x1 image: %s", err);
        CHECK(bd_segmenter_labels(s, &l, err, sizeof err) == 0 && l < m->num_classes,
              "1x1 labels: %s", err);
        bd_segmenter_free(s);
    }
}

/* The scalar kernels split work by output rows only: 1 and 2 threads give identical bits. */
static void thread_determinism(const bd_model *m)
{
    char err[512];
    float *first = NULL;
    size_t n = 0;
    for (int t = 1; t <= 2; t++) {
        bd_segmenter_opts o = {.kernels = &bd_kernels_ref, .threads = t, .input_size = 129};
        bd_segmenter *s = bd_segmenter_new(m, &o, err, sizeof err);
        CHECK(s != NULL, "%s", err);
        if (!s)
            break;
        uint8_t *img = make_image(200, 150);
        CHECK(bd_segmenter_run(s, img, 200, 150, err, sizeof err) == 0, "%s", err);
        free(img);
        int fh, fw, nc;
        const float *l = bd_segmenter_logits(s, &fh, &fw, &nc);
        n = (size_t)fh * fw * nc;
        if (!first) {
            first = malloc(n * sizeof *first);
            memcpy(first, l, n * sizeof *first);
        } else {
            CHECK(!memcmp(first, l, n * sizeof *first), "scalar logits differ between 1 and 2 "
                  "threads");
        }
        bd_segmenter_free(s);
    }
    free(first);
    omp_set_num_threads(omp_get_num_procs());
}

/* The logits of one unobserved run of m at in_h x in_w, OS os, with the given fusion. */
static float *fused_logits(const bd_model *m, const bd_kernels *k, int in_h, int in_w, int os,
                           bd_fusion mode, size_t *n)
{
    char err[512];
    bd_network *net = bd_network_new(m, in_h, in_w, os, err, sizeof err);
    CHECK(net != NULL, "%s", err);
    if (!net)
        return NULL;
    bd_network_set_fusion(net, mode);
    float *in = bd_network_input(net);
    for (size_t i = 0, len = (size_t)in_h * in_w * m->stem.cin; i < len; i++)
        in[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;   /* fixed noise */
    bd_network_run(net, k, NULL, NULL);
    int fh, fw, nc;
    const float *l = bd_network_logits(net, &fh, &fw, &nc);
    *n = (size_t)fh * fw * nc;
    float *copy = malloc(*n * sizeof *copy);
    if (copy)
        memcpy(copy, l, *n * sizeof *copy);
    bd_network_free(net);
    return copy;
}

static void fusion_identical(const bd_model *m, const char *name, const int (*sizes)[2],
                             int nsizes)
{
    char err[256];
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    if (!k)
        return;
    static const char *mode_name[] = {"auto", "none", "all"};
    int cases = 0;
    for (int si = 0; si < nsizes; si++)
        for (int os = 8; os <= 16; os += 8)
            for (int t = 1; t <= 3; t++) {
                omp_set_num_threads(t);
                size_t n0 = 0, n1 = 0;
                float *ref = fused_logits(m, k, sizes[si][0], sizes[si][1], os, BD_FUSE_NONE,
                                          &n0);
                for (int mode = BD_FUSE_AUTO; ref && mode <= BD_FUSE_ALL; mode += 2) {
                    float *got = fused_logits(m, k, sizes[si][0], sizes[si][1], os, mode, &n1);
                    CHECK(got && n1 == n0 && !memcmp(got, ref, n0 * sizeof *ref),
                          "%s: %dx%d OS%d %d thread(s): fusion %s changes the logits", name,
                          sizes[si][1], sizes[si][0], os, t, mode_name[mode]);
                    free(got);
                    cases++;
                }
                free(ref);
            }
    omp_set_num_threads(omp_get_num_procs());
    printf("  %s: fused = layer-by-layer logits, bit for bit, in %d cases (%s kernels)\n", name,
           cases, k->isa);
}

/* The uint8 logits of one unobserved int8 run (fixed noise input), with the given fusion;
 * with `release`, a first run, bd_qnetwork_release_scratch, then the run that counts. */
static uint8_t *qfused_logits(const bd_model *m, const bd_qu8_kernels *k, int in_h, int in_w,
                              int os, bd_fusion mode, int release, size_t *n)
{
    char err[512];
    bd_qnetwork *net = bd_qnetwork_new(m, in_h, in_w, os, err, sizeof err);
    CHECK(net != NULL, "%s", err);
    if (!net)
        return NULL;
    bd_qnetwork_set_fusion(net, mode);
    for (int r = 0; r <= release; r++) {
        float *in = bd_qnetwork_input(net);
        for (size_t i = 0, len = (size_t)in_h * in_w * m->stem.cin; i < len; i++)
            in[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        bd_qnetwork_run(net, k, NULL, NULL);
        if (release && r == 0)
            bd_qnetwork_release_scratch(net);
    }
    int fh, fw, nc;
    float scale;
    int32_t zp;
    bd_qnetwork_logits(net, &fh, &fw, &nc);
    const uint8_t *l = bd_qnetwork_logits_u8(net, &scale, &zp);
    *n = (size_t)fh * fw * nc;
    uint8_t *copy = malloc(*n);
    if (copy)
        memcpy(copy, l, *n);
    bd_qnetwork_free(net);
    return copy;
}

/* int8: fused blocks (auto, all) and a run after the scratch was handed back give the same
 * bytes as layer by layer, at odd sizes, both output strides, 1 to 3 threads. */
static void qfusion_identical(const bd_model *m, const char *name)
{
    char err[256];
    const bd_qu8_kernels *k = bd_qu8_kernels_select(err, sizeof err);
    if (!k || !m->q)
        return;
    static const int sizes[][2] = {{65, 129}, {257, 257}, {513, 513}};
    static const char *what[] = {"fusion auto", "fusion none", "fusion all", "a released run"};
    int cases = 0;
    for (int si = 0; si < 3; si++)
        for (int os = 8; os <= 16; os += 8)
            for (int t = 1; t <= 3; t++) {
                if (si == 2 && (os == 8 || t == 3))
                    continue;                      /* the real size: OS16, 1 and 2 threads */
                omp_set_num_threads(t);
                size_t n0 = 0, n1 = 0;
                uint8_t *ref = qfused_logits(m, k, sizes[si][0], sizes[si][1], os, BD_FUSE_NONE, 0, &n0);
                for (int v = 0; ref && v < 4; v++) {
                    if (v == BD_FUSE_NONE)
                        continue;
                    uint8_t *got = qfused_logits(m, k, sizes[si][0], sizes[si][1], os,
                                                 v == 3 ? BD_FUSE_AUTO : (bd_fusion)v, v == 3, &n1);
                    CHECK(got && n1 == n0 && !memcmp(got, ref, n0),
                          "%s int8: %dx%d OS%d %d thread(s): %s changes the logits", name,
                          sizes[si][1], sizes[si][0], os, t, what[v]);
                    free(got);
                    cases++;
                }
                free(ref);
            }
    omp_set_num_threads(omp_get_num_procs());
    printf("  %s int8: fused and released runs = layer-by-layer logits, bit for bit, in %d "
           "cases (%s kernels)\n", name, cases, k->isa);
}

int main(void)
{
    char err[512];
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    if (!wdir || !*wdir)
        wdir = "weights";

    /* the synthetic tiny model: awkward channel counts, 3 classes */
    char path[1024];
    snprintf(path, sizeof path, "/tmp/backdrop_test_sizes_%d.bdw", (int)getpid());
    synth_spec spec;
    synth_spec_tiny(&spec);
    spec.seed = 11;
    CHECK(synth_model_write(path, &spec) == 0, "cannot write %s", path);
    bd_model *tiny = bd_model_load(path, err, sizeof err);
    CHECK(tiny != NULL, "%s", err);
    unlink(path);
    if (tiny) {
        model_sizes(tiny, "synthetic tiny model", 2);
        bad_options(tiny);
        thread_determinism(tiny);
        static const int tiny_sizes[][2] = {{1, 1}, {9, 17}, {33, 65}, {97, 129}, {257, 200}};
        fusion_identical(tiny, "synthetic tiny model", tiny_sizes, 5);
        bd_model_free(tiny);
    }

    static const char *files[] = {"deeplabv3_mnv2_pascal.bdw", "deeplabv3_mnv2_dm05_pascal.bdw",
                                  "deeplabv3_mnv2_dm05_pascal_quant.bdw",
                                  "deeplabv3_257_mv_gpu.bdw"};
    int thorough = 1;    /* the first real model gets every size, the others one each */
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", wdir, files[i]);
        struct stat st;
        if (stat(path, &st) != 0) {
            SKIP("test_network_sizes: %s not built (run make weights)", path);
            continue;
        }
        bd_model *m = bd_model_load(path, err, sizeof err);
        CHECK(m != NULL, "%s", err);
        if (!m)
            continue;
        model_sizes(m, files[i], thorough);
        if (thorough) {
            static const int real_sizes[][2] = {{65, 129}, {257, 257}};
            fusion_identical(m, files[i], real_sizes, 2);
        }
        qfusion_identical(m, files[i]);
        thorough = 0;
        bd_model_free(m);
    }
    return check_done("test_network_sizes");
}
