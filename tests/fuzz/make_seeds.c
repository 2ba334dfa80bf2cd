/* make_seeds.c — builds the fuzzers' seed corpora (into a gitignored directory, at fuzz time):
 *   OUT/weights/  tiny valid synthetic models (tests/synth_model.h) and the first bytes of
 *                 each converted weights file given (header, metadata and directory of a
 *                 real model: the fuzz target repairs size and checksums)
 *   OUT/image/    each photo given, shrunk to at most 32 pixels a side and saved as PNG,
 *                 JPEG, BMP and TGA, in RGB, grey, grey + alpha and RGBA; and a tiny GIF,
 *                 PPM, PGM and Radiance HDR (stb has decoders for them, which image_io.c
 *                 leaves out: they must be refused cleanly)
 * usage: make_seeds OUT [--weights FILE.bdw ...] [--images PHOTO ...] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/image_io.h"
#include "engine/preprocess.h"
#include "synth_model.h"

#define SEED_SIDE 32
#define WEIGHTS_HEAD 6144           /* bytes kept of a real weights file */

static int made;

static void put(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (synth_write_bytes(path, b, n) == 0)
        made++;
    else
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
}

static void synth_seeds(const char *dir)
{
    synth_spec s;
    for (int v = 0; v < 3; v++) {
        synth_spec_tiny(&s);
        s.seed = (uint32_t)v + 1;
        if (v == 1)
            s.output_stride = 8, s.num_classes = 2, s.class_names = "background,person";
        if (v == 2)
            s.input_size = 65;
        size_t n;
        uint8_t *b = synth_model_bytes(&s, &n);
        if (!b)
            continue;
        char name[64];
        snprintf(name, sizeof name, "synth%d.bdw", v);
        put(dir, name, b, n);
        free(b);
    }
}

static void weights_head(const char *dir, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "make_seeds: %s: %s (skipped)\n", path, strerror(errno));
        return;
    }
    uint8_t *b = malloc(WEIGHTS_HEAD);
    size_t n = b ? fread(b, 1, WEIGHTS_HEAD, f) : 0;
    fclose(f);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char name[256];
    snprintf(name, sizeof name, "head_%s", base);
    if (n)
        put(dir, name, b, n);
    free(b);
}

static void image_seeds(const char *dir, const char *path)
{
    bd_image img;
    char err[512];
    if (bd_image_load(path, &img, err, sizeof err) != 0) {
        fprintf(stderr, "make_seeds: %s (skipped)\n", err);
        return;
    }
    int tw, th;
    bd_preprocess_target_size(img.w, img.h, SEED_SIDE, &tw, &th);
    uint8_t *rgb = malloc((size_t)tw * th * 3), *any = malloc((size_t)tw * th * 4);
    if (!rgb || !any || bd_preprocess_resize_area(img.data, img.w, img.h, 3, rgb, tw, th) != 0)
        goto out;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    static const char *const ext[] = {"png", "jpg", "bmp", "tga"};
    for (int c = 1; c <= 4; c++) {
        for (int p = 0; p < tw * th; p++)        /* grey = green, alpha = a ramp */
            for (int k = 0; k < c; k++)
                any[p * c + k] = c >= 3 && k < 3 ? rgb[p * 3 + k]
                                 : (k == 0 ? rgb[p * 3 + 1] : (uint8_t)(p * 7));
        for (int e = 0; e < 4; e++) {
            if (c != 3 && e > 0 && e != 3)
                continue;                         /* JPEG/BMP: RGB only */
            char out[1024];
            int n = snprintf(out, sizeof out, "%s/%.*s_c%d.%s", dir,
                             (int)(strrchr(base, '.') ? strrchr(base, '.') - base
                                                      : (long)strlen(base)),
                             base, c, ext[e]);
            if (n < 0 || (size_t)n >= sizeof out)
                continue;
            if (bd_image_save(out, any, tw, th, c, err, sizeof err) == 0)
                made++;
            else
                fprintf(stderr, "make_seeds: %s\n", err);
        }
    }
out:
    free(rgb);
    free(any);
    bd_image_free(&img);
}

/* The formats stb could decode but image_io.c leaves out, a tiny one of each. */
static void format_seeds(const char *dir)
{
    static const uint8_t gif[] = {                   /* 1x1 GIF89a, one colour */
        'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0,
        0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b};
    static const char ppm[] = "P6\n3 2\n255\n\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20\21\22";
    static const char pgm[] = "P5 2 2 255 \x10\x80\xc0\xff";
    static const char hdr[] = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 2\n"
                              "\x80\x40\x20\x81\x10\x20\x40\x80";
    put(dir, "tiny.gif", gif, sizeof gif);
    put(dir, "tiny.ppm", (const uint8_t *)ppm, sizeof ppm - 1);
    put(dir, "tiny.pgm", (const uint8_t *)pgm, sizeof pgm - 1);
    put(dir, "tiny.hdr", (const uint8_t *)hdr, sizeof hdr - 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_seeds OUT [--weights FILE ...] [--images FILE ...]\n");
        return 2;
    }
    char wdir[1024], idir[1024];
    snprintf(wdir, sizeof wdir, "%s/weights", argv[1]);
    snprintf(idir, sizeof idir, "%s/image", argv[1]);
    mkdir(argv[1], 0777);
    mkdir(wdir, 0777);
    mkdir(idir, 0777);
    synth_seeds(wdir);
    format_seeds(idir);
    int mode = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--weights"))
            mode = 1;
        else if (!strcmp(argv[i], "--images"))
            mode = 2;
        else if (mode == 1)
            weights_head(wdir, argv[i]);
        else if (mode == 2)
            image_seeds(idir, argv[i]);
    }
    printf("make_seeds: %d seed files in %s\n", made, argv[1]);
    return 0;
}
