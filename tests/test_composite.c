/* test_composite.c — the compositor's math on synthetic images with known mattes: the
 * Gaussian (variance, constants, cost independent of sigma), the halo-free bokeh, solid
 * colour / gray / cutout compositions (exact pixels), Otsu, the guided filter, the box
 * mean, and the cover-and-crop geometry of background replacement. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "compose/compose.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* ------------------------------------------------------------------ Gaussian ---------- */

static void test_impulse_variance(void)
{
    const float sigmas[] = {1.0f, 5.0f, 50.0f};
    for (int t = 0; t < 3; t++) {
        const int n = 501, cx = 250, cy = 250;
        float *img = calloc((size_t)n * n, sizeof(float));
        img[cy * n + cx] = 1.0f;
        CHECK(bd_gauss_blur(img, n, n, 1, sigmas[t]) == 0, "blur failed");
        double m = 0, mx = 0, my = 0, vx = 0, vy = 0, neg = 0;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                double v = img[y * n + x];
                m += v;
                mx += v * (x - cx);
                my += v * (y - cy);
                vx += v * (x - cx) * (x - cx);
                vy += v * (y - cy) * (y - cy);
                if (v < neg) neg = v;
            }
        const double s2 = (double)sigmas[t] * sigmas[t];
        CHECK(fabs(m - 1.0) < 1e-4, "sigma %g: impulse mass %.6f, want 1", sigmas[t], m);
        CHECK(fabs(mx) < 1e-3 && fabs(my) < 1e-3, "sigma %g: centroid moved (%g, %g)",
              sigmas[t], mx, my);
        CHECK(fabs(vx / s2 - 1.0) < 2e-3 && fabs(vy / s2 - 1.0) < 2e-3,
              "sigma %g: variance (%.4f, %.4f), want %.4f", sigmas[t], vx, vy, s2);
        CHECK(neg > -1e-9, "sigma %g: negative response %g", sigmas[t], neg);
        /* Gaussian-like: at one sigma the profile has fallen to exp(-1/2) = 0.61 of the peak
         * for a Gaussian, 2/3 for three boxes (a quadratic B-spline); at 3 sigma to 0.011
         * (Gaussian) or 0 (the B-spline's support ends at 3 sigma). */
        const float *row = img + cy * n;
        if (sigmas[t] >= 5.0f) {
            const double r1 = row[cx + (int)sigmas[t]] / row[cx];
            const double r3 = row[cx + 3 * (int)sigmas[t]] / row[cx];
            CHECK(r1 > 0.58 && r1 < 0.69 && r3 < 0.02,
                  "sigma %g: profile at 1 and 3 sigma %.3f %.4f, not bell-shaped", sigmas[t], r1,
                  r3);
        }
        free(img);
    }
}

static void test_constant_stays_constant(void)
{
    const float sigmas[] = {0.3f, 1.0f, 7.5f, 40.0f, 400.0f};
    const int w = 97, h = 61;
    float *img = malloc((size_t)w * h * 3 * sizeof(float));
    for (int t = 0; t < 5; t++) {
        for (int i = 0; i < w * h * 3; i++) img[i] = (float)(50 + 60 * (i % 3));
        CHECK(bd_gauss_blur_renorm(img, w, h, 3, sigmas[t]) == 0, "blur failed");
        double worst = 0;
        for (int i = 0; i < w * h * 3; i++) {
            double d = fabs(img[i] - (50 + 60 * (i % 3)));
            if (d > worst) worst = d;
        }
        CHECK(worst < 1e-3, "renormalised blur of a constant, sigma %g: off by %g", sigmas[t],
              worst);
    }
    free(img);
}

static double time_blur(float *img, int w, int h, float sigma)
{
    double t0 = now();
    bd_gauss_blur(img, w, h, 4, sigma);
    return now() - t0;
}

/* The machine may be busy with other work: alternate the two sigmas and keep the best of
 * several runs of each, and allow a wide margin (a direct convolution would be 16x slower
 * at sigma 80 than at sigma 5). */
