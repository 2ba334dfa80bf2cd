/* test_golden.c — the whole network against the golden reference outputs in
 * $SHARED/golden (an independent numpy implementation of the TensorFlow graph / TFLite files).
 *
 * For each model id and image: the exact resized input (golden/_inputs/<stem>.resized.png)
 * is normalised and padded, the network runs with a layer observer, and we check
 *   - every layer's mean / std / min / max / first 8 values against layers.tsv (matched by
 *     TensorFlow scope, the last golden row of the scope); a failure names the FIRST layer
 *     that diverges;
 *   - the logits against logits.f32: max abs error <= 2e-3;
 *   - the labels after the full post-processing against labels.png (original size) and
 *     labels_resized.png: >= 99.9 % of pixels agree;
 *   - the padded float input bit for bit against input.f32 where the golden has one.
 * Kernels: bd_kernels_select() ($BACKDROP_ISA forces one). Subsets for speed:
 *   BACKDROP_GOLDEN_IMAGES=person_astronaut,cat_chelsea  BACKDROP_GOLDEN_MODELS=dm05_quant_os16
 *   BACKDROP_GOLDEN_IMAGES=quick   the two most telling images (person_astronaut: the only one
 *                                  with input.f32; small_rose_70x46: 7x upscaled) — for
 *                                  sanitizer or emulated runs
 * Weights come from weights/ (made by `make`), or from $BACKDROP_WEIGHTS_DIR.
 */
#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "io/image_io.h"
#include "kernels.h"
#include "engine/model.h"
#include "engine/network.h"
#include "engine/postprocess.h"
#include "engine/preprocess.h"

#define LOGITS_TOL 2e-3
#define AGREE_MIN 99.9
#define STAT_RTOL 1e-3     /* layer statistics: relative to the tensor's magnitude */

static const struct {
    const char *id, *weights;
    int output_stride;
} models[] = {
    {"dm05_frozen_os8", "deeplabv3_mnv2_dm05_pascal.bdw", 8},
    {"mnv2_quant_os16", "deeplabv3_mnv2_pascal.bdw", 16},
    {"mnv2_quant_os8", "deeplabv3_mnv2_pascal.bdw", 8},
    {"dm05_quant_os16", "deeplabv3_mnv2_dm05_pascal_quant.bdw", 16},
};
#define NMODELS (int)(sizeof models / sizeof models[0])

/* ------------------------------------------------------------------ small helpers ---- */

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

/* Is name in the comma-separated list (NULL or empty list: everything is)? */
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

/* Two ints of a JSON array value: "key": [ a, b ]. */
static int json_pair(const char *json, const char *key, int *a, int *b)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    return p && sscanf(p + strlen(pat), " : [ %d , %d", a, b) == 2;
}

static int json_int(const char *json, const char *key, int *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    return p && sscanf(p + strlen(pat), " : %d", v) == 1;
}

/* ------------------------------------------------------------------ layers.tsv ------- */

typedef struct {
    char name[160];
    int shape[4];
    double mean, std, min, max, first8[8];
    int nfirst;
} golden_row;

typedef struct {
    golden_row *rows;
    int n;
} golden_layers;

static int load_layers(const char *path, golden_layers *g)
{
    char *text = read_file(path, NULL);
    if (!text)
        return -1;
    int cap = 512;
    g->rows = calloc(cap, sizeof *g->rows);
    g->n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "name\t", 5) || g->n == cap)
            continue;
        golden_row *r = &g->rows[g->n];
        char *f[8] = {0};
        int nf = 0;
        for (char *p = line; p && nf < 8; nf++) {
            f[nf] = p;
            char *t = strchr(p, '\t');
            if (t)
                *t++ = 0;
            p = t;
        }
        if (nf < 7)
            continue;
        const char *name = f[0];
        if (name[0] == 'o' && name[1] == 'p' && strchr(name, ':'))   /* "op12:" prefix */
            name = strchr(name, ':') + 1;
        snprintf(r->name, sizeof r->name, "%s", name);
        if (sscanf(f[2], "%dx%dx%dx%d", &r->shape[0], &r->shape[1], &r->shape[2],
                   &r->shape[3]) != 4)
            continue;
        r->mean = atof(f[3]);
        r->std = atof(f[4]);
        r->min = atof(f[5]);
        r->max = atof(f[6]);
        r->nfirst = 0;
        for (char *p = f[7]; p && *p && r->nfirst < 8; r->nfirst++) {
            r->first8[r->nfirst] = strtod(p, &p);
            if (*p == ',')
                p++;
        }
        g->n++;
    }
    free(text);
    return 0;
}

