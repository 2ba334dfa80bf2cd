/* test_golden_int8.c — the int8 engine against $SHARED/golden_int8: what TFLite's reference
 * integer kernels compute for the two uint8 models, bit for bit.
 *
 * For each model id (both models at output stride 16, the default model at 8) and image:
 * the exact resized input (golden/_inputs/<stem>.resized.png) is normalised and padded as for
 * the float engine, the int8 network quantises and runs it with an observer, and
 *   - every tensor the integer graph computes (the input, 38 convolutions, 17 depthwise
 *     convolutions, 10 ADDs, the pool, the resize, the QUANTIZE, the concatenation, the
 *     logits) must have the sha256 its layers.tsv row lists; a failure names the FIRST row,
 *     in the graph's execution order, that differs (or that we never produced);
 *   - the labels, from the uint8 logits as the graph ends (uint8 bilinear resize + argmax,
 *     bd_postprocess_labels_u8, then the nearest resize to the photo), agree with labels.png
 *     on >= 99.9 % of pixels (exactly: 100 %). The float post-processing of the dequantised
 *     logits (bd_postprocess_labels), which the soft mask shares, is printed beside it: it
 *     does not see the uint8 resize's ties and agrees on about 99.8-100 %.
 * Kernels: the best int8 table for this CPU, or $BACKDROP_ISA_INT8=scalar|avx2|avx512vnni.
 * Subsets: BACKDROP_GOLDEN_IMAGES=cat_chelsea,... (or quick), BACKDROP_GOLDEN_MODELS=....
 * Weights come from weights/ (made by `make`), or from $BACKDROP_WEIGHTS_DIR.
 */
#include <dirent.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "sha256.h"
#include "io/image_io.h"
#include "kernels.h"
#include "kernels_quant.h"
#include "engine/model.h"
#include "engine/postprocess.h"
#include "engine/preprocess.h"
#include "engine/qnetwork.h"

#define AGREE_MIN 99.9

static const struct {
    const char *id, *weights;
    int output_stride;
} models[] = {
    {"mnv2_quant_u8_os16", "deeplabv3_mnv2_pascal.bdw", 16},
    {"mnv2_quant_u8_os8", "deeplabv3_mnv2_pascal.bdw", 8},
    {"dm05_quant_u8_os16", "deeplabv3_mnv2_dm05_pascal_quant.bdw", 16},
};
#define NMODELS (int)(sizeof models / sizeof models[0])

/* rows of the graph after the logits that the engine leaves to the float post-processing */
static const char *const not_computed[] = {"ResizeBilinear_1", "ResizeBilinear_2", "ArgMax"};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return b;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int selected(const char *list, const char *name)
{
    if (!list || !*list)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

static int json_pair(const char *json, const char *key, int *a, int *b)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    return p && sscanf(p + strlen(pat), " : [ %d , %d", a, b) == 2;
}

/* ------------------------------------------------------------------ layers.tsv ------- */

typedef struct {
    char name[160];            /* without the "opNN:" prefix */
    char shape[32];            /* "1x33x33x21" */
    char sha[65];
    char ours[65];             /* filled by the observer ("" = not produced) */
    char our_shape[32];
} row;

typedef struct {
    row *rows;
    int n;
} layer_table;

static int load_layers(const char *path, layer_table *g)
{
    char *text = read_file(path, NULL);
    if (!text)
        return -1;
    int cap = 256;
    g->rows = calloc(cap, sizeof *g->rows);
    g->n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && g->rows;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "op\t", 3) || g->n == cap)
            continue;
        char *f[8] = {0};
        int nf = 0;
        for (char *p = line; p && nf < 8; nf++) {
            f[nf] = p;
            char *t = strchr(p, '\t');
            if (t)
                *t++ = 0;
            p = t;
        }
        if (nf < 8)
            continue;
        row *r = &g->rows[g->n++];
        const char *name = f[1];
        if (!strncmp(name, "op", 2) && strchr(name, ':'))
            name = strchr(name, ':') + 1;
        snprintf(r->name, sizeof r->name, "%s", name);
        snprintf(r->shape, sizeof r->shape, "%s", f[4]);
        snprintf(r->sha, sizeof r->sha, "%s", f[7]);
    }
    free(text);
    return g->rows ? 0 : -1;
}

static void observe(void *ctx, const char *name, const uint8_t *t, int h, int w, int c)
{
    layer_table *g = ctx;
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->rows[i].name, name)) {
            sha256_hex(t, (size_t)h * w * c, g->rows[i].ours);
            snprintf(g->rows[i].our_shape, sizeof g->rows[i].our_shape, "1x%dx%dx%d", h, w, c);
            return;
        }
    CHECK(0, "the engine produced '%s', which layers.tsv does not list", name);
}