static void test_cost_independent_of_sigma(void)
{
    const int w = 1024, h = 768;
    float *img = malloc((size_t)w * h * 4 * sizeof(float));
    for (int i = 0; i < w * h * 4; i++) img[i] = (float)(rnd() & 255);
    double t5 = 1e9, t80 = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double a = time_blur(img, w, h, 5.0f), b = time_blur(img, w, h, 80.0f);
        if (a < t5) t5 = a;
        if (b < t80) t80 = b;
    }
    printf("blur %dx%dx4: sigma 5 %.1f ns/px, sigma 80 %.1f ns/px (ratio %.2f)\n", w, h,
           t5 * 1e9 / (w * h), t80 * 1e9 / (w * h), t80 / t5);
    CHECK(t80 < 3.0 * t5, "sigma 80 took %.4f s vs %.4f s at sigma 5", t80, t5);
    free(img);
}

/* ------------------------------------------------------------------ compositions ------ */

static uint8_t *random_rgb(int w, int h)
{
    uint8_t *p = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h * 3; i++) p[i] = (uint8_t)rnd();
    return p;
}

static float *filled(int w, int h, float v)
{
    float *a = malloc((size_t)w * h * sizeof(float));
    for (int i = 0; i < w * h; i++) a[i] = v;
    return a;
}

static void test_blur_effect_identities(void)
{
    const int w = 123, h = 77;
    uint8_t *img = random_rgb(w, h), *out = malloc((size_t)w * h * 3);
    float *one = filled(w, h, 1.0f), *zero = filled(w, h, 0.0f);
    const float sigmas[] = {2.0f, 12.0f, 60.0f};
    for (int t = 0; t < 3; t++) {
        CHECK(bd_composite_blur(img, one, w, h, sigmas[t], out) == 0, "blur failed");
        CHECK(!memcmp(out, img, (size_t)w * h * 3), "alpha = 1, sigma %g: output != input",
              sigmas[t]);
    }
    /* a constant photo, all background: the blur is the constant, at any sigma */
    for (int i = 0; i < w * h * 3; i++) img[i] = (uint8_t)(30 + 100 * (i % 3));
    for (int t = 0; t < 3; t++) {
        CHECK(bd_composite_blur(img, zero, w, h, sigmas[t], out) == 0, "blur failed");
        int worst = 0;
        for (int i = 0; i < w * h * 3; i++) {
            int d = abs(out[i] - img[i]);
            if (d > worst) worst = d;
        }
        CHECK(worst <= 1, "constant image, sigma %g: off by %d", sigmas[t], worst);
    }
    free(img);
    free(out);
    free(one);
    free(zero);
}

/* The effective sigma of the bokeh, including the reduced grid: a vertical step edge
 * blurs into 255 * Phi((x - 511.5) / sigma). */
static void test_blur_effect_sigma(void)
{
    const int w = 1024, h = 64;
    uint8_t *img = malloc((size_t)w * h * 3), *out = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) memset(img + ((size_t)y * w + x) * 3, x < 512 ? 0 : 255, 3);
    float *zero = filled(w, h, 0.0f);
    const float sigmas[] = {3.0f, 20.0f, 60.0f};
    for (int t = 0; t < 3; t++) {
        bd_composite_blur(img, zero, w, h, sigmas[t], out);
        double worst = 0;
        for (int x = 300; x < 724; x++) {
            double want = 255.0 * 0.5 * erfc(-((x - 511.5) / sigmas[t]) / sqrt(2.0));
            double d = fabs(out[((size_t)(h / 2) * w + x) * 3] - want);
            if (d > worst) worst = d;
        }
        CHECK(worst <= 4.0, "step edge, sigma %g: profile off the Gaussian by %.1f levels",
              sigmas[t], worst);
    }
    free(img);
    free(out);
    free(zero);
}

/* A bright disk (the subject) on black: the masked blur keeps the background black right up
 * to the disk, a plain blur would spread a glow around it. */