/* The last golden row in TensorFlow scope `scope` (name == scope or scope + "/..."). */
static const golden_row *find_scope(const golden_layers *g, const char *scope)
{
    size_t n = strlen(scope);
    const golden_row *found = NULL;
    for (int i = 0; i < g->n; i++)
        if (!strncmp(g->rows[i].name, scope, n) &&
            (g->rows[i].name[n] == 0 || g->rows[i].name[n] == '/'))
            found = &g->rows[i];
    return found;
}

typedef struct {
    const golden_layers *g;
    int checked;
    char first_bad[512];     /* description of the first divergent layer, or "" */
    double worst_rel;        /* largest relative stat difference seen */
} observer_state;

static void observe(void *ctx, const char *name, const float *t, int h, int w, int c)
{
    observer_state *st = ctx;
    if (st->first_bad[0])
        return;                         /* only the first divergence is interesting */
    const golden_row *r = find_scope(st->g, name);
    if (!r) {
        snprintf(st->first_bad, sizeof st->first_bad, "%s: no golden row for this scope", name);
        return;
    }
    if (r->shape[1] != h || r->shape[2] != w || r->shape[3] != c) {
        snprintf(st->first_bad, sizeof st->first_bad, "%s: shape %dx%dx%d, golden %dx%dx%d",
                 name, h, w, c, r->shape[1], r->shape[2], r->shape[3]);
        return;
    }
    size_t n = (size_t)h * w * c;
    double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = t[i];
        sum += v;
        sq += v * v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    double sd = sqrt(var > 0 ? var : 0);
    double scale = fmax(fmax(fabs(r->min), fabs(r->max)), r->std) + 1e-6;
    double ours[4] = {mean, sd, mn, mx}, ref[4] = {r->mean, r->std, r->min, r->max};
    static const char *what[4] = {"mean", "std", "min", "max"};
    for (int k = 0; k < 4 + r->nfirst; k++) {
        double a = k < 4 ? ours[k] : t[k - 4], b = k < 4 ? ref[k] : r->first8[k - 4];
        double rel = fabs(a - b) / scale;
        if (rel > st->worst_rel)
            st->worst_rel = rel;
        /* golden values are printed with 6 significant digits: allow for that too */
        if (fabs(a - b) > STAT_RTOL * scale + 1e-5 * fabs(b)) {
            char which[32];
            if (k < 4)
                snprintf(which, sizeof which, "%s", what[k]);
            else
                snprintf(which, sizeof which, "value[%d]", k - 4);
            snprintf(st->first_bad, sizeof st->first_bad,
                     "%s (golden %s): %s %.6g, golden %.6g (scale %.3g)", name, r->name, which,
                     a, b, scale);
            return;
        }
    }
    st->checked++;
}

/* ------------------------------------------------------------------ one image -------- */

static double agreement(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += a[i] == b[i];
    return n ? 100.0 * same / n : 0.0;
}

