/* test_effects_real.c — the effects on real photos, as a user runs them ($BIN):
 * person_astronaut.png (person), cat_chelsea.png (--class cat), car_rear_motionblur.jpg
 * (--class car). The subject and the background are taken from the label maps of TFLite's
 * integer reference for the default model, which a user's run (int8 by default) computes
 * (golden_int8/mnv2_quant_u8_os16/<photo>/labels.png, made independently of this
 * project), shrunk by a safety margin m (4 % of the longer side) away from their common
 * edge, where the matte is meant to be soft. In those cores:
 *   - the subject is unchanged (blur, gray, replace, cutout) and opaque (cutout, mask);
 *   - the background is exactly what was asked: gray R == G == B == BT.601 luma, replace
 *     --color white == 255, cutout alpha 0, mask 0; --invert swaps the two;
 *   - blur smooths the background, and without a halo: in the background between m/2 and m
 *     from the subject, a strong masked blur (sigma 4 % of the image) stays much closer to
 *     the photo than a plain blur of the same sigma, which drags the subject's colours out.
 * Each check allows 2 % of the core to disagree (the matte is soft, and refined).
 * Needs $BIN and $SHARED; weights from weights/ or $BACKDROP_WEIGHTS_DIR.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* the test's own copy of stb_image, to read the outputs with their channel count (the
 * library's copy is private to src/io/stb_impl.c) */
/* static stb declares functions its build leaves out: unused, all through this file */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include "check.h"
#include "compose/compose.h"
#include "io/image_io.h"

static const char *bin, *shared;
static char model[1024], tmpdir[256];

static int run(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s --model %s -q >%s/log.txt 2>&1", bin, args, model, tmpdir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A photo with its subject / background cores (1 where every pixel within the margin is
 * subject, resp. background, in the golden labels) and the ring of background pixels
 * between half the margin and the margin from the subject. */
typedef struct {
    const char *file, *stem, *cls;
    int classes[4], nclasses;
    bd_image img;
    int w, h;
    uint8_t *subj, *bgc, *ring;
    int nsubj, nbg, nring;
} photo;

/* Pixels whose (2m+1)^2 window holds only value v of mask (via an integral image). */
static uint8_t *core(const uint8_t *mask, int w, int h, int m, int v)
{
    long long *ii = calloc((size_t)(w + 1) * (h + 1), sizeof(long long));
    uint8_t *out = calloc((size_t)w * h, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ii[(size_t)(y + 1) * (w + 1) + x + 1] = (mask[(size_t)y * w + x] == v) +
                ii[(size_t)y * (w + 1) + x + 1] + ii[(size_t)(y + 1) * (w + 1) + x] -
                ii[(size_t)y * (w + 1) + x];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const int x0 = x - m < 0 ? 0 : x - m, x1 = x + m + 1 > w ? w : x + m + 1;
            const int y0 = y - m < 0 ? 0 : y - m, y1 = y + m + 1 > h ? h : y + m + 1;
            const long long n = ii[(size_t)y1 * (w + 1) + x1] - ii[(size_t)y0 * (w + 1) + x1] -
                                ii[(size_t)y1 * (w + 1) + x0] + ii[(size_t)y0 * (w + 1) + x0];
            out[(size_t)y * w + x] = n == (long long)(x1 - x0) * (y1 - y0);
        }
    free(ii);
    return out;
}

static int load_photo(photo *p)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/images/%s", shared, p->file);
    if (bd_image_load(path, &p->img, err, sizeof err)) {
        CHECK(0, "%s", err);
        return -1;
    }
    p->w = p->img.w;
    p->h = p->img.h;
    bd_image lab;
    snprintf(path, sizeof path, "%s/golden_int8/mnv2_quant_u8_os16/%s/labels.png", shared, p->stem);
    if (bd_image_load(path, &lab, err, sizeof err)) {
        CHECK(0, "%s", err);
        return -1;
    }
    CHECK(lab.w == p->w && lab.h == p->h, "%s: labels %dx%d", p->stem, lab.w, lab.h);
    const size_t n = (size_t)p->w * p->h;
    uint8_t *is_subj = malloc(n);
    for (size_t i = 0; i < n; i++) {
        is_subj[i] = 0;
        for (int c = 0; c < p->nclasses; c++)
            if (lab.data[i * 3] == p->classes[c]) is_subj[i] = 1;
    }
    const int m = (int)lrint(0.04 * (p->w > p->h ? p->w : p->h));
    p->subj = core(is_subj, p->w, p->h, m, 1);
    p->bgc = core(is_subj, p->w, p->h, m, 0);
    uint8_t *near = core(is_subj, p->w, p->h, m / 2, 0);
    p->ring = malloc(n);
    p->nsubj = p->nbg = p->nring = 0;
    for (size_t i = 0; i < n; i++) {
        p->ring[i] = near[i] && !p->bgc[i];
        p->nsubj += p->subj[i];
        p->nbg += p->bgc[i];
        p->nring += p->ring[i];
    }
    free(near);
    free(is_subj);
    bd_image_free(&lab);
    printf("%s: %dx%d, subject core %d px, background core %d px, ring %d px\n", p->stem,
           p->w, p->h, p->nsubj, p->nbg, p->nring);
    CHECK(p->nsubj > 1000 && p->nbg > 1000, "%s: cores too small to test", p->stem);
    return 0;
}