static void test_no_halo(void)
{
    const int w = 256, h = 256, cx = 128, cy = 128, R = 40;
    uint8_t *img = malloc((size_t)w * h * 3), *out = malloc((size_t)w * h * 3);
    float *alpha = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const int in = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= R * R;
            memset(img + ((size_t)y * w + x) * 3, in ? 255 : 0, 3);
            alpha[y * w + x] = in ? 1.0f : 0.0f;
        }
    const float sigma = 12.0f;
    CHECK(bd_composite_blur(img, alpha, w, h, sigma, out) == 0, "blur failed");
    int leak = 0, subject_ok = 1;
    for (int i = 0; i < w * h; i++) {
        if (alpha[i] == 0.0f && out[i * 3] > leak) leak = out[i * 3];
        if (alpha[i] == 1.0f && out[i * 3] != 255) subject_ok = 0;
    }
    CHECK(leak == 0, "masked blur: background reaches %d next to the bright subject", leak);
    CHECK(subject_ok, "masked blur changed the subject");

    /* The plain blur (what a naive compositor does) for comparison. */
    float *f = malloc((size_t)w * h * sizeof(float));
    for (int i = 0; i < w * h; i++) f[i] = img[i * 3];
    bd_gauss_blur_renorm(f, w, h, 1, sigma);
    double plain_leak = 0;
    for (int x = cx + R + 3; x <= cx + R + 6; x++)
        if (f[cy * w + x] > plain_leak) plain_leak = f[cy * w + x];
    printf("no halo: masked blur leaks %d levels beside the disk, a plain blur %.0f\n", leak,
           plain_leak);
    CHECK(plain_leak > 40, "the plain blur should glow (%.1f)", plain_leak);

    /* With a feathered matte: beyond the feather width the background is still black. */
    bd_matte_opts o = bd_matte_defaults();
    o.guide = BD_GUIDE_NONE;
    o.feather = 6.0f;                      /* sigma 3 px */
    float *soft = malloc((size_t)w * h * sizeof(float));
    memcpy(soft, alpha, (size_t)w * h * sizeof(float));
    bd_matte_refine(soft, img, w, h, &o);
    bd_composite_blur(img, soft, w, h, sigma, out);
    int far_leak = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const double d = sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - R;
            if (d > 2 * o.feather && out[((size_t)y * w + x) * 3] > far_leak)
                far_leak = out[((size_t)y * w + x) * 3];
        }
    CHECK(far_leak <= 1, "feathered matte: %d levels beyond twice the feather width",
          far_leak);
    free(img);
    free(out);
    free(alpha);
    free(f);
    free(soft);
}

