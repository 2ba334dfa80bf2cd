/* test_preprocess.c — the image -> network input path against the golden reference:
 *   - the area resize reproduces golden/_inputs/<stem>.resized.png byte for byte from the
 *     PNG originals in $SHARED/images (lossless, so decoding cannot differ);
 *   - for the JPEG originals, prints how far stb's decode + our resize is from the golden
 *     (which decoded with OpenCV/libjpeg): max abs difference and % of bytes differing;
 *   - the target-size rule (all golden images, 225x25 -> 513x56, tiny and odd sizes);
 *   - the resize against a brute-force evaluation of its definition on odd shapes, and on
 *     hand-computed cases (round half up, exact replication, identity);
 *   - normalisation float32(v) * scale + offset and padding with exactly +0.0f.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "io/image_io.h"
#include "engine/preprocess.h"

/* The resize by its definition: S = sum_y sum_x wy[j][y] wx[k][x] P[y][x], rounded half up. */
static uint8_t *brute_resize(const uint8_t *src, int w, int h, int c, int tw, int th)
{
    uint8_t *out = malloc((size_t)tw * th * c);
    for (int j = 0; j < th; j++)
        for (int k = 0; k < tw; k++)
            for (int ch = 0; ch < c; ch++) {
                unsigned long long s = 0;
                for (int y = 0; y < h; y++) {
                    long long wy = (long long)fmin((j + 1.0) * h, (y + 1.0) * th) -
                                   (long long)fmax((double)j * h, (double)y * th);
                    if (wy <= 0)
                        continue;
                    for (int x = 0; x < w; x++) {
                        long long wx = (long long)fmin((k + 1.0) * w, (x + 1.0) * tw) -
                                       (long long)fmax((double)k * w, (double)x * tw);
                        if (wx > 0)
                            s += (unsigned long long)(wy * wx) * src[((size_t)y * w + x) * c + ch];
                    }
                }
                unsigned long long d = (unsigned long long)w * h;
                out[((size_t)j * tw + k) * c + ch] = (uint8_t)((2 * s + d) / (2 * d));
            }
    return out;
}

static void check_against_brute(int w, int h, int c, int tw, int th, unsigned seed)
{
    uint8_t *src = malloc((size_t)w * h * c), *ours = malloc((size_t)tw * th * c);
    for (size_t i = 0; i < (size_t)w * h * c; i++) {
        seed = seed * 1103515245u + 12345u;
        src[i] = (uint8_t)(seed >> 16);
    }
    CHECK(bd_preprocess_resize_area(src, w, h, c, ours, tw, th) == 0, "resize failed");
    uint8_t *ref = brute_resize(src, w, h, c, tw, th);
    size_t bad = 0;
    for (size_t i = 0; i < (size_t)tw * th * c; i++)
        bad += ours[i] != ref[i];
    CHECK(bad == 0, "resize %dx%dx%d -> %dx%d: %zu bytes differ from the definition", w, h, c,
          tw, th, bad);
    free(src);
    free(ours);
    free(ref);
}

static void hand_cases(void)
{
    /* 2x2 -> 1x1 is the mean rounded half up: 3/4 -> 1, 1/4 -> 0, 2/4 -> 1, 510/4 -> 128 */
    const uint8_t a[4] = {0, 1, 1, 1}, b[4] = {0, 0, 0, 1}, c[4] = {0, 0, 1, 1},
                  d[4] = {127, 128, 127, 128};
    uint8_t o;
    bd_preprocess_resize_area(a, 2, 2, 1, &o, 1, 1);
    CHECK(o == 1, "mean 0.75 -> %d, want 1", o);
    bd_preprocess_resize_area(b, 2, 2, 1, &o, 1, 1);
    CHECK(o == 0, "mean 0.25 -> %d, want 0", o);
    bd_preprocess_resize_area(c, 2, 2, 1, &o, 1, 1);
    CHECK(o == 1, "mean 0.5 -> %d, want 1 (half up)", o);
    bd_preprocess_resize_area(d, 2, 2, 1, &o, 1, 1);
    CHECK(o == 128, "mean 127.5 -> %d, want 128 (half up)", o);

    /* 3 pixels -> 2: output 0 covers input 0 fully and half of input 1 (weights 2, 1). */
    const uint8_t e[3] = {0, 30, 90};
    uint8_t o2[2];
    bd_preprocess_resize_area(e, 3, 1, 1, o2, 2, 1);
    CHECK(o2[0] == 10 && o2[1] == 70, "3 -> 2 gives %d %d, want 10 70", o2[0], o2[1]);

    /* integer upscale replicates; same size is the identity */
    uint8_t src[6 * 5 * 3], up[18 * 10 * 3], same[6 * 5 * 3];
    for (int i = 0; i < 6 * 5 * 3; i++)
        src[i] = (uint8_t)(i * 37 + 11);
    bd_preprocess_resize_area(src, 6, 5, 3, up, 18, 10);
    int ok = 1;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 18; x++)
            for (int ch = 0; ch < 3; ch++)
                ok &= up[(y * 18 + x) * 3 + ch] == src[((y / 2) * 6 + x / 3) * 3 + ch];
    CHECK(ok, "3x / 2x upscale is not pixel replication");
    bd_preprocess_resize_area(src, 6, 5, 3, same, 6, 5);
    CHECK(!memcmp(src, same, sizeof src), "same-size resize is not the identity");

    /* a constant image stays constant at any size */
    uint8_t flat[17 * 9 * 3], out[33 * 64 * 3];
    memset(flat, 201, sizeof flat);
    bd_preprocess_resize_area(flat, 17, 9, 3, out, 33, 64);
    ok = 1;
    for (size_t i = 0; i < sizeof out; i++)
        ok &= out[i] == 201;
    CHECK(ok, "constant 17x9 image is not constant after resizing to 33x64");
}

