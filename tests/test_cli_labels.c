/* test_cli_labels.c — `backdrop labels` / `backdrop segment` as a user runs it ($BIN):
 *   - usage errors exit 2, bad input exits 1 with one line naming the file, and leave no
 *     output (or temp file) behind; images claiming more than 100 megapixels or more than
 *     30000 pixels a side are refused before decoding;
 *   - with the dm05 frozen-graph weights (exported at OS 8), the labels of the lossless
 *     golden images match golden labels.png, the default output stride is the model's,
 *     --palette colours match the class ids, and a JPEG runs (agreement printed: stb's JPEG
 *     decoder differs slightly from the golden's).
 * Needs $BIN (the CLI) and $SHARED; weights from weights/ or $BACKDROP_WEIGHTS_DIR.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io/image_io.h"
#include "engine/postprocess.h"

static const char *bin, *shared;
static char tmpdir[256], errfile[512];

/* Runs "$BIN args" with stdout+stderr into errfile; returns the exit code. */
static int run(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>&1", bin, args, errfile);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int output_contains(const char *needle)
{
    FILE *f = fopen(errfile, "r");
    char buf[8192] = {0};
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

static int output_lines(void)
{
    FILE *f = fopen(errfile, "r");
    int lines = 0, c;
    while (f && (c = fgetc(f)) != EOF)
        lines += c == '\n';
    if (f)
        fclose(f);
    return lines;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int leftovers(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static void usage_and_errors(const char *model)
{
    char args[4096], out[512], in[512];
    snprintf(out, sizeof out, "%s/out.png", tmpdir);

    CHECK(run("labels --help") == 0 && output_contains("example:"), "labels --help");
    CHECK(run("segment --help") == 0 && output_contains("usage: backdrop labels"),
          "segment --help");
    CHECK(run("labels") == 2, "no arguments: want exit 2");
    snprintf(args, sizeof args, "labels x.png -o %s --os 4", out);
    CHECK(run(args) == 2 && output_contains("--os"), "--os 4: want exit 2 naming --os");
    snprintf(args, sizeof args, "labels x.png -o %s --threads 0", out);
    CHECK(run(args) == 2, "--threads 0: want exit 2");
    snprintf(args, sizeof args, "labels x.png -o %s --input-size 12x", out);
    CHECK(run(args) == 2, "--input-size 12x: want exit 2");
    snprintf(args, sizeof args, "labels x.png -o %s --frobnicate", out);
    CHECK(run(args) == 2 && output_contains("--frobnicate"), "unknown option: want exit 2");
    snprintf(args, sizeof args, "labels x.png y.png -o %s", out);
    CHECK(run(args) == 2, "two inputs: want exit 2");
    CHECK(run("labels x.png -o labels.jpg") == 2 && output_contains("lossless"),
          "JPEG labels output: want exit 2");
    CHECK(run("labels x.png") == 2, "no -o: want exit 2");

    /* bad input: exit 1, one line naming the file, no output file */
    snprintf(in, sizeof in, "%s/missing.png", tmpdir);
    snprintf(args, sizeof args, "labels %s -o %s --model %s", in, out, model);
    CHECK(run(args) == 1 && output_contains(in) && output_lines() == 1,
          "missing input: want exit 1 and one line naming it");
    snprintf(in, sizeof in, "%s/text.png", tmpdir);
    write_bytes(in, "this is not an image\n", 21);
    snprintf(args, sizeof args, "labels %s -o %s --model %s", in, out, model);
    CHECK(run(args) == 1 && output_contains(in), "text file as image: want exit 1 naming it");
    /* PNG headers claiming 12000 x 9000 (108 megapixels) and 40000 x 100 pixels: refused
     * by our limits before anything is decoded */
    static const struct { uint8_t w[4], h[4]; const char *size; } big[] = {
        {{0, 0, 0x2e, 0xe0}, {0, 0, 0x23, 0x28}, "12000x9000"},
        {{0, 0, 0x9c, 0x40}, {0, 0, 0, 100}, "40000x100"}};
    for (int i = 0; i < 2; i++) {
        uint8_t png[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                           'I', 'H', 'D', 'R'};
        memcpy(png + 16, big[i].w, 4);
        memcpy(png + 20, big[i].h, 4);
        png[24] = 8;      /* bit depth */
        png[25] = 2;      /* RGB */
        snprintf(in, sizeof in, "%s/huge%d.png", tmpdir, i);
        write_bytes(in, png, sizeof png);
        snprintf(args, sizeof args, "labels %s -o %s --model %s", in, out, model);
        CHECK(run(args) == 1 && output_contains(big[i].size) && output_contains(in) &&
              output_contains("limit"), "%s PNG: want exit 1 naming the size and the limit",
              big[i].size);
    }
    /* a truncated real PNG */
    char src[1024];
    snprintf(src, sizeof src, "%s/images/cat_chelsea.png", shared);
    FILE *f = fopen(src, "rb");
    uint8_t head[3000];
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    snprintf(in, sizeof in, "%s/truncated.png", tmpdir);
    write_bytes(in, head, n);
    snprintf(args, sizeof args, "labels %s -o %s --model %s", in, out, model);
    CHECK(run(args) == 1 && output_contains(in), "truncated PNG: want exit 1 naming it");
    snprintf(args, sizeof args, "labels %s -o %s --model %s/nonexistent.bdw", src, out,
             tmpdir);
    CHECK(run(args) == 1 && output_contains("nonexistent.bdw"), "missing model: want exit 1");
    CHECK(!exists(out), "a failed run left %s behind", out);
    CHECK(leftovers() == 0, "temp files left in %s", tmpdir);
}

static uint8_t *load_gray(const char *path, int *w, int *h)
{
    bd_image img;
    char err[512];
    if (bd_image_load(path, &img, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
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

/* % of pixels of our labels file equal to the golden labels.png of model dm05_frozen_os8. */
static double agreement(const char *ours_path, const char *stem)
{
    char gpath[1024];
    snprintf(gpath, sizeof gpath, "%s/golden/dm05_frozen_os8/%s/labels.png", shared, stem);
    int w1, h1, w2, h2;
    uint8_t *a = load_gray(ours_path, &w1, &h1), *b = load_gray(gpath, &w2, &h2);
    double pct = -1;
    if (a && b && w1 == w2 && h1 == h2) {
        size_t same = 0, n = (size_t)w1 * h1;
        for (size_t i = 0; i < n; i++)
            same += a[i] == b[i];
        pct = 100.0 * same / n;
    }
    free(a);
    free(b);
    return pct;
}

static void against_golden(const char *model)
{
    char args[4096], out[512], out8[512], pal[512];
    snprintf(out, sizeof out, "%s/astronaut.png", tmpdir);
    snprintf(out8, sizeof out8, "%s/astronaut_os8.png", tmpdir);
    snprintf(pal, sizeof pal, "%s/astronaut_palette.png", tmpdir);

    /* default output stride (the model's: 8) and --os 8 give the same file */
    snprintf(args, sizeof args, "labels %s/images/person_astronaut.png -o %s --model %s --time",
             shared, out, model);
    CHECK(run(args) == 0 && output_contains("OS8"), "labels person_astronaut failed");
    snprintf(args, sizeof args, "segment %s/images/person_astronaut.png -o %s --model %s --os 8"
             " --threads 1", shared, out8, model);
    CHECK(run(args) == 0, "segment --os 8 --threads 1 failed");
    double pct = agreement(out, "person_astronaut");
    printf("  person_astronaut.png (dm05, OS8): %.3f %% of pixels equal golden labels.png\n", pct);
    CHECK(pct >= 99.9, "person_astronaut: labels agree on %.3f %% (< 99.9 %%)", pct);
    int w1, h1, w2, h2;
    uint8_t *a = load_gray(out, &w1, &h1), *b = load_gray(out8, &w2, &h2);
    CHECK(a && b && w1 == w2 && h1 == h2 && !memcmp(a, b, (size_t)w1 * h1),
          "default OS and --os 8 --threads 1 differ");

    /* --palette: RGB with the VOC colour of each label */
    snprintf(args, sizeof args, "labels %s/images/person_astronaut.png -o %s --model %s "
             "--palette", shared, pal, model);
    CHECK(run(args) == 0, "--palette failed");
    bd_image img;
    char err[512];
    if (bd_image_load(pal, &img, err, sizeof err) == 0) {
        int ok = a && img.w == w1 && img.h == h1, person = 0;
        for (size_t i = 0; ok && i < (size_t)w1 * h1; i++) {
            uint8_t rgb[3];
            bd_postprocess_voc_color(a[i], rgb);
            ok &= !memcmp(rgb, img.data + 3 * i, 3);
            person += a[i] == 15;
        }
        CHECK(ok, "palette colours do not match the labels");
        CHECK(person > 0, "no person pixels in the astronaut photo");
        bd_image_free(&img);
    } else {
        CHECK(0, "%s", err);
    }
    free(a);
    free(b);

    /* the other lossless originals, and one JPEG (decoder differences allowed) */
    static const char *pngs[] = {"cat_chelsea", "small_rose_70x46"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "labels %s/images/%s.png -o %s --model %s", shared, pngs[i],
                 out, model);
        CHECK(run(args) == 0, "labels %s failed", pngs[i]);
        pct = agreement(out, pngs[i]);
        printf("  %s.png (dm05, OS8): %.3f %% equal golden\n", pngs[i], pct);
        CHECK(pct >= 99.9, "%s: labels agree on %.3f %%", pngs[i], pct);
    }
    snprintf(args, sizeof args, "labels %s/images/gray_person_chessboard.jpg -o %s --model %s",
             shared, out, model);
    CHECK(run(args) == 0, "labels on a grayscale JPEG failed");
    pct = agreement(out, "gray_person_chessboard");
    printf("  gray_person_chessboard.jpg (dm05, OS8, stb JPEG decode): %.3f %% equal golden\n",
           pct);
    CHECK(pct >= 97.0, "grayscale JPEG: labels agree on only %.3f %%", pct);
    CHECK(leftovers() == 0, "temp files left in %s", tmpdir);
}

int main(void)
{
    bin = getenv("BIN");
    shared = getenv("SHARED");
    if (!bin || !*bin)
        bin = "./backdrop";
    if (!shared || !*shared)
        shared = "../shared";
    if (access(bin, X_OK) != 0) {
        printf("test_cli_labels: %s not built (set BIN)\n", bin);
        CHECK(0, "no CLI binary at %s", bin);
        return check_done("test_cli_labels");
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/backdrop_cli_labels_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        CHECK(0, "mkdtemp failed");
        return check_done("test_cli_labels");
    }
    snprintf(errfile, sizeof errfile, "%s/output.txt", tmpdir);
    const char *wdir = getenv("BACKDROP_WEIGHTS_DIR");
    char model[1024];
    snprintf(model, sizeof model, "%s/deeplabv3_mnv2_dm05_pascal.bdw",
             wdir && *wdir ? wdir : "weights");

    usage_and_errors(model);
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/golden/dm05_frozen_os8", shared);
    if (!exists(model))
        SKIP("test_cli_labels: golden comparison: %s not built (run make weights)", model);
    else if (!exists(probe))
        SKIP("test_cli_labels: golden comparison: %s not found (set SHARED)", probe);
    else
        against_golden(model);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0, "cannot remove %s", tmpdir);
    return check_done("test_cli_labels");
}