static void test_color_over_gray_cutout(void)
{
    const int w = 31, h = 17;
    uint8_t *img = random_rgb(w, h), *bg = random_rgb(w, h), *out = malloc((size_t)w * h * 4);
    float *alpha = malloc((size_t)w * h * sizeof(float));
    for (int i = 0; i < w * h; i++) alpha[i] = (float)(i % 3) * 0.5f;   /* 0, 0.5, 1 */
    const uint8_t color[3] = {255, 255, 255};

    bd_composite_color(img, alpha, w, h, color, out);
    int ok = 1;
    for (int i = 0; i < w * h; i++)
        for (int c = 0; c < 3; c++) {
            int want = i % 3 == 0 ? 255 : i % 3 == 2 ? img[i * 3 + c]
                                                      : (int)floor((img[i * 3 + c] + 255) / 2.0 + 0.5);
            if (out[i * 3 + c] != want) ok = 0;
        }
    CHECK(ok, "solid colour composite: alpha 0 -> colour, 1 -> photo, 0.5 -> mean");

    bd_composite_over(img, alpha, w, h, bg, out);
    ok = 1;
    for (int i = 0; i < w * h; i++)
        for (int c = 0; c < 3; c++) {
            int want = i % 3 == 0 ? bg[i * 3 + c] : i % 3 == 2 ? img[i * 3 + c]
                : (int)floor((img[i * 3 + c] + bg[i * 3 + c]) / 2.0 + 0.5);
            if (abs(out[i * 3 + c] - want) > (i % 3 == 1)) ok = 0;
        }
    CHECK(ok, "picture composite: alpha 0 -> background, 1 -> photo");

    /* BT.601 luma, exact rounding: 0.299 R + 0.587 G + 0.114 B */
    CHECK(bd_luma601(255, 0, 0) == 76, "luma red %d", bd_luma601(255, 0, 0));
    CHECK(bd_luma601(0, 255, 0) == 150, "luma green %d", bd_luma601(0, 255, 0));
    CHECK(bd_luma601(0, 0, 255) == 29, "luma blue %d", bd_luma601(0, 0, 255));
    CHECK(bd_luma601(255, 255, 255) == 255, "luma white %d", bd_luma601(255, 255, 255));
    CHECK(bd_luma601(10, 20, 30) == 18, "luma (10,20,30) %d", bd_luma601(10, 20, 30));
    CHECK(bd_luma601(100, 50, 200) == 82, "luma (100,50,200) %d", bd_luma601(100, 50, 200));
    int exact = 1;   /* against the float formula wherever it is not within 1e-6 of .5 */
    for (int r = 0; r < 256; r += 5)
        for (int g = 0; g < 256; g += 7)
            for (int b = 0; b < 256; b += 11) {
                double y = 0.299 * r + 0.587 * g + 0.114 * b;
                if (fabs(y - floor(y) - 0.5) > 1e-6 && bd_luma601(r, g, b) != (int)floor(y + 0.5))
                    exact = 0;
            }
    CHECK(exact, "luma rounding differs from round(0.299 R + 0.587 G + 0.114 B)");

    bd_composite_gray(img, alpha, w, h, out);
    ok = 1;
    for (int i = 0; i < w * h; i++) {
        const uint8_t *p = img + i * 3, *o = out + i * 3;
        const int y = bd_luma601(p[0], p[1], p[2]);
        if (i % 3 == 0 && (o[0] != y || o[1] != y || o[2] != y)) ok = 0;
        if (i % 3 == 2 && memcmp(o, p, 3)) ok = 0;
    }
    CHECK(ok, "gray composite: background R == G == B == luma, subject unchanged");

    for (int i = 0; i < w * h; i++) alpha[i] = (float)(rnd() % 1001) / 1000.0f;
    bd_composite_cutout(img, alpha, w, h, out);
    ok = 1;
    for (int i = 0; i < w * h; i++)
        if (memcmp(out + i * 4, img + i * 3, 3) ||
            out[i * 4 + 3] != (int)floor(alpha[i] * 255.0f + 0.5f))
            ok = 0;
    CHECK(ok, "cutout: RGB == photo, A == round(255 matte)");
    bd_matte_to_u8(alpha, w, h, out);
    ok = 1;
    for (int i = 0; i < w * h; i++)
        if (out[i] != (int)floor(alpha[i] * 255.0f + 0.5f)) ok = 0;
    CHECK(ok, "matte as 8-bit gray");

    uint8_t c[3];
    CHECK(bd_parse_color("#ff8000", c) == 0 && c[0] == 255 && c[1] == 128 && c[2] == 0,
          "parse #ff8000");
    CHECK(bd_parse_color("White", c) == 0 && c[0] == 255 && c[1] == 255 && c[2] == 255,
          "parse White");
    CHECK(bd_parse_color("#0f8", c) == 0 && c[0] == 0 && c[1] == 255 && c[2] == 136,
          "parse #0f8");
    CHECK(bd_parse_color("#12345g", c) == -1 && bd_parse_color("mauve", c) == -1 &&
              bd_parse_color("", c) == -1,
          "bad colours rejected");
    free(img);
    free(bg);
    free(out);
    free(alpha);
}

/* ------------------------------------------------------------------ matte ------------- */

/* Otsu by the other definition: minimise the weighted within-class variance. */
static int otsu_brute(const uint64_t *hist)
{
    double best = 1e300;
    int lo = -1, hi = -1;
    for (int t = 0; t < 255; t++) {
        double n0 = 0, n1 = 0, s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        for (int i = 0; i < 256; i++) {
            double c = (double)hist[i];
            if (i <= t) n0 += c, s0 += c * i, q0 += c * i * i;
            else n1 += c, s1 += c * i, q1 += c * i * i;
        }
        if (n0 == 0 || n1 == 0) continue;
        double within = (q0 - s0 * s0 / n0) + (q1 - s1 * s1 / n1);
        if (within < best * (1 - 1e-12)) best = within, lo = hi = t;
        else if (within <= best * (1 + 1e-12) && hi == t - 1) hi = t;
    }
    return (lo + hi) / 2;
}

static void test_otsu(void)
{
    uint64_t hist[256] = {0};
    hist[40] = 1000;
    hist[200] = 3000;
    CHECK(bd_otsu_threshold(hist) == 119, "two spikes at 40 and 200: threshold %d, want 119",
          bd_otsu_threshold(hist));
    /* two overlapping bell curves of different weight and width */
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < 256; i++)
        hist[i] = (uint64_t)(5000 * exp(-0.5 * pow((i - 60) / 15.0, 2)) +
                             2000 * exp(-0.5 * pow((i - 170) / 25.0, 2)));
    const int t = bd_otsu_threshold(hist), want = otsu_brute(hist);
    CHECK(t == want, "bimodal histogram: threshold %d, brute force says %d", t, want);
    CHECK(t > 90 && t < 140, "bimodal histogram: threshold %d not between the modes", t);
}