/* ------------------------------------------------------------------ one image -------- */

static double agreement(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += a[i] == b[i];
    return n ? 100.0 * same / n : 0.0;
}

static uint8_t *load_labels(const char *path, int *w, int *h)
{
    bd_image img;
    char err[256];
    if (bd_image_load(path, &img, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    uint8_t *l = malloc((size_t)img.w * img.h);
    for (size_t i = 0; l && i < (size_t)img.w * img.h; i++)
        l[i] = img.data[3 * i];
    *w = img.w;
    *h = img.h;
    bd_image_free(&img);
    return l;
}

static void run_image(const char *shared, const char *model_id, const bd_model *m,
                      bd_qnetwork *net, const bd_qu8_kernels *qk, const bd_kernels *k,
                      const char *stem)
{
    char dir[1024], path[1200], err[256];
    snprintf(dir, sizeof dir, "%s/golden_int8/%s/%s", shared, model_id, stem);
    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *meta = read_file(path, NULL);
    int oh = 0, ow = 0, rh = 0, rw = 0;
    CHECK(meta && json_pair(meta, "orig_hw", &oh, &ow) && json_pair(meta, "resized_hw", &rh, &rw),
          "%s: unreadable or incomplete", path);
    free(meta);
    if (!oh)
        return;
    const int size = m->input_size;
    snprintf(path, sizeof path, "%s/golden/_inputs/%s.resized.png", shared, stem);
    bd_image img;
    if (bd_image_load(path, &img, err, sizeof err)) {
        CHECK(0, "%s", err);
        return;
    }
    CHECK(img.w == rw && img.h == rh, "%s: %dx%d, meta.json says %dx%d", path, img.w, img.h, rw, rh);
    bd_preprocess_normalise_pad(img.data, img.w, img.h, bd_qnetwork_input(net), size, size,
                                m->norm_scale, m->norm_offset);
    bd_image_free(&img);

    layer_table g = {0};
    snprintf(path, sizeof path, "%s/layers.tsv", dir);
    CHECK(load_layers(path, &g) == 0 && g.n > 60, "%s: missing or short", path);
    double t0 = now_s();
    bd_qnetwork_run(net, qk, observe, &g);
    double secs = now_s() - t0;

    /* the first row, in execution order, whose bytes differ */
    int same = 0, compared = 0;
    const row *bad = NULL;
    for (int i = 0; i < g.n; i++) {
        const row *r = &g.rows[i];
        int skip = 0;
        for (size_t s = 0; s < sizeof not_computed / sizeof *not_computed; s++)
            skip |= !strcmp(r->name, not_computed[s]);
        if (skip)
            continue;
        compared++;
        if (!strcmp(r->ours, r->sha) && !strcmp(r->our_shape, r->shape))
            same++;
        else if (!bad)
            bad = r;
    }
    CHECK(!bad, "%s/%s: first diverging layer: %s (%s; ours %s %.12s, golden %s %.12s); "
          "%d of %d identical", model_id, stem, bad ? bad->name : "", bad && !bad->ours[0] ?
          "not produced" : "sha256 differs", bad ? bad->our_shape : "", bad ? bad->ours : "",
          bad ? bad->shape : "", bad ? bad->sha : "", same, compared);
    CHECK(compared == 70, "%s/%s: %d tensors compared, the graph computes 70 (input included) before the "
          "post-processing", model_id, stem, compared);
    free(g.rows);

    /* labels through the float post-processing of the dequantised logits */
    int fh, fw, nc, lw = 0, lh = 0, tw, th;
    const float *logits = bd_qnetwork_logits(net, &fh, &fw, &nc);
    bd_preprocess_target_size(ow, oh, size, &tw, &th);
    snprintf(path, sizeof path, "%s/labels.png", dir);
    uint8_t *golden = load_labels(path, &lw, &lh);
    double agree = 0, agree_f32 = 0;
    CHECK(golden && lw == ow && lh == oh, "%s: missing or not %dx%d", path, ow, oh);
    if (golden && lw == ow && lh == oh) {
        uint8_t *ours = malloc((size_t)ow * oh);
        float scale;
        int32_t zp;
        const uint8_t *lq = bd_qnetwork_logits_u8(net, &scale, &zp);
        CHECK(ours && bd_postprocess_labels_u8(lq, fw, fh, nc, size, size, tw, th, ow, oh,
                                               ours) == 0, "bd_postprocess_labels_u8 failed");
        if (ours)
            agree = agreement(ours, golden, (size_t)ow * oh);
        CHECK(agree >= AGREE_MIN, "%s/%s: labels (uint8 resize + argmax) agree on %.3f %% of "
              "pixels (< %.1f %%)", model_id, stem, agree, AGREE_MIN);
        /* for the record: the float post-processing of the dequantised logits */
        CHECK(ours && bd_postprocess_labels(k, logits, fw, fh, nc, size, size, tw, th, ow, oh,
                                            ours) == 0, "bd_postprocess_labels failed");
        if (ours)
            agree_f32 = agreement(ours, golden, (size_t)ow * oh);
        free(ours);
    }
    free(golden);
    printf("  %-19s %-26s %4dx%-4d tensors %2d/%2d identical  labels %7.3f %% (float "
           "post-processing %7.3f %%)  %.2f s\n", model_id, stem, ow, oh, same, compared, agree,
           agree_f32, secs);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *shared = getenv("SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    const char *want_images = getenv("BACKDROP_GOLDEN_IMAGES");
    if (want_images && !strcmp(want_images, "quick"))
        want_images = "cat_chelsea";
    const char *want_models = getenv("BACKDROP_GOLDEN_MODELS");
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    if (!wdir || !*wdir)
        wdir = "weights";
    char err[512], path[1024], weights[1024];
    snprintf(path, sizeof path, "%s/golden_int8/README.md", shared);
    if (!exists(path)) {
        printf("skipped: test_golden_int8: %s not found: the integer golden outputs are "
               "absent (set SHARED)\n", path);
        printf("test_golden_int8: 0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    CHECK(k != NULL, "%s", err);
    if (!k)
        return check_done("test_golden_int8");
    const bd_qu8_kernels *qk = bd_qu8_kernels_select(err, sizeof err);
    CHECK(qk != NULL, "%s", err);
    if (!qk)
        return check_done("test_golden_int8");
    printf("test_golden_int8: int8 kernels %s, float post-processing %s, %d thread(s)\n",
           qk->isa, k->isa, omp_get_max_threads());

    double t_start = now_s();
    int runs = 0, skipped = 0;
    for (int mi = 0; mi < NMODELS; mi++) {
        if (!selected(want_models, models[mi].id))
            continue;
        snprintf(weights, sizeof weights, "%s/%s", wdir, models[mi].weights);
        if (!exists(weights)) {
            printf("skipped: test_golden_int8: %s: %s not built (run make weights)\n",
                   models[mi].id, weights);
            skipped++;
            continue;
        }
        bd_model *m = bd_model_load(weights, err, sizeof err);
        CHECK(m != NULL, "%s", err);
        if (!m)
            continue;
        bd_qnetwork *net = bd_qnetwork_new(m, m->input_size, m->input_size,
                                           models[mi].output_stride, err, sizeof err);
        CHECK(net != NULL, "%s", err);
        if (net)
            printf("  %s: %s, int8 arena %.1f MB\n", models[mi].id, weights,
                   bd_qnetwork_arena_bytes(net) / 1048576.0);
        snprintf(path, sizeof path, "%s/golden_int8/%s", shared, models[mi].id);
        DIR *d = opendir(path);
        CHECK(d != NULL, "%s: cannot open", path);
        char *stems[256];
        int ns = 0;
        for (struct dirent *e; d && (e = readdir(d)) && ns < 256;)
            if (e->d_name[0] != '.' && selected(want_images, e->d_name)) {
                char p2[1400];
                snprintf(p2, sizeof p2, "%s/%s/layers.tsv", path, e->d_name);
                if (exists(p2))
                    stems[ns++] = strdup(e->d_name);
            }
        if (d)
            closedir(d);
        qsort(stems, ns, sizeof *stems, cmp_str);
        for (int i = 0; i < ns; i++) {
            if (net) {
                run_image(shared, models[mi].id, m, net, qk, k, stems[i]);
                runs++;
            }
            free(stems[i]);
        }
        bd_qnetwork_free(net);
        bd_model_free(m);
    }
    printf("test_golden_int8: %d model/image runs in %.1f s\n", runs, now_s() - t_start);
    if (skipped) {
        printf("test_golden_int8: %d passed, %d failed, %d skipped\n", check_passed_,
               check_failed_, skipped);
        return check_failed_ ? 1 : 0;
    }
    return check_done("test_golden_int8");
}
