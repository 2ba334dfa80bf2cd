/* test_exif.c — EXIF orientation (src/io/exif.c) and upright decoding (io/image_io.c).
 *
 * The files are made here: a 32x16 picture of eight 8x8 blocks, each its own flat colour,
 * is written as a JPEG (quality 100) by our encoder, and an APP1 Exif segment with
 * Orientation = 1..8 (little- and big-endian TIFF) is spliced in after SOI. Decoded, each
 * must come out as the stored picture turned the way the tag says: the right size (16x32
 * for 5..8) and every block's centre pixel the colour that belongs there (within a JPEG
 * tolerance of 12; the colours are at least 80 apart). BD_LOAD_NO_ORIENT keeps the stored
 * pixels. Then malformed APP1 segments (cut short, IFD outside, huge counts, wrong type,
 * value 0 or 9, no Exif header, after SOS) must give orientation 1 without reading out of
 * bounds (run under valgrind / ASan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io/exif.h"
#include "io/image_io.h"

enum { SW = 32, SH = 16, B = 8 };

static const uint8_t colours[8][3] = {
    {240, 16, 16}, {16, 240, 16}, {16, 16, 240}, {240, 240, 16},
    {16, 240, 240}, {240, 16, 240}, {128, 128, 128}, {240, 240, 240},
};

/* Block (bx, by) of the stored 4x2 grid. */
static const uint8_t *block_colour(int bx, int by) { return colours[by * 4 + bx]; }

/* Where the upright image's pixel (x, y) comes from in the stored one (the EXIF table). */
static void source_of(int o, int x, int y, int *sx, int *sy)
{
    switch (o) {
    case 1: *sx = x; *sy = y; break;
    case 2: *sx = SW - 1 - x; *sy = y; break;
    case 3: *sx = SW - 1 - x; *sy = SH - 1 - y; break;
    case 4: *sx = x; *sy = SH - 1 - y; break;
    case 5: *sx = y; *sy = x; break;
    case 6: *sx = y; *sy = SH - 1 - x; break;
    case 7: *sx = SW - 1 - y; *sy = SH - 1 - x; break;
    default: *sx = SW - 1 - y; *sy = x; break;
    }
}

static size_t put16(uint8_t *p, unsigned v, int big)
{
    p[big ? 0 : 1] = (uint8_t)(v >> 8);
    p[big ? 1 : 0] = (uint8_t)v;
    return 2;
}

static size_t put32(uint8_t *p, uint32_t v, int big)
{
    put16(p + (big ? 0 : 2), v >> 16, big);
    put16(p + (big ? 2 : 0), v & 0xFFFF, big);
    return 4;
}

/* An APP1 segment (FF E1 ...) with IFD0 holding an unrelated tag then Orientation. */
static size_t make_app1(uint8_t *s, int orientation, int big)
{
    uint8_t *p = s + 4;
    memcpy(p, "Exif\0\0", 6);
    uint8_t *t = p + 6;
    t[0] = t[1] = big ? 'M' : 'I';
    put16(t + 2, 42, big);
    put32(t + 4, 8, big);
    put16(t + 8, 2, big);                           /* two entries */
    uint8_t *e = t + 10;
    put16(e, 0x010F, big); put16(e + 2, 2, big); put32(e + 4, 4, big); memcpy(e + 8, "Cam", 4);
    e += 12;
    put16(e, 0x0112, big); put16(e + 2, 3, big); put32(e + 4, 1, big);
    put16(e + 8, (unsigned)orientation, big); put16(e + 10, 0, big);
    put32(e + 12, 0, big);                          /* no next IFD */
    const size_t n = (size_t)(e + 16 - s);
    s[0] = 0xFF; s[1] = 0xE1;
    s[2] = (uint8_t)((n - 2) >> 8); s[3] = (uint8_t)(n - 2);
    return n;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *b = malloc(1 << 20);
    *n = b ? fread(b, 1, 1 << 20, f) : 0;
    fclose(f);
    return b;
}

static int near(const uint8_t *a, const uint8_t *b)
{
    for (int k = 0; k < 3; k++)
        if (abs(a[k] - b[k]) > 12) return 0;
    return 1;
}

static void check_upright(const bd_image *img, int o, const char *what)
{
    const int W = o >= 5 ? SH : SW, H = o >= 5 ? SW : SH;
    CHECK(img->w == W && img->h == H, "%s: %dx%d, expected %dx%d", what, img->w, img->h, W, H);
    if (img->w != W || img->h != H) return;
    int bad = 0;
    for (int y = B / 2; y < H; y += B)           /* each block's centre */
        for (int x = B / 2; x < W; x += B) {
            int sx, sy;
            source_of(o, x, y, &sx, &sy);
            const uint8_t *want = block_colour(sx / B, sy / B);
            const uint8_t *have = img->data + ((size_t)y * W + x) * 3;
            if (!near(have, want)) {
                if (!bad++)
                    fprintf(stderr, "%s: pixel (%d,%d) is %d,%d,%d, expected %d,%d,%d\n", what,
                            x, y, have[0], have[1], have[2], want[0], want[1], want[2]);
            }
        }
    CHECK(bad == 0, "%s: %d blocks in the wrong place", what, bad);
}