static void test_matte_thresholds(void)
{
    const int w = 64, h = 48;
    float *m = malloc((size_t)w * h * sizeof(float));
    for (int i = 0; i < w * h; i++) m[i] = (float)(i % w) / (w - 1);   /* ramp 0..1 in x */
    bd_matte_opts o = bd_matte_defaults();
    o.edges = BD_EDGES_HARD;
    o.guide = BD_GUIDE_NONE;
    o.feather = 0;
    bd_matte_refine(m, NULL, w, h, &o);
    int ok = 1;
    for (int i = 0; i < w * h; i++)
        if (m[i] != ((float)(i % w) / (w - 1) >= 0.5f ? 1.0f : 0.0f)) ok = 0;
    CHECK(ok, "hard edges: threshold at 0.5");
    o.invert = 1;
    bd_matte_refine(m, NULL, w, h, &o);
    ok = 1;
    for (int i = 0; i < w * h; i++)
        if (m[i] != ((float)(i % w) / (w - 1) >= 0.5f ? 0.0f : 1.0f)) ok = 0;
    CHECK(ok, "invert swaps subject and background");

    /* Otsu on a mask whose two regions sit at 0.2 and 0.9: the cut lands between. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) m[y * w + x] = x < 20 ? 0.9f : 0.2f;
    o = bd_matte_defaults();
    o.edges = BD_EDGES_OTSU;
    o.guide = BD_GUIDE_NONE;
    o.feather = 0;
    bd_matte_refine(m, NULL, w, h, &o);
    ok = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (x < 18 && m[y * w + x] != 1.0f) ok = 0;
            if (x > 21 && m[y * w + x] != 0.0f) ok = 0;
        }
    CHECK(ok, "otsu edges: 0.9 region -> 1, 0.2 region -> 0");
    free(m);
}

static void test_box_mean(void)
{
    const int w = 23, h = 14, c = 2, r = 3;
    float *img = malloc((size_t)w * h * c * sizeof(float)), *ref = malloc((size_t)w * h * c * sizeof(float));
    for (int i = 0; i < w * h * c; i++) img[i] = (float)(rnd() % 1000) / 7.0f;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                double s = 0;
                int n = 0;
                for (int yy = y - r; yy <= y + r; yy++)
                    for (int xx = x - r; xx <= x + r; xx++)
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                            s += img[(yy * w + xx) * c + k], n++;
                ref[(y * w + x) * c + k] = (float)(s / n);
            }
    bd_box_mean(img, w, h, c, r);
    double worst = 0;
    for (int i = 0; i < w * h * c; i++)
        if (fabs(img[i] - ref[i]) > worst) worst = fabs(img[i] - ref[i]);
    CHECK(worst < 1e-3, "box mean off the brute force by %g", worst);
    free(img);
    free(ref);
}

static void test_guided_filter(void)
{
    const int w = 96, h = 80;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    float *p = malloc((size_t)w * h * sizeof(float)), *q = malloc((size_t)w * h * sizeof(float));
    /* a textured gray guide, p = the guide itself */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = (uint8_t)((x * 7 + y * 3) % 200 + (x / 16 + y / 16) % 2 * 40 + (rnd() % 16));
            memset(rgb + ((size_t)y * w + x) * 3, v, 3);
            p[y * w + x] = v / 255.0f;
        }
    CHECK(bd_guided_filter(rgb, BD_GUIDE_GRAY, p, w, h, 4, 1e-9f, 1, q) == 0, "gf failed");
    double worst = 0;
    for (int i = 0; i < w * h; i++)
        if (fabs(q[i] - p[i]) > worst) worst = fabs(q[i] - p[i]);
    CHECK(worst < 1e-3, "guided filter, gray guide == input, eps -> 0: off by %g", worst);
    CHECK(bd_guided_filter(rgb, BD_GUIDE_COLOR, p, w, h, 4, 1e-7f, 1, q) == 0, "gf failed");
    worst = 0;
    for (int i = 0; i < w * h; i++)
        if (fabs(q[i] - p[i]) > worst) worst = fabs(q[i] - p[i]);
    CHECK(worst < 4e-3, "guided filter, colour guide == input, eps -> 0: off by %g", worst);

    /* Edge snapping: a sharp colour edge at x = 48 in the guide, a mask blurred over ~20 px
     * around x = 44. The filtered mask gets steep where the guide has its edge. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *px = rgb + ((size_t)y * w + x) * 3;
            px[0] = x < 48 ? 200 : 40;
            px[1] = x < 48 ? 60 : 90;
            px[2] = x < 48 ? 50 : 180;
            p[y * w + x] = 1.0f / (1.0f + expf((x - 44) / 5.0f));
        }
    CHECK(bd_guided_filter(rgb, BD_GUIDE_COLOR, p, w, h, 8, 1e-3f, 1, q) == 0, "gf failed");
    /* The mask's steepest step moves from x = 44 (p: a 0.05 step) to the guide's edge
     * between x = 47 and 48, and becomes a real step there. */
    const float *row = q + (h / 2) * w;
    int steepest = 0;
    for (int x = 0; x + 1 < w; x++)
        if (row[x] - row[x + 1] > row[steepest] - row[steepest + 1]) steepest = x;
    CHECK(steepest == 47 && row[47] - row[48] > 0.3f,
          "guided filter: steepest step at %d (%.2f), want 47 (> 0.3)", steepest,
          row[steepest] - row[steepest + 1]);
    CHECK(row[20] > 0.98f && row[80] < 0.02f, "guided filter: far values %.3f %.3f", row[20],
          row[80]);
    /* the fast version (fit on a 2x smaller grid) snaps too */
    CHECK(bd_guided_filter(rgb, BD_GUIDE_COLOR, p, w, h, 8, 1e-3f, 2, q) == 0, "gf failed");
    steepest = 0;
    for (int x = 0; x + 1 < w; x++)
        if (row[x] - row[x + 1] > row[steepest] - row[steepest + 1]) steepest = x;
    CHECK(steepest == 47 && row[47] - row[48] > 0.25f,
          "fast guided filter: steepest step at %d (%.2f), want 47", steepest,
          row[steepest] - row[steepest + 1]);
    free(rgb);
    free(p);
    free(q);
}