/* Runs "backdrop EFFECT-ARGS --class CLS PHOTO -o OUT.png" and loads OUT with its own
 * channels (stb directly: bd_image_load would drop a cutout's alpha). */
static uint8_t *effect(const photo *p, const char *args, int want_channels)
{
    char out[512], cmd[2048];
    snprintf(out, sizeof out, "%s/out.png", tmpdir);
    remove(out);
    snprintf(cmd, sizeof cmd, "%s --class %s %s/images/%s -o %s", args, p->cls, shared, p->file,
             out);
    int rc = run(cmd);
    CHECK(rc == 0, "%s: '%s' exited %d", p->stem, args, rc);
    if (rc) return NULL;
    int w = 0, h = 0, comp = 0;
    uint8_t *o = stbi_load(out, &w, &h, &comp, 0);
    CHECK(o && w == p->w && h == p->h && comp == want_channels,
          "%s %s: output %dx%d with %d channels, want %dx%d with %d", p->stem, args, w, h, comp,
          p->w, p->h, want_channels);
    if (o && (w != p->w || h != p->h || comp != want_channels)) {
        stbi_image_free(o);
        o = NULL;
    }
    return o;
}

typedef enum { SAME, GRAY_LUMA, WHITE, OPAQUE, CLEAR, RGB_SAME } test_kind;

/* Fraction of the region's pixels of out (c channels) that pass the test against the photo. */
static double fraction(const photo *p, const uint8_t *region, const uint8_t *out, int c,
                       test_kind kind)
{
    long hits = 0, n = 0;
    for (size_t i = 0; i < (size_t)p->w * p->h; i++) {
        if (!region[i]) continue;
        const uint8_t *o = out + i * c, *s = p->img.data + i * 3;
        int ok = 0;
        switch (kind) {
        case SAME:
            ok = abs(o[0] - s[0]) <= 2 && abs(o[1] - s[1]) <= 2 && abs(o[2] - s[2]) <= 2;
            break;
        case GRAY_LUMA:
            ok = o[0] == o[1] && o[1] == o[2] && o[0] == bd_luma601(s[0], s[1], s[2]);
            break;
        case WHITE: ok = o[0] == 255 && o[1] == 255 && o[2] == 255; break;
        case OPAQUE: ok = o[c - 1] >= 250; break;
        case CLEAR: ok = o[c - 1] == 0; break;
        case RGB_SAME: ok = o[0] == s[0] && o[1] == s[1] && o[2] == s[2]; break;
        }
        hits += ok;
        n++;
    }
    return n ? (double)hits / n : 0.0;
}

static void expect(const photo *p, const char *what, double f, double min)
{
    printf("  %-22s %-44s %.4f\n", p->stem, what, f);
    CHECK(f >= min, "%s: %s: %.4f, want >= %.2f", p->stem, what, f, min);
}

static void check_gray(const photo *p, int invert)
{
    uint8_t *out = effect(p, invert ? "gray --invert" : "gray", 3);
    if (!out) return;
    if (!invert) {
        expect(p, "gray: subject unchanged", fraction(p, p->subj, out, 3, SAME), 0.98);
        expect(p, "gray: background R=G=B=luma", fraction(p, p->bgc, out, 3, GRAY_LUMA), 0.98);
    } else {
        expect(p, "gray --invert: background unchanged", fraction(p, p->bgc, out, 3, SAME), 0.98);
        expect(p, "gray --invert: subject R=G=B=luma", fraction(p, p->subj, out, 3, GRAY_LUMA),
               0.98);
    }
    stbi_image_free(out);
}

static void check_white(const photo *p)
{
    uint8_t *out = effect(p, "replace --color white", 3);
    if (!out) return;
    expect(p, "white: subject unchanged", fraction(p, p->subj, out, 3, SAME), 0.98);
    expect(p, "white: background == 255", fraction(p, p->bgc, out, 3, WHITE), 0.98);
    stbi_image_free(out);
}

static void check_cutout_and_mask(const photo *p)
{
    uint8_t *cut = effect(p, "cutout", 4);
    uint8_t *mask = effect(p, "mask", 1);
    if (cut) {
        int all = 1;   /* colour == photo everywhere, alpha == the matte */
        for (size_t i = 0; i < (size_t)p->w * p->h; i++) {
            if (memcmp(cut + i * 4, p->img.data + i * 3, 3)) all = 0;
            if (mask && cut[i * 4 + 3] != mask[i]) all = 0;
        }
        CHECK(all, "%s cutout: RGB != photo or alpha != mask", p->stem);
        expect(p, "cutout: subject alpha >= 250", fraction(p, p->subj, cut, 4, OPAQUE), 0.98);
        expect(p, "cutout: background alpha == 0", fraction(p, p->bgc, cut, 4, CLEAR), 0.98);
        stbi_image_free(cut);
    }
    if (mask) {
        expect(p, "mask: subject >= 250", fraction(p, p->subj, mask, 1, OPAQUE), 0.98);
        expect(p, "mask: background == 0", fraction(p, p->bgc, mask, 1, CLEAR), 0.98);
        stbi_image_free(mask);
    }
}

