/* test_cli_precision.c — `--precision int8|f32` through the command line and the C API.
 *
 * - `backdrop labels --precision int8` on a golden photo's exact resized input gives the
 *   uint8 graph's own labels: identical to golden_int8's labels_resized.png, every pixel;
 * - the segmenter API with BD_PRECISION_INT8 says so (bd_segmenter_get_info), its labels equal
 *   the same reference, its soft mask is a probability, its arena is smaller than the f32 one;
 * - `backdrop blur --precision int8` writes its output; `--precision f32` on the same file
 *   runs the float network (a different arena) and gives labels close to the int8 ones;
 * - the default precision is int8 for that file, f32 for one converted from a float model.
 * Needs $SHARED/golden_int8 and weights/deeplabv3_mnv2_dm05_pascal_quant.bdw (else skipped).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "backdrop.h"
#include "cli/cli.h"
#include "io/image_io.h"

#define WEIGHTS "weights/deeplabv3_mnv2_dm05_pascal_quant.bdw"
#define FLOAT_WEIGHTS "weights/deeplabv3_mnv2_dm05_pascal.bdw"   /* from the float graph */
#define STEM "cat_chelsea"

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static uint8_t *gray(const char *path, int *w, int *h)
{
    bd_image img;
    char err[300];
    if (bd_image_load(path, &img, err, sizeof err)) {
        CHECK(0, "%s", err);
        return NULL;
    }
    uint8_t *g = malloc((size_t)img.w * img.h);
    for (size_t i = 0; g && i < (size_t)img.w * img.h; i++)
        g[i] = img.data[3 * i];
    *w = img.w;
    *h = img.h;
    bd_image_free(&img);
    return g;
}

static size_t differ(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += a[i] != b[i];
    return d;
}