/* ------------------------------------------------------------------ cover + crop ------ */

static void test_fit_cover(void)
{
    /* 300x100 into 100x100: scale 1, crop 100 columns each side -> exact copy */
    {
        const int bw = 300, bh = 100;
        uint8_t *bg = random_rgb(bw, bh), *out = malloc(100 * 100 * 3);
        bd_fit_cover(bg, bw, bh, 3, out, 100, 100);
        int ok = 1;
        for (int y = 0; y < 100; y++)
            if (memcmp(out + y * 300, bg + ((size_t)y * bw + 100) * 3, 300)) ok = 0;
        CHECK(ok, "300x100 -> 100x100: the centre 100 columns exactly");
        free(bg);
        free(out);
    }
    /* 4x4 -> 2x2: each output is the mean of a 2x2 block */
    {
        const uint8_t bg[16] = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60};
        uint8_t out[4];
        bd_fit_cover(bg, 4, 4, 1, out, 2, 2);
        CHECK(out[0] == 10 && out[1] == 18 && out[2] == 42 && out[3] == 50,
              "4x4 -> 2x2 box: %d %d %d %d, want 10 18 42 50", out[0], out[1], out[2], out[3]);
    }
    /* 2x1 -> 4x2 enlarging: bilinear at pixel centres, clamped at the edges */
    {
        const uint8_t bg[2] = {0, 100};
        uint8_t out[8];
        bd_fit_cover(bg, 2, 1, 1, out, 4, 2);
        CHECK(out[0] == 0 && out[1] == 25 && out[2] == 75 && out[3] == 100 && out[4] == 0 &&
                  out[7] == 100,
              "2x1 -> 4x2 bilinear: %d %d %d %d", out[0], out[1], out[2], out[3]);
    }
    /* 400x200 -> 100x100: scale 0.5 (height decides), 200x100, crop 50 each side */
    {
        const int bw = 400, bh = 200;
        uint8_t *bg = malloc((size_t)bw * bh), out[100 * 100];
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) bg[y * bw + x] = (uint8_t)((x % 100) * 2 + (y % 2));
        bd_fit_cover(bg, bw, bh, 1, out, 100, 100);
        int ok = 1;
        for (int y = 0; y < 100; y++)
            for (int x = 0; x < 100; x++) {
                int sx = 2 * (x + 50);
                double want = ((sx % 100) * 2 + (sx + 1) % 100 * 2) / 2.0 + 0.5;
                if (out[y * 100 + x] != (int)floor(want + 0.5)) ok = 0;
            }
        CHECK(ok, "400x200 -> 100x100: 2x2 means of source columns 100..299");
        free(bg);
    }
    /* 64x48 -> 32x32: scale 2/3, scaled width 42.67, crop 5.33: output column 0 covers
     * source [8, 9.5): 2/3 of column 8 + 1/3 of column 9 */
    {
        uint8_t bg[64 * 48], out[32 * 32];
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++) bg[y * 64 + x] = (uint8_t)(x * 3);
        bd_fit_cover(bg, 64, 48, 1, out, 32, 32);
        CHECK(out[0] == 25 && out[5 * 32] == 25, "64x48 -> 32x32 column 0: %d, want 25", out[0]);
        /* output column 31 covers [54.5, 56): 1/3 of 54 + 2/3 of 55 -> 164 */
        CHECK(out[31] == 164, "64x48 -> 32x32 column 31: %d, want 164", out[31]);
    }
}