static void check_blur(const photo *p)
{
    uint8_t *out = effect(p, "blur", 3);
    if (!out) return;
    expect(p, "blur: subject unchanged", fraction(p, p->subj, out, 3, SAME), 0.98);
    /* smoother: mean horizontal gradient over the background core */
    double g_in = 0, g_out = 0;
    long n = 0;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x + 1 < p->w; x++) {
            const size_t i = (size_t)y * p->w + x;
            if (!p->bgc[i] || !p->bgc[i + 1]) continue;
            for (int c = 0; c < 3; c++) {
                g_in += abs(p->img.data[i * 3 + c] - p->img.data[(i + 1) * 3 + c]);
                g_out += abs(out[i * 3 + c] - out[(i + 1) * 3 + c]);
            }
            n++;
        }
    stbi_image_free(out);
    /* halo: a strong blur, in the ring next to the subject, against a plain blur */
    const float sigma = 0.04f * (float)(p->w > p->h ? p->w : p->h);
    char args[64];
    snprintf(args, sizeof args, "blur --strength %.1f", sigma);
    out = effect(p, args, 3);
    if (!out) return;
    const size_t np = (size_t)p->w * p->h;
    float *zero = calloc(np, sizeof(float));
    uint8_t *plain = malloc(np * 3);
    bd_composite_blur(p->img.data, zero, p->w, p->h, sigma, plain);
    double d_masked = 0, d_plain = 0;
    for (size_t i = 0; i < np; i++)
        if (p->ring[i])
            for (int c = 0; c < 3; c++) {
                d_masked += fabs((double)out[i * 3 + c] - p->img.data[i * 3 + c]);
                d_plain += fabs((double)plain[i * 3 + c] - p->img.data[i * 3 + c]);
            }
    d_masked /= 3.0 * (p->nring ? p->nring : 1);
    d_plain /= 3.0 * (p->nring ? p->nring : 1);
    printf("  %-22s blur: background gradient %.2f -> %.2f; with sigma %.0f, next to the "
           "subject the output is off the photo by %.2f levels, a plain blur by %.2f\n",
           p->stem, g_in / (3.0 * n), g_out / (3.0 * n), sigma, d_masked, d_plain);
    CHECK(n > 0 && g_out < 0.7 * g_in, "%s blur: background not smoother (%.0f vs %.0f)",
          p->stem, g_out, g_in);
    CHECK(p->nring > 0 && d_masked < 0.85 * d_plain,
          "%s blur: next to the subject %.2f vs a plain blur's %.2f: the subject bleeds",
          p->stem, d_masked, d_plain);
    free(zero);
    free(plain);
    stbi_image_free(out);
}

static void run_photo(photo *p, int invert_too)
{
    if (load_photo(p)) return;
    check_gray(p, 0);
    if (invert_too) check_gray(p, 1);
    check_white(p);
    check_cutout_and_mask(p);
    check_blur(p);
    bd_image_free(&p->img);
    free(p->subj);
    free(p->bgc);
    free(p->ring);
}

int main(void)
{
    bin = getenv("BIN");
    shared = getenv("SHARED");
    if (!shared || !*shared) shared = "../shared";
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    snprintf(model, sizeof model, "%s/deeplabv3_mnv2_pascal.bdw", wdir && *wdir ? wdir : "weights");
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/golden_int8/mnv2_quant_u8_os16/person_astronaut/labels.png", shared);
    if (!bin || !*bin || !exists(bin)) {
        SKIP("test_effects_real: $BIN (the CLI) not set or missing");
        return check_done("test_effects_real");
    }
    if (!exists(model) || !exists(probe)) {
        SKIP("test_effects_real: %s missing (run make weights; set SHARED)",
               exists(model) ? probe : model);
        return check_done("test_effects_real");
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/backdrop_effects_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        CHECK(0, "mkdtemp failed");
        return check_done("test_effects_real");
    }
    photo astro = {.file = "person_astronaut.png", .stem = "person_astronaut", .cls = "person",
                   .classes = {15}, .nclasses = 1};
    photo cat = {.file = "cat_chelsea.png", .stem = "cat_chelsea", .cls = "cat",
                 .classes = {8}, .nclasses = 1};
    photo car = {.file = "car_rear_motionblur.jpg", .stem = "car_rear_motionblur",
                 .cls = "car", .classes = {7}, .nclasses = 1};
    run_photo(&astro, 1);
    run_photo(&cat, 0);
    run_photo(&car, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0, "cannot remove %s", tmpdir);
    return check_done("test_effects_real");
}