static void target_sizes(const char *shared)
{
    int tw, th;
    bd_preprocess_target_size(225, 25, 513, &tw, &th);
    CHECK(tw == 513 && th == 56, "225x25 -> %dx%d, want 513x56 (double arithmetic)", tw, th);
    bd_preprocess_target_size(25, 225, 513, &tw, &th);
    CHECK(tw == 56 && th == 513, "25x225 -> %dx%d, want 56x513", tw, th);
    bd_preprocess_target_size(17, 9, 513, &tw, &th);
    CHECK(tw == 513 && th == 271, "17x9 -> %dx%d, want 513x271", tw, th);
    bd_preprocess_target_size(513, 513, 513, &tw, &th);
    CHECK(tw == 513 && th == 513, "513x513 -> %dx%d", tw, th);
    bd_preprocess_target_size(4000, 3000, 513, &tw, &th);
    CHECK(tw == 513 && th == 384, "4000x3000 -> %dx%d, want 513x384", tw, th);
    bd_preprocess_target_size(3000, 1, 513, &tw, &th);
    CHECK(tw == 513 && th == 1, "3000x1 -> %dx%d, want 513x1 (never 0)", tw, th);
    bd_preprocess_target_size(640, 480, 257, &tw, &th);
    CHECK(tw == 257 && th == 192, "640x480 at 257 -> %dx%d, want 257x192", tw, th);

    /* every golden image: orig_hw -> resized_hw from its meta.json */
    static const char *stems[] = {
        "bg_dune_grass_sea", "bg_landscape_china", "car_rear_motionblur", "cat_chelsea",
        "dog_bicycle_truck_porch", "dog_closeup_rgba", "gray_person_chessboard", "horses_field",
        "motorbike_garage", "people_beach_kites_large", "person_astronaut",
        "person_dog_horse_field", "person_grace_hopper", "small_rose_70x46"};
    for (size_t i = 0; i < sizeof stems / sizeof *stems; i++) {
        char path[1024], buf[8192];
        snprintf(path, sizeof path, "%s/golden/dm05_frozen_os8/%s/meta.json", shared, stems[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        int oh, ow, rh, rw;
        const char *p = strstr(buf, "\"orig_hw\""), *q = strstr(buf, "\"resized_hw\"");
        if (!p || !q || sscanf(p, "\"orig_hw\" : [ %d , %d", &oh, &ow) != 2 ||
            sscanf(q, "\"resized_hw\" : [ %d , %d", &rh, &rw) != 2) {
            CHECK(0, "%s: no orig_hw / resized_hw", path);
            continue;
        }
        bd_preprocess_target_size(ow, oh, 513, &tw, &th);
        CHECK(tw == rw && th == rh, "%s: %dx%d -> %dx%d, golden %dx%d", stems[i], ow, oh, tw,
              th, rw, rh);
    }
}

static void golden_resizes(const char *shared)
{
    static const struct { const char *stem, *ext; } imgs[] = {
        {"cat_chelsea", "png"}, {"dog_closeup_rgba", "png"}, {"motorbike_garage", "png"},
        {"person_astronaut", "png"}, {"small_rose_70x46", "png"},
        {"bg_dune_grass_sea", "jpg"}, {"bg_landscape_china", "jpg"},
        {"car_rear_motionblur", "jpg"}, {"dog_bicycle_truck_porch", "jpg"},
        {"gray_person_chessboard", "jpg"}, {"horses_field", "jpg"},
        {"people_beach_kites_large", "jpg"}, {"person_dog_horse_field", "jpg"},
        {"person_grace_hopper", "jpg"}};
    for (size_t i = 0; i < sizeof imgs / sizeof *imgs; i++) {
        char path[1024], gpath[1024], err[512];
        snprintf(path, sizeof path, "%s/images/%s.%s", shared, imgs[i].stem, imgs[i].ext);
        snprintf(gpath, sizeof gpath, "%s/golden/_inputs/%s.resized.png", shared, imgs[i].stem);
        bd_image img, gold;
        if (bd_image_load(path, &img, err, sizeof err)) {
            CHECK(0, "%s", err);
            continue;
        }
        if (bd_image_load(gpath, &gold, err, sizeof err)) {
            CHECK(0, "%s", err);
            bd_image_free(&img);
            continue;
        }
        int tw, th;
        bd_preprocess_target_size(img.w, img.h, 513, &tw, &th);
        CHECK(tw == gold.w && th == gold.h, "%s: target %dx%d, golden %dx%d", imgs[i].stem, tw,
              th, gold.w, gold.h);
        if (tw == gold.w && th == gold.h) {
            size_t n = (size_t)tw * th * 3, differ = 0;
            int maxd = 0;
            uint8_t *ours = malloc(n);
            CHECK(bd_preprocess_resize_area(img.data, img.w, img.h, 3, ours, tw, th) == 0,
                  "resize failed");
            for (size_t k = 0; k < n; k++) {
                int d = abs((int)ours[k] - gold.data[k]);
                differ += d != 0;
                if (d > maxd)
                    maxd = d;
            }
            if (!strcmp(imgs[i].ext, "png")) {
                CHECK(differ == 0, "%s: %zu of %zu bytes differ from the golden resized PNG "
                      "(max %d)", imgs[i].stem, differ, n, maxd);
                printf("  %-26s png  %4dx%-4d -> %dx%d: %s\n", imgs[i].stem, img.w, img.h, tw,
                       th, differ ? "DIFFERS" : "byte for byte identical");
            } else {
                /* different JPEG decoders (stb vs libjpeg) legitimately differ a little;
                 * a gross difference would mean a wrong resize or channel order */
                double pct = 100.0 * differ / n;
                CHECK(maxd <= 8 && pct < 25.0, "%s: stb decode + resize is far from the "
                      "golden: max %d, %.1f %% of bytes", imgs[i].stem, maxd, pct);
                printf("  %-26s jpg  %4dx%-4d -> %dx%d: stb vs OpenCV decode: max abs diff %d, "
                       "%.2f %% of bytes differ\n", imgs[i].stem, img.w, img.h, tw, th, maxd,
                       pct);
            }
            free(ours);
        }
        bd_image_free(&img);
        bd_image_free(&gold);
    }
}

static void normalise_and_pad(void)
{
    const float scale = 0.007843138f;   /* float32(2/255) as in the weights metadata */
    uint8_t rgb[17 * 9 * 3];
    for (int i = 0; i < 17 * 9 * 3; i++)
        rgb[i] = (uint8_t)(i * 7);
    int fw = 21, fh = 13;
    float *frame = malloc(sizeof(float) * fw * fh * 3);
    memset(frame, 0xff, sizeof(float) * fw * fh * 3);     /* NaNs: every value is written */
    bd_preprocess_normalise_pad(rgb, 17, 9, frame, fw, fh, scale, -1.0f);
    int ok_img = 1, ok_pad = 1;
    for (int y = 0; y < fh; y++)
        for (int x = 0; x < fw; x++)
            for (int c = 0; c < 3; c++) {
                float v = frame[(y * fw + x) * 3 + c];
                if (y < 9 && x < 17) {
                    volatile float t = (float)rgb[(y * 17 + x) * 3 + c] * scale;
                    float want = t - 1.0f;
                    ok_img &= !memcmp(&v, &want, sizeof v);
                } else {
                    ok_pad &= v == 0.0f && !signbit(v);
                }
            }
    CHECK(ok_img, "normalised values are not float32(v) * float32(2/255) - 1");
    CHECK(ok_pad, "padding is not exactly +0.0f");
    CHECK(frame[0] == -1.0f, "v = 0 normalises to %g, want -1", frame[0]);
    free(frame);

    /* the whole path on a tiny image: 17x9 -> 513x271 in a 513 frame */
    float *big = malloc(sizeof(float) * 513 * 513 * 3);
    int tw, th;
    CHECK(bd_preprocess_image(rgb, 17, 9, 513, scale, -1.0f, big, &tw, &th) == 0 && tw == 513 &&
          th == 271, "bd_preprocess_image 17x9 -> %dx%d", tw, th);
    int pad_ok = 1;
    for (size_t i = (size_t)271 * 513 * 3; i < (size_t)513 * 513 * 3; i++)
        pad_ok &= big[i] == 0.0f;
    CHECK(pad_ok, "rows below the 17x9 image are not 0.0");
    free(big);
}

int main(void)
{
    const char *shared = getenv("SHARED");
    if (!shared || !*shared)
        shared = "../shared";

    hand_cases();
    check_against_brute(17, 9, 3, 33, 17, 1);     /* tiny, odd, upscale */
    check_against_brute(17, 9, 3, 5, 3, 2);       /* downscale by a non-integer factor */
    check_against_brute(31, 23, 3, 13, 29, 3);    /* down in x, up in y */
    check_against_brute(7, 11, 1, 7, 4, 4);       /* one axis unchanged, grey */
    check_against_brute(1, 1, 3, 9, 5, 5);        /* one pixel */
    check_against_brute(40, 3, 4, 1, 1, 6);       /* to one pixel, 4 channels */
    normalise_and_pad();

    char probe[1024];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/golden/_inputs", shared);
    if (stat(probe, &st) != 0) {
        SKIP("test_preprocess: the golden comparisons: %s not found (set SHARED)", probe);
    } else {
        target_sizes(shared);
        golden_resizes(shared);
    }
    return check_done("test_preprocess");
}