/* ------------------------------------------------------------------ large photos ------ */

/* The grid path: a probability given on an s-times smaller grid comes back at full
 * resolution by bilinear interpolation (exact for a linear ramp between the edge clamps). */
static void test_matte_from_grid(void)
{
    const int w = 403, h = 301, s = 4, sw = (w + s - 1) / s, sh = (h + s - 1) / s;
    float *p = malloc((size_t)sw * sh * sizeof(float)), *m = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) p[y * sw + x] = (float)x / (sw - 1);
    bd_matte_opts o = bd_matte_defaults();
    o.guide = BD_GUIDE_NONE;
    o.feather = 0;
    CHECK(bd_matte_from_grid(p, sw, sh, s, NULL, w, h, &o, m) == 0, "from_grid failed");
    double worst = 0;
    for (int y = 0; y < h; y++)
        for (int x = 2; x < w - 4; x++) {   /* grid centres at (i + 0.5) s - 0.5 */
            double u = (x + 0.5) / s - 0.5, want = u / (sw - 1);
            if (u > sw - 1) continue;
            if (fabs(m[y * w + x] - want) > worst) worst = fabs(m[y * w + x] - want);
        }
    CHECK(worst < 1e-5, "grid ramp upsampled off by %g", worst);
    CHECK(m[0] == 0.0f && m[w - 1] == 1.0f, "grid edges clamp: %g %g", m[0], m[w - 1]);
    /* hard edges on the grid: only 0 and 1 there, a ramp of about s pixels between */
    o.edges = BD_EDGES_HARD;
    CHECK(bd_matte_from_grid(p, sw, sh, s, NULL, w, h, &o, m) == 0, "from_grid failed");
    int ramp = 0;
    for (int x = 0; x < w; x++) ramp += m[x] > 0.0f && m[x] < 1.0f;
    CHECK(ramp > 0 && ramp <= s, "hard grid edge: %d intermediate pixels, want 1..%d", ramp, s);
    free(p);
    free(m);
}

/* The gain path of the grid guided filter skips the cells whose output is 0 or 1 for any
 * colour: it must equal the plain filter followed by the gain and the clamp. */
static void test_guided_gain_shortcut(void)
{
    const int w = 301, h = 233, s = 3, sw = (w + s - 1) / s, sh = (h + s - 1) / s;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    float *p = malloc((size_t)sw * sh * sizeof(float)), *q = malloc((size_t)w * h * sizeof(float)),
          *raw = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *px = rgb + ((size_t)y * w + x) * 3;
            const int in = (x - 150) * (x - 150) + (y - 110) * (y - 110) < 80 * 80;
            px[0] = (uint8_t)(in ? 180 + rnd() % 40 : rnd() % 90);
            px[1] = (uint8_t)(in ? 90 + rnd() % 30 : 60 + rnd() % 120);
            px[2] = (uint8_t)(rnd() % 256);
        }
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            const double dx = (x + 0.5) * s - 150, dy = (y + 0.5) * s - 110;
            p[y * sw + x] = (float)(1.0 / (1.0 + exp((sqrt(dx * dx + dy * dy) - 80) / 6)));
        }
    CHECK(bd_guided_filter_grid(rgb, BD_GUIDE_COLOR, p, w, h, 6, 1e-3f, s, 3.0f, q) == 0, "gf");
    CHECK(bd_guided_filter_grid(rgb, BD_GUIDE_COLOR, p, w, h, 6, 1e-3f, s, 0.0f, raw) == 0, "gf");
    double worst = 0;
    int zeros = 0, ones = 0;
    for (int i = 0; i < w * h; i++) {
        float want = (raw[i] - 0.5f) * 3.0f + 0.5f;
        want = want < 0 ? 0 : want > 1 ? 1 : want;
        if (fabs(q[i] - want) > worst) worst = fabs(q[i] - want);
        zeros += q[i] == 0.0f;
        ones += q[i] == 1.0f;
    }
    CHECK(worst < 1e-4, "gain shortcut differs from filter + gain + clamp by %g", worst);
    CHECK(zeros > w * h / 4 && ones > w * h / 10, "expected clear and opaque parts: %d %d",
          zeros, ones);
    free(rgb);
    free(p);
    free(q);
    free(raw);
}