/* Loads an 8-bit grey label PNG (decoded as RGB, grey replicated) into w x h bytes. */
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
                      bd_network *net, const bd_kernels *k, int os, const char *stem)
{
    char dir[1024], path[1200], err[256];
    snprintf(dir, sizeof dir, "%s/golden/%s/%s", shared, model_id, stem);

    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *meta = read_file(path, NULL);
    int oh = 0, ow = 0, rh = 0, rw = 0, meta_os = 0, size = 0;
    CHECK(meta && json_pair(meta, "orig_hw", &oh, &ow) && json_pair(meta, "resized_hw", &rh, &rw)
          && json_int(meta, "output_stride", &meta_os) && json_int(meta, "input_size", &size),
          "%s: unreadable or incomplete", path);
    free(meta);
    if (!oh)
        return;
    CHECK(meta_os == os, "%s: output stride %d, the test table says %d", dir, meta_os, os);
    CHECK(size == bd_network_input_h(net), "%s: input size %d", dir, size);

    snprintf(path, sizeof path, "%s/golden/_inputs/%s.resized.png", shared, stem);
    bd_image img;
    if (bd_image_load(path, &img, err, sizeof err)) {
        CHECK(0, "%s", err);
        return;
    }
    CHECK(img.w == rw && img.h == rh, "%s: %dx%d, meta.json says %dx%d", path, img.w, img.h,
          rw, rh);
    int tw, th;
    bd_preprocess_target_size(ow, oh, size, &tw, &th);
    CHECK(tw == rw && th == rh, "%s: target size %dx%d for %dx%d, golden %dx%d", stem, tw, th,
          ow, oh, rw, rh);

    float *input = bd_network_input(net);
    bd_preprocess_normalise_pad(img.data, img.w, img.h, input, size, size, m->norm_scale,
                             m->norm_offset);
    bd_image_free(&img);
    snprintf(path, sizeof path, "%s/input.f32", dir);
    size_t len = 0;
    char *gin = read_file(path, &len);
    if (gin) {
        size_t bytes = (size_t)size * size * 3 * sizeof(float);
        CHECK(len == bytes && !memcmp(gin, input, bytes),
              "%s: normalised padded input differs from input.f32", stem);
        printf("  %s/%s: input matches input.f32 bit for bit: %s\n", model_id, stem,
               len == bytes && !memcmp(gin, input, bytes) ? "yes" : "NO");
        free(gin);
    }

    size_t in_bytes = (size_t)size * size * 3 * sizeof(float);
    float *input_copy = malloc(in_bytes);
    CHECK(input_copy != NULL, "out of memory");
    if (!input_copy)
        return;
    memcpy(input_copy, input, in_bytes);

    golden_layers g = {0};
    snprintf(path, sizeof path, "%s/layers.tsv", dir);
    CHECK(load_layers(path, &g) == 0 && g.n > 0, "%s: missing or empty", path);
    observer_state st = {.g = &g};
    double t0 = now_s();
    bd_network_run(net, k, g.n ? observe : NULL, &st);
    double secs = now_s() - t0;
    CHECK(!st.first_bad[0], "%s/%s: first divergent layer: %s", model_id, stem, st.first_bad);
    CHECK(st.first_bad[0] || st.checked >= 20, "%s/%s: only %d layers compared", model_id,
          stem, st.checked);
    free(g.rows);

    int fh, fw, nc;
    const float *logits = bd_network_logits(net, &fh, &fw, &nc);
    snprintf(path, sizeof path, "%s/logits.f32", dir);
    float *gl = (float *)read_file(path, &len);
    double maxerr = INFINITY;
    size_t nl = (size_t)fh * fw * nc;
    CHECK(gl && len == nl * sizeof(float), "%s: missing or not %dx%dx%d floats", path, fh, fw,
          nc);
    if (gl && len == nl * sizeof(float)) {
        maxerr = 0;
        for (size_t i = 0; i < nl; i++)
            maxerr = fmax(maxerr, fabs((double)logits[i] - gl[i]));
        CHECK(maxerr <= LOGITS_TOL, "%s/%s: logits max abs error %.3g > %.g", model_id, stem,
              maxerr, LOGITS_TOL);
    }
    free(gl);

    /* Again without an observer, with every block fused (the bands at dilation 2 and 4 too),
     * then with the production schedule, which fuses only the big early blocks, band by band
     * (src/network.c). Same arithmetic per element as layer by layer, so the logits must be
     * bit-identical to the observed run's; the labels below come from the production run. */
    float *layered = malloc(nl * sizeof(float));
    CHECK(layered != NULL, "out of memory");
    static const bd_fusion modes[2] = {BD_FUSE_ALL, BD_FUSE_AUTO};
    static const char *mode_name[2] = {"every block fused", "production (auto) fusion"};
    for (int mi = 0; layered && mi < 2; mi++) {
        if (mi == 0)
            memcpy(layered, logits, nl * sizeof(float));
        bd_network_set_fusion(net, modes[mi]);
        memcpy(bd_network_input(net), input_copy, in_bytes);
        bd_network_run(net, k, NULL, NULL);
        bd_network_set_fusion(net, BD_FUSE_AUTO);
        logits = bd_network_logits(net, &fh, &fw, &nc);
        size_t differ = 0;
        for (size_t i = 0; i < nl; i++)
            differ += memcmp(&logits[i], &layered[i], sizeof(float)) != 0;
        CHECK(differ == 0, "%s/%s: %s: %zu of %zu logits differ from the layer-by-layer run",
              model_id, stem, mode_name[mi], differ, nl);
    }
    free(layered);
    free(input_copy);

    int lw, lh, rlw, rlh;
    snprintf(path, sizeof path, "%s/labels.png", dir);
    uint8_t *golden = load_labels(path, &lw, &lh);
    snprintf(path, sizeof path, "%s/labels_resized.png", dir);
    uint8_t *golden_resized = load_labels(path, &rlw, &rlh);
    CHECK(golden && lw == ow && lh == oh, "%s/%s: labels.png missing or not %dx%d", model_id,
          stem, ow, oh);
    CHECK(golden_resized && rlw == tw && rlh == th, "%s/%s: labels_resized.png missing or not "
          "%dx%d", model_id, stem, tw, th);
    double agree = 0, agree_resized = 0;
    if (golden && golden_resized && lw == ow && lh == oh && rlw == tw && rlh == th) {
        uint8_t *ours = malloc((size_t)ow * oh), *ours_resized = malloc((size_t)tw * th);
        CHECK(bd_postprocess_labels(k, logits, fw, fh, nc, size, size, tw, th, ow, oh, ours) == 0,
              "bd_postprocess_labels failed");
        k->upsample_argmax(logits, fh, fw, nc, size, size, th, tw, ours_resized);
        agree = agreement(ours, golden, (size_t)ow * oh);
        agree_resized = agreement(ours_resized, golden_resized, (size_t)tw * th);
        CHECK(agree >= AGREE_MIN, "%s/%s: labels agree on %.3f %% of pixels (< %.1f %%)",
              model_id, stem, agree, AGREE_MIN);
        CHECK(agree_resized >= AGREE_MIN, "%s/%s: resized labels agree on %.3f %% (< %.1f %%)",
              model_id, stem, agree_resized, AGREE_MIN);
        free(ours);
        free(ours_resized);
    }
    free(golden);
    free(golden_resized);
    printf("  %-16s %-26s %4dx%-4d layers %2d ok (worst %.1e)  logits err %.2e  labels %7.3f %%"
           "  resized %7.3f %%  %.2f s\n", model_id, stem, ow, oh, st.checked, st.worst_rel,
           maxerr, agree, agree_resized, secs);
}