int main(void)
{
    const char *shared = getenv("SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    char in[600], ref[600], out[300], out2[300];
    snprintf(in, sizeof in, "%s/golden/_inputs/%s.resized.png", shared, STEM);
    snprintf(ref, sizeof ref, "%s/golden_int8/dm05_quant_u8_os16/%s/labels_resized.png", shared, STEM);
    if (!exists(in) || !exists(ref) || !exists(WEIGHTS)) {
        printf("skipped: test_cli_precision: needs %s, %s and %s (make weights, set SHARED)\n",
               in, ref, WEIGHTS);
        printf("test_cli_precision: 0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    char dir[] = "/tmp/test_cli_precision_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(out, sizeof out, "%s/labels.png", dir);
    snprintf(out2, sizeof out2, "%s/blur.png", dir);

    int rw, rh, lw = 0, lh = 0;
    uint8_t *want = gray(ref, &rw, &rh);

    /* the command line */
    char *argv1[] = {"labels", in, "-o", out, "--model", WEIGHTS, "--precision", "int8", NULL};
    CHECK(cli_labels(8, argv1) == 0, "labels --precision int8 exits 0");
    uint8_t *got = exists(out) ? gray(out, &lw, &lh) : NULL;
    CHECK(got && want && lw == rw && lh == rh, "labels %dx%d, golden_int8 %dx%d", lw, lh, rw, rh);
    if (got && want && lw == rw && lh == rh)
        CHECK(differ(got, want, (size_t)rw * rh) == 0, "labels --precision int8: %zu of %d pixels "
              "differ from the uint8 graph's", differ(got, want, (size_t)rw * rh), rw * rh);
    free(got);
    char *argv2[] = {"blur", in, "-o", out2, "--model", WEIGHTS, "--precision", "int8", "-q", NULL};
    CHECK(cli_blur(9, argv2) == 0 && exists(out2), "blur --precision int8 writes %s", out2);

    /* the C API */
    char err[512];
    bd_model *m = bd_model_load(WEIGHTS, err, sizeof err);
    CHECK(m != NULL, "%s", err);
    bd_image img;
    CHECK(bd_image_load(in, &img, err, sizeof err) == 0, "%s", err);
    size_t arena[2] = {0, 0};
    uint8_t *labels[2] = {malloc((size_t)img.w * img.h), malloc((size_t)img.w * img.h)};
    for (int p = 0; m && p < 2; p++) {
        bd_segmenter_opts so = {.precision = p ? BD_PRECISION_F32 : BD_PRECISION_INT8};
        bd_segmenter *s = bd_segmenter_new(m, &so, err, sizeof err);
        CHECK(s != NULL, "%s", err);
        if (!s)
            continue;
        CHECK(bd_segmenter_run(s, img.data, img.w, img.h, err, sizeof err) == 0, "%s", err);
        bd_segmenter_info info;
        bd_segmenter_get_info(s, &info);
        CHECK(!strcmp(info.precision, p ? "f32" : "int8"), "info says %s", info.precision);
        arena[p] = info.arena_bytes;
        CHECK(bd_segmenter_labels(s, labels[p], err, sizeof err) == 0, "%s", err);
        int person = 15, cat = 8;
        float *mask = malloc(sizeof(float) * img.w * img.h);
        CHECK(bd_segmenter_mask(s, &cat, 1, mask, NULL, err, sizeof err) == 0, "%s", err);
        size_t bad = 0;
        double sum = 0;
        for (size_t i = 0; i < (size_t)img.w * img.h; i++) {
            bad += !(mask[i] >= 0.0f && mask[i] <= 1.0f);
            sum += mask[i];
        }
        CHECK(bad == 0 && sum > 0.3 * img.w * img.h, "%s mask: %zu values outside 0..1, mean %.3f "
              "(a cat photo)", info.precision, bad, sum / ((double)img.w * img.h));
        (void)person;
        free(mask);
        bd_segmenter_free(s);
    }
    if (want && labels[0] && (size_t)rw * rh == (size_t)img.w * img.h)
        CHECK(differ(labels[0], want, (size_t)rw * rh) == 0, "API int8 labels differ from the "
              "uint8 graph's on %zu pixels", differ(labels[0], want, (size_t)rw * rh));
    if (labels[0] && labels[1]) {
        size_t d = differ(labels[0], labels[1], (size_t)img.w * img.h);
        CHECK(d < (size_t)img.w * img.h / 20, "int8 and f32 labels differ on %zu pixels", d);
    }
    CHECK(arena[0] && arena[1] && arena[0] * 2 < arena[1], "int8 arena %zu bytes vs f32 %zu",
          arena[0], arena[1]);
    /* the default: int8 for a file that has it, f32 for a float-only one */
    const char *files[2] = {WEIGHTS, FLOAT_WEIGHTS};
    for (int f = 0; f < 2; f++) {
        bd_model *fm = f ? (exists(FLOAT_WEIGHTS) ? bd_model_load(FLOAT_WEIGHTS, err, sizeof err) : NULL) : m;
        if (f && !fm) {
            CHECK(!exists(FLOAT_WEIGHTS), "%s", err);
            SKIP("test_cli_precision: the float-only default: %s missing (make weights)", FLOAT_WEIGHTS);
            continue;
        }
        if (!fm)
            continue;
        bd_segmenter *s = bd_segmenter_new(fm, NULL, err, sizeof err);
        CHECK(s != NULL, "%s", err);
        if (s) {
            bd_segmenter_info info;
            bd_segmenter_get_info(s, &info);
            CHECK(!strcmp(info.precision, f ? "f32" : "int8"), "%s: the default precision is %s",
                  files[f], info.precision);
            bd_segmenter_free(s);
        }
        if (f)
            bd_model_free(fm);
    }
    printf("test_cli_precision: arena int8 %.1f MB, f32 %.1f MB\n", arena[0] / 1048576.0,
           arena[1] / 1048576.0);
    free(labels[0]);
    free(labels[1]);
    bd_image_free(&img);
    bd_model_free(m);
    free(want);
    unlink(out);
    unlink(out2);
    rmdir(dir);
    return check_done("test_cli_precision");
}