/* A 12-megapixel photo (4000 x 3000): the matte from its grid (colour guided filter) and
 * the bokeh, timed. The bound is generous (a machine shared with other work); the point is
 * the report, and that nothing here grows with sigma or radius. */
static void test_large_photo_time(void)
{
    const int w = 4000, h = 3000;
    int sw, sh;
    const int s = bd_matte_grid(w, h, &sw, &sh);
    CHECK(s == 8 && sw == 500 && sh == 375, "grid of 4000x3000: s %d, %dx%d", s, sw, sh);
    uint8_t *rgb = malloc((size_t)w * h * 3), *out = malloc((size_t)w * h * 3);
    float *p = malloc((size_t)sw * sh * sizeof(float)), *m = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *px = rgb + ((size_t)y * w + x) * 3;
            const int in = (x - 2000) * (x - 2000) / 4 + (y - 1500) * (y - 1500) < 1000 * 1000;
            px[0] = (uint8_t)(in ? 200 : (x / 7) & 255);
            px[1] = (uint8_t)(in ? 120 : (y / 5) & 255);
            px[2] = (uint8_t)(in ? 60 : ((x + y) / 9) & 255);
        }
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            const double dx = (x + 0.5) * s - 2000, dy = (y + 0.5) * s - 1500;
            p[y * sw + x] = dx * dx / 4 + dy * dy < 1e6 ? 0.85f : 0.1f;
        }
    bd_matte_opts o = bd_matte_defaults();
    double t0 = now();
    CHECK(bd_matte_from_grid(p, sw, sh, s, rgb, w, h, &o, m) == 0, "matte failed");
    double t1 = now();
    CHECK(bd_composite_blur(rgb, m, w, h, bd_blur_auto_sigma(w, h), out) == 0, "blur failed");
    double t2 = now();
    bd_composite_gray(rgb, m, w, h, out);
    double t3 = now();
    printf("4000x3000: matte from the %dx%d grid (colour guided filter) %.0f ms, bokeh "
           "(sigma %.0f) %.0f ms, gray %.0f ms\n", sw, sh, (t1 - t0) * 1e3,
           bd_blur_auto_sigma(w, h), (t2 - t1) * 1e3, (t3 - t2) * 1e3);
    CHECK(t1 - t0 < 3.0 && t2 - t1 < 3.0, "12 MP compositing too slow: %.2f s + %.2f s",
          t1 - t0, t2 - t1);
    /* and the result is right: centre of the subject opaque, far corner clear */
    CHECK(m[(size_t)1500 * w + 2000] == 1.0f && m[10 * w + 10] == 0.0f,
          "12 MP matte: centre %g, corner %g", m[(size_t)1500 * w + 2000], m[10 * w + 10]);
    free(rgb);
    free(out);
    free(p);
    free(m);
}

int main(void)
{
    test_impulse_variance();
    test_constant_stays_constant();
    test_cost_independent_of_sigma();
    test_blur_effect_identities();
    test_blur_effect_sigma();
    test_no_halo();
    test_color_over_gray_cutout();
    test_otsu();
    test_matte_thresholds();
    test_box_mean();
    test_guided_filter();
    test_fit_cover();
    test_matte_from_grid();
    test_guided_gain_shortcut();
    test_large_photo_time();
    return check_done("test_composite");
}