static void test_files(void)
{
    uint8_t *pix = malloc(SW * SH * 3);
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            memcpy(pix + (y * SW + x) * 3, block_colour(x / B, y / B), 3);
    char path[] = "/tmp/test_exif_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0) return;
    close(fd);
    char jpg[64];
    snprintf(jpg, sizeof jpg, "%s.jpg", path);
    char err[512];
    int rc = bd_image_save_quality(jpg, pix, SW, SH, 3, 100, err, sizeof err);
    CHECK(rc == 0, "writing the JPEG: %s", err);
    size_t n = 0;
    uint8_t *base = rc == 0 ? read_all(jpg, &n) : NULL;
    unlink(jpg);
    unlink(path);
    free(pix);
    CHECK(base && n > 100 && base[0] == 0xFF && base[1] == 0xD8, "reading the JPEG back");
    if (!base) return;
    CHECK(bd_exif_orientation(base, n) == 1, "no APP1: orientation 1");
    uint8_t *file = malloc(n + 256);
    for (int big = 0; big <= 1; big++)
        for (int o = 1; o <= 8; o++) {
            char what[64];
            snprintf(what, sizeof what, "orientation %d (%s)", o, big ? "MM" : "II");
            memcpy(file, base, 2);                   /* SOI, our APP1, the rest */
            size_t a = make_app1(file + 2, o, big);
            memcpy(file + 2 + a, base + 2, n - 2);
            const size_t len = n + a;
            CHECK(bd_exif_orientation(file, len) == o, "%s: read as %d", what,
                  bd_exif_orientation(file, len));
            bd_image img;
            rc = bd_image_load_memory(file, len, what, &img, err, sizeof err);
            CHECK(rc == 0, "%s: %s", what, err);
            if (rc == 0) check_upright(&img, o, what);
            bd_image_free(&img);
            rc = bd_image_load_memory_flags(file, len, what, BD_LOAD_NO_ORIENT, &img, err,
                                            sizeof err);
            CHECK(rc == 0, "%s, kept as stored: %s", what, err);
            if (rc == 0) check_upright(&img, 1, what);
            bd_image_free(&img);
        }
    free(file);
    free(base);
}

/* A JPEG head (SOI + the given APP1 bytes + SOS) for the parser alone. */
static int orientation_of(const uint8_t *app1, size_t n)
{
    uint8_t *b = malloc(n + 6);                      /* exact size: valgrind sees overreads */
    b[0] = 0xFF; b[1] = 0xD8;
    memcpy(b + 2, app1, n);
    b[n + 2] = 0xFF; b[n + 3] = 0xDA; b[n + 4] = 0; b[n + 5] = 2;
    int o = bd_exif_orientation(b, n + 6);
    free(b);
    return o;
}

static void test_malformed(void)
{
    uint8_t good[128];
    const size_t n = make_app1(good, 6, 0);
    CHECK(orientation_of(good, n) == 6, "the well-formed segment reads 6");
    for (size_t cut = 0; cut < n; cut++) {           /* the segment cut anywhere */
        uint8_t *b = malloc(cut + 2);
        b[0] = 0xFF; b[1] = 0xD8;
        memcpy(b + 2, good, cut);
        int o = bd_exif_orientation(b, cut + 2);
        CHECK(o == 1, "segment cut after %zu bytes: %d", cut, o);
        free(b);
    }
    uint8_t m[128];
    struct { size_t at; uint8_t v; const char *what; } bad[] = {
        {10, 'X', "neither II nor MM"},
        {12, 43, "TIFF magic 43"},
        {14, 200, "IFD0 past the segment"},
        {18, 0xFF, "an entry count past the segment"},
        {34, 4, "Orientation of type LONG"},
        {36, 2, "Orientation with count 2"},
        {40, 0, "Orientation 0"},
        {40, 9, "Orientation 9"},
        {4, 'e', "no Exif header"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(m, good, n);
        m[bad[i].at] = bad[i].v;
        CHECK(orientation_of(m, n) == 1, "%s: %d", bad[i].what, orientation_of(m, n));
    }
    memcpy(m, good, n);                              /* a segment length past the file */
    m[2] = 0x7F;
    CHECK(orientation_of(m, n) == 1, "segment length past the file");
    uint8_t after[140] = {0xFF, 0xDA, 0, 2};         /* APP1 after SOS: not looked at */
    memcpy(after + 4, good, n);
    CHECK(orientation_of(after, n + 4) == 1, "APP1 after the image data");
    CHECK(bd_exif_orientation((const uint8_t *)"\xFF\xD8", 2) == 1, "SOI only");
    CHECK(bd_exif_orientation((const uint8_t *)"GIF89a", 6) == 1, "not a JPEG");
}

/* bd_exif_apply on a 3x2 image whose pixel value is its index: the table itself. */
static void test_apply(void)
{
    static const uint8_t want[9][6] = {
        {0}, {0, 1, 2, 3, 4, 5}, {2, 1, 0, 5, 4, 3}, {5, 4, 3, 2, 1, 0}, {3, 4, 5, 0, 1, 2},
        {0, 3, 1, 4, 2, 5}, {3, 0, 4, 1, 5, 2}, {5, 2, 4, 1, 3, 0}, {2, 5, 1, 4, 0, 3},
    };
    for (int o = 1; o <= 8; o++) {
        uint8_t *p = malloc(6);
        for (int i = 0; i < 6; i++) p[i] = (uint8_t)i;
        int w = 3, h = 2;
        CHECK(bd_exif_apply(&p, &w, &h, 1, o) == 0, "apply %d", o);
        CHECK(w == (o >= 5 ? 2 : 3) && h == (o >= 5 ? 3 : 2), "apply %d: %dx%d", o, w, h);
        CHECK(!memcmp(p, want[o], 6), "apply %d: %d %d %d %d %d %d", o, p[0], p[1], p[2], p[3],
              p[4], p[5]);
        free(p);
    }
}

int main(void)
{
    test_apply();
    test_malformed();
    test_files();
    return check_done("test_exif");
}