/* ------------------------------------------------------------------ main ------------- */

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
        want_images = "person_astronaut,small_rose_70x46";
    const char *want_models = getenv("BACKDROP_GOLDEN_MODELS");
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    if (!wdir || !*wdir)
        wdir = "weights";
    char err[512], path[1024], weights[1024];
    snprintf(path, sizeof path, "%s/golden/README.md", shared);
    if (!exists(path)) {
        SKIP("test_golden: %s not found: the golden reference outputs are absent, "
             "nothing to compare (set SHARED)", path);
        return check_done("test_golden");
    }
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    CHECK(k != NULL, "%s", err);
    if (!k)
        return check_done("test_golden");
    printf("test_golden: kernels %s, %d thread(s)\n", k->isa, omp_get_max_threads());

    double t_start = now_s();
    int runs = 0;
    for (int mi = 0; mi < NMODELS; mi++) {
        if (!selected(want_models, models[mi].id))
            continue;
        snprintf(weights, sizeof weights, "%s/%s", wdir, models[mi].weights);
        if (!exists(weights)) {
            SKIP("test_golden: %s: %s not built (run make weights)", models[mi].id, weights);
            continue;
        }
        bd_model *m = bd_model_load(weights, err, sizeof err);
        CHECK(m != NULL, "%s", err);
        if (!m)
            continue;
        bd_network *net = bd_network_new(m, m->input_size, m->input_size,
                                      models[mi].output_stride, err, sizeof err);
        CHECK(net != NULL, "%s", err);
        if (net)
            printf("  %s: %s, arena %.1f MB\n", models[mi].id, weights,
                   bd_network_arena_bytes(net) / 1048576.0);

        snprintf(path, sizeof path, "%s/golden/%s", shared, models[mi].id);
        DIR *d = opendir(path);
        CHECK(d != NULL, "%s: cannot open", path);
        char *stems[256];
        int ns = 0;
        for (struct dirent *e; d && (e = readdir(d)) && ns < 256;)
            if (e->d_name[0] != '.' && e->d_name[0] != '_' && selected(want_images, e->d_name))
                stems[ns++] = strdup(e->d_name);
        if (d)
            closedir(d);
        qsort(stems, ns, sizeof *stems, cmp_str);
        for (int i = 0; i < ns; i++) {
            if (net) {
                run_image(shared, models[mi].id, m, net, k, models[mi].output_stride, stems[i]);
                runs++;
            }
            free(stems[i]);
        }
        bd_network_free(net);
        bd_model_free(m);
    }
    printf("test_golden: %d model/image runs in %.1f s\n", runs, now_s() - t_start);
    return check_done("test_golden");
}
