/* test_kernels.c — every SIMD kernel table against the scalar reference, XNNPACK-style:
 * each kernel over a matrix of awkward shapes (channel counts below / at / above the vector
 * width and the register tile, 1-pixel maps, odd and even sizes, stride 1 and 2, dilation
 * 1/2/4, SAME / VALID / explicit padding, every activation, with and without residual),
 * with 1 and 2 OpenMP threads, random data from a fixed seed plus large-magnitude data.
 *
 * Outputs go into buffers pre-filled with NaN and followed by guard floats: a kernel that
 * skips an element leaves a NaN (caught by the comparison), one that writes past the end
 * changes a guard (caught separately). Floats must agree within 1e-5 relative to the sum of
 * the absolute values of the terms of that output; labels must be identical.
 *
 * Tables compiled in but not supported by this CPU are reported and skipped.
 * BD_TEST_QUICK=1 (used under qemu by tests/test_neon.sh) keeps every small case but only
 * one in five of the expensive ones, so emulation stays around a minute; BD_TEST_QUICK=2
 * (Bochs, tests/test_avx512.sh) samples more sparsely still (see keep()).
 * BD_TEST_ISA=NAME (used under Bochs by tests/test_avx512.sh, where emulation is far slower)
 * tests only that table, and in it only the kernels that are its own: an entry holding the
 * same function as an earlier table's (the avx512 table reuses AVX2 and scalar kernels) is
 * tested with that table, natively, and skipped here. */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels.h"

#define GUARD 64           /* guard floats / bytes after each output */
#define RTOL 1e-5

/* ---------------------------------------------------------------- data ----------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) /* uniform in [-1, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 40) * (1.0 / 8388608.0)) - 1.0f;
}

static float *rand_buf(size_t n, float scale)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = frand() * scale;
    return p;
}

static const uint32_t POISON = 0x7fc0dead; /* a quiet NaN with a recognisable payload */

static float *poisoned(size_t n)
{
    float *p = n < ((size_t)1 << 30) ? malloc((n + GUARD) * sizeof *p) : NULL;
    if (!p) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n + GUARD; i++)
        memcpy(p + i, &POISON, 4);
    return p;
}

static int guard_intact(const float *p, size_t n)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (memcmp(p + i, &POISON, 4))
            return 0;
    return 1;
}

/* Compare got with want element by element; scale[i] is the sum of |terms| of element i.
 * Returns the number of mismatches and prints the first few. */
static int compare(const char *what, const float *got, const float *want, const double *scale,
                   size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double tol = RTOL * scale[i] + 1e-30;
        if (!(fabs((double)got[i] - want[i]) <= tol)) { /* NaN fails too */
            if (bad < 3)
                fprintf(stderr, "  %s: element %zu: got %.9g, want %.9g (tol %.3g)\n", what, i,
                        got[i], want[i], tol);
            bad++;
        }
    }
    return bad;
}

/* quick mode: run every cheap case, one in five of the expensive ones. Level 2 (for the
 * slowest emulators) counts as expensive from 3e4 multiply-adds instead of 3e5, and with 2
 * threads runs only cases big enough for the kernels to use them (bd_kernel_threads: the
 * smaller ones take the same one-thread path as in the 1-thread pass). */
int bd_kernel_threads(double work); /* kernels/dispatch.c */
static int quick, expensive_seen;
static int NT;                 /* threads */
static int keep(double work)
{
    if (quick >= 2 && NT > 1 && bd_kernel_threads(work) < 2)
        return 0;
    if (!quick || work < (quick >= 2 ? 3e4 : 3e5))
        return 1;
    return expensive_seen++ % 5 == 0;
}

static double actabs(double v) { return fabs(v) > 1e-30 ? fabs(v) : 1e-30; }

/* |p[i]| in a new buffer (NULL stays NULL) */
static float *abs_copy(const float *p, size_t n)
{
    if (!p)
        return NULL;
    float *a = malloc((n ? n : 1) * sizeof *a);
    if (!a) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        a[i] = fabsf(p[i]);
    return a;
}

/* scale[i] = actabs(s[i]), then frees s and the |.| copies */
static double *to_scale(float *s, size_t n, float *a0, float *a1, float *a2, float *a3)
{
    double *scale = malloc((n + 1) * sizeof *scale);
    if (!scale) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        scale[i] = actabs(s[i]);
    free(s); free(a0); free(a1); free(a2); free(a3);
    return scale;
}

/* ---------------------------------------------------------------- pwconv --------------- */

static const bd_kernels *K;    /* the table under test */
static long cases;

static void test_pwconv(int m, int k, int n, bd_act act, int with_res, float mag)
{
    if (!keep((double)m * k * n))
        return;
    float *in = rand_buf((size_t)m * k, mag), *w = rand_buf((size_t)k * n, 1.0f);
    float *b = rand_buf(n, mag), *res = with_res ? rand_buf((size_t)m * n, mag) : NULL;
    float *want = poisoned((size_t)m * n), *got = poisoned((size_t)m * n);
    /* the sum of |terms| of each output: the reference on |in|, |w|, |b|, |res| (in float,
     * accurate enough for a tolerance, and far cheaper under emulation than a double loop) */
    float *ain = abs_copy(in, (size_t)m * k), *aw = abs_copy(w, (size_t)k * n);
    float *ab = abs_copy(b, n), *ares = abs_copy(res, (size_t)m * n);
    float *sum = poisoned((size_t)m * n);
    bd_kernels_ref.pwconv(ain, m, k, sum, n, aw, ab, ares, BD_ACT_NONE);
    double *scale = to_scale(sum, (size_t)m * n, ain, aw, ab, ares);
    bd_kernels_ref.pwconv(in, m, k, want, n, w, b, res, act);
    K->pwconv(in, m, k, got, n, w, b, res, act);
    char what[160];
    snprintf(what, sizeof what, "%s pwconv m=%d k=%d n=%d act=%d res=%d mag=%g threads=%d",
             K->isa, m, k, n, act, with_res, mag, NT);
    int bad = compare(what, got, want, scale, (size_t)m * n);
    CHECK(bad == 0, "%s: %d mismatches", what, bad);
    CHECK(guard_intact(got, (size_t)m * n), "%s: wrote past the end", what);
    cases++;
    free(in); free(w); free(b); free(res); free(want); free(got); free(scale);
}

static void pwconv_matrix(void)
{
    static const int ms[] = {1, 2, 5, 65, 97};
    static const int ks[] = {1, 3, 7, 8, 9, 17, 33, 64, 960};
    static const int ns[] = {1, 3, 7, 8, 9, 17, 33, 64, 960};
    int idx = 0;
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
            for (size_t c = 0; c < sizeof ns / sizeof *ns; c++, idx++) {
                if (ms[a] * ks[b] * ns[c] > 5000000 && ms[a] > 5)
                    continue; /* keep the run time modest */
                test_pwconv(ms[a], ks[b], ns[c], (bd_act)(idx % 3), (idx / 3) % 2, 1.0f);
            }
    /* strip remainders of every width, row tails of every size, k chunking (k > 256),
     * thread splits and row blocks (m large), real layer shapes */
    for (int n = 1; n <= 50; n++)
        test_pwconv(31, 12, n, (bd_act)(n % 3), n % 2, 1.0f);
    for (int m = 1; m <= 26; m++)
        test_pwconv(m, 19, 40, (bd_act)(m % 3), m % 2, 1.0f);
    static const int real[][3] = {{700, 300, 24}, {1089, 576, 160}, {333, 513, 21},
                                  {2000, 16, 96}, {1000, 24, 144}, {300, 320, 256},
                                  {257, 256, 21}, {130, 960, 320}, {90, 160, 960}};
    for (size_t i = 0; i < sizeof real / sizeof *real; i++)
        test_pwconv(real[i][0], real[i][1], real[i][2], (bd_act)(i % 3), i % 2 == 0, 1.0f);
    /* large magnitudes (no overflow: sums stay far below FLT_MAX) */
    test_pwconv(37, 33, 17, BD_ACT_NONE, 1, 1e15f);
    test_pwconv(37, 300, 48, BD_ACT_RELU, 1, 1e15f);
    test_pwconv(9, 8, 9, BD_ACT_RELU6, 0, 1e-20f);
}

/* ---------------------------------------------------------------- dwconv3x3 ------------ */

/* SAME padding as TensorFlow computes it, for kernel extent e, stride s */
static void same_pad(int size, int e, int s, int *out, int *pad)
{
    *out = (size + s - 1) / s;
    int total = (*out - 1) * s + e - size;
    *pad = total > 0 ? total / 2 : 0;
}

static void test_dwconv(int h, int w, int c, int s, int d, int padmode, bd_act act, float mag)
{
    int e = 2 * d + 1, oh, ow, pt, pl;
    if (padmode == 0) { /* SAME */
        same_pad(h, e, s, &oh, &pt);
        same_pad(w, e, s, &ow, &pl);
    } else if (padmode == 1) { /* VALID */
        if (h < e || w < e)
            return;
        oh = (h - e) / s + 1, ow = (w - e) / s + 1, pt = pl = 0;
    } else { /* explicit pad 1 on every side */
        pt = pl = 1;
        if (h + 2 < e || w + 2 < e)
            return;
        oh = (h + 2 - e) / s + 1, ow = (w + 2 - e) / s + 1;
    }
    if (!keep(9.0 * oh * ow * c))
        return;
    float *in = rand_buf((size_t)h * w * c, mag), *wt = rand_buf((size_t)9 * c, 1.0f);
    float *b = rand_buf(c, mag);
    size_t no = (size_t)oh * ow * c;
    float *want = poisoned(no), *got = poisoned(no);
    /* the sum of |terms| of each output: the reference on |in|, |wt|, |b| (as in pwconv) */
    float *ain = abs_copy(in, (size_t)h * w * c), *awt = abs_copy(wt, (size_t)9 * c);
    float *ab = abs_copy(b, c), *sum = poisoned(no);
    bd_kernels_ref.dwconv3x3(ain, h, w, c, sum, oh, ow, awt, ab, s, d, pt, pl, BD_ACT_NONE);
    double *scale = to_scale(sum, no, ain, awt, ab, NULL);
    bd_kernels_ref.dwconv3x3(in, h, w, c, want, oh, ow, wt, b, s, d, pt, pl, act);
    K->dwconv3x3(in, h, w, c, got, oh, ow, wt, b, s, d, pt, pl, act);
    char what[200];
    snprintf(what, sizeof what,
             "%s dwconv3x3 %dx%dx%d -> %dx%d stride=%d dil=%d pad=%d,%d act=%d mag=%g "
             "threads=%d", K->isa, h, w, c, oh, ow, s, d, pt, pl, act, mag, NT);
    int bad = compare(what, got, want, scale, no);
    CHECK(bad == 0, "%s: %d mismatches", what, bad);
    CHECK(guard_intact(got, no), "%s: wrote past the end", what);
    cases++;
    free(in); free(wt); free(b); free(want); free(got); free(scale);
}

static void dwconv_matrix(void)
{
    static const int cs[] = {1, 3, 7, 8, 9, 16, 33};
    static const int sizes[] = {1, 2, 3, 65, 66};
    int idx = 0;
    for (size_t ci = 0; ci < sizeof cs / sizeof *cs; ci++)
        for (size_t hi = 0; hi < 5; hi++)
            for (size_t wi = 0; wi < 5; wi++)
                for (int s = 1; s <= 2; s++)
                    for (int d = 1; d <= 4; d *= 2) {
                        for (int pm = 0; pm < 3; pm++, idx++) {
                            if (sizes[hi] * sizes[wi] * cs[ci] > 20000 && (idx % 4))
                                continue; /* sample the big ones */
                            test_dwconv(sizes[hi], sizes[wi], cs[ci], s, d, pm,
                                        (bd_act)(idx % 3), 1.0f);
                        }
                    }
    /* widths around the interior pixel block, wide channels, real layers, magnitudes */
    for (int w = 4; w <= 24; w++)
        test_dwconv(7, w, 24, 1 + w % 2, w % 3 == 0 ? 2 : 1, 0, (bd_act)(w % 3), 1.0f);
    /* stride/dilation pairs the network never uses take the generic path: still exact */
    test_dwconv(19, 23, 20, 1, 3, 0, BD_ACT_RELU, 1.0f);
    test_dwconv(19, 23, 9, 2, 3, 2, BD_ACT_NONE, 1.0f);
    test_dwconv(9, 11, 960, 1, 1, 0, BD_ACT_RELU6, 1.0f);
    test_dwconv(12, 10, 960, 1, 4, 0, BD_ACT_RELU6, 1.0f);
    test_dwconv(33, 33, 96, 1, 2, 0, BD_ACT_RELU6, 1.0f);
    test_dwconv(66, 65, 40, 2, 1, 0, BD_ACT_NONE, 1.0f);
    test_dwconv(17, 19, 33, 1, 4, 0, BD_ACT_RELU, 1e15f);
    test_dwconv(17, 19, 12, 2, 1, 0, BD_ACT_NONE, 1e15f);
}

/* ---------------------------------------------------------------- conv3x3s2 ------------ */

static void test_conv(int h, int w, int cin, int cout, int padmode, bd_act act, float mag)
{
    int oh, ow, pt, pl;
    if (padmode == 0) {
        same_pad(h, 3, 2, &oh, &pt);
        same_pad(w, 3, 2, &ow, &pl);
    } else {
        pt = pl = padmode == 1 ? 0 : 1;
        if (h + 2 * pt < 3 || w + 2 * pl < 3)
            return;
        oh = (h + 2 * pt - 3) / 2 + 1, ow = (w + 2 * pl - 3) / 2 + 1;
    }
    if (!keep(9.0 * oh * ow * cin * cout))
        return;
    float *in = rand_buf((size_t)h * w * cin, mag), *wt = rand_buf((size_t)9 * cin * cout, 1.0f);
    float *b = rand_buf(cout, mag);
    size_t no = (size_t)oh * ow * cout;
    float *want = poisoned(no), *got = poisoned(no);
    double *scale = malloc((no + 1) * sizeof *scale);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int co = 0; co < cout; co++) {
                double sum = fabs(b[co]);
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int y = 2 * oy + ky - pt, x = 2 * ox + kx - pl;
                        if (y < 0 || y >= h || x < 0 || x >= w)
                            continue;
                        for (int ci = 0; ci < cin; ci++)
                            sum += fabs((double)in[((size_t)y * w + x) * cin + ci] *
                                        wt[((ky * 3 + kx) * cin + ci) * cout + co]);
                    }
                scale[((size_t)oy * ow + ox) * cout + co] = actabs(sum);
            }
    bd_kernels_ref.conv3x3s2(in, h, w, cin, want, oh, ow, cout, wt, b, pt, pl, act);
    K->conv3x3s2(in, h, w, cin, got, oh, ow, cout, wt, b, pt, pl, act);
    char what[200];
    snprintf(what, sizeof what, "%s conv3x3s2 %dx%dx%d -> %dx%dx%d pad=%d,%d act=%d mag=%g "
             "threads=%d", K->isa, h, w, cin, oh, ow, cout, pt, pl, act, mag, NT);
    int bad = compare(what, got, want, scale, no);
    CHECK(bad == 0, "%s: %d mismatches", what, bad);
    CHECK(guard_intact(got, no), "%s: wrote past the end", what);
    cases++;
    free(in); free(wt); free(b); free(want); free(got); free(scale);
}

static void conv_matrix(void)
{
    static const int cins[] = {1, 3, 4};
    static const int couts[] = {1, 7, 8, 9, 16, 32, 33};
    static const int sizes[] = {1, 2, 3, 65, 66};
    int idx = 0;
    for (size_t a = 0; a < 3; a++)
        for (size_t b = 0; b < 7; b++)
            for (size_t hi = 0; hi < 5; hi++)
                for (size_t wi = 0; wi < 5; wi++)
                    for (int pm = 0; pm < 3; pm++, idx++) {
                        if (sizes[hi] * sizes[wi] > 1000 && idx % 3)
                            continue;
                        test_conv(sizes[hi], sizes[wi], cins[a], couts[b], pm, (bd_act)(idx % 3),
                                  1.0f);
                    }
    test_conv(129, 131, 3, 32, 0, BD_ACT_RELU6, 1.0f);
    test_conv(20, 21, 3, 48, 0, BD_ACT_NONE, 1e15f);
}

/* ---------------------------------------------------------------- the rest ------------- */

static void test_avgpool(int hw, int c)
{
    float *in = rand_buf((size_t)hw * c, 1.0f), *want = poisoned(c), *got = poisoned(c);
    double *scale = malloc((c + 1) * sizeof *scale);
    for (int ch = 0; ch < c; ch++) {
        double s = 0;
        for (int p = 0; p < hw; p++)
            s += fabs(in[(size_t)p * c + ch]);
        scale[ch] = actabs(s / hw);
    }
    bd_kernels_ref.avgpool(in, hw, c, want);
    K->avgpool(in, hw, c, got);
    char what[100];
    snprintf(what, sizeof what, "%s avgpool hw=%d c=%d threads=%d", K->isa, hw, c, NT);
    CHECK(compare(what, got, want, scale, c) == 0, "%s: mismatch", what);
    CHECK(guard_intact(got, c), "%s: wrote past the end", what);
    cases++;
    free(in); free(want); free(got); free(scale);
}

static int labels_equal(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] && bad++ < 3)
            fprintf(stderr, "  %s: label %zu: got %d, want %d\n", what, i, got[i], want[i]);
    return bad == 0;
}

static uint8_t *poisoned_labels(size_t n)
{
    uint8_t *p = n < ((size_t)1 << 30) ? malloc(n + GUARD) : NULL;
    if (!p) {
        fprintf(stderr, "test_kernels: out of memory\n");
        exit(1);
    }
    memset(p, 0xEE, n + GUARD);
    return p;
}

static int label_guard_intact(const uint8_t *p, size_t n)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (p[i] != 0xEE)
            return 0;
    return 1;
}

/* quantised 1: small integer logits, so many pixels have exactly tied classes;
 * 2: near ties: every class of a pixel is the same value nudged by 0-2 ulps, so the
 * winner depends on the last bit of the interpolation (catches any change in the float
 * operations, such as an FMA contraction) */
static void test_upsample_argmax(int ih, int iw, int c, int fh, int fw, int ch, int cw,
                                 int quantised)
{
    if (!keep(4.0 * ch * cw * c))
        return;
    float *in = rand_buf((size_t)ih * iw * c, 8.0f);
    if (quantised == 1)
        for (size_t i = 0; i < (size_t)ih * iw * c; i++)
            in[i] = floorf(in[i] * 0.25f);
    if (quantised == 2)
        for (size_t p = 0; p < (size_t)ih * iw; p++)
            for (int k = 0; k < c; k++) {
                float v = in[p * c], r = frand();
                int nudges = r < -0.33f ? 0 : r < 0.33f ? 1 : 2;
                for (int i = 0; i < nudges; i++)
                    v = nextafterf(v, frand() < 0 ? -INFINITY : INFINITY);
                in[p * c + k] = v;
            }
    size_t no = (size_t)ch * cw;
    uint8_t *want = poisoned_labels(no), *got = poisoned_labels(no);
    bd_kernels_ref.upsample_argmax(in, ih, iw, c, fh, fw, ch, cw, want);
    K->upsample_argmax(in, ih, iw, c, fh, fw, ch, cw, got);
    char what[160];
    snprintf(what, sizeof what, "%s upsample_argmax %dx%dx%d -> %dx%d crop %dx%d q=%d "
             "threads=%d", K->isa, ih, iw, c, fh, fw, ch, cw, quantised, NT);
    CHECK(labels_equal(what, got, want, no), "%s: labels differ", what);
    CHECK(label_guard_intact(got, no), "%s: wrote past the end", what);
    cases++;
    free(in); free(want); free(got);
}

static void misc_matrix(void)
{
    static const int cs[] = {1, 3, 7, 8, 9, 16, 21, 33, 320};
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        test_avgpool(1, cs[i]);
        test_avgpool(1089, cs[i]);
    }
    static const int up[][7] = {
        /* ih iw c fh fw ch cw */
        {1, 1, 1, 1, 1, 1, 1},      {1, 1, 21, 5, 7, 5, 7},       {2, 3, 3, 9, 17, 9, 17},
        {3, 3, 7, 5, 5, 4, 3},      {5, 5, 8, 17, 17, 17, 16},   {4, 6, 9, 31, 33, 30, 1},
        {33, 33, 21, 513, 513, 513, 513}, {65, 65, 21, 513, 513, 400, 513},
        {65, 65, 21, 513, 513, 513, 385}, {17, 17, 33, 257, 257, 200, 255},
        {9, 9, 2, 65, 65, 65, 65},  {33, 33, 21, 257, 257, 257, 257},
        {7, 5, 21, 1, 9, 1, 9},     {7, 5, 21, 9, 1, 9, 1},
    };
    for (size_t i = 0; i < sizeof up / sizeof *up; i++)
        for (int q = 0; q < 3; q++)
            test_upsample_argmax(up[i][0], up[i][1], up[i][2], up[i][3], up[i][4], up[i][5],
                                 up[i][6], q);
}

/* ---------------------------------------------------------------- main ----------------- */

/* Is entry `f` of table i the same function as in an earlier table? */
#define SHARED_ENTRY(i, f) shared_entry(i, offsetof(bd_kernels, f))
static int shared_entry(int i, size_t off)
{
    for (int j = 0; j < i; j++)
        if (!memcmp((const char *)bd_kernels_all[i] + off, (const char *)bd_kernels_all[j] + off,
                    sizeof(void (*)(void))))
            return 1;
    return 0;
}

int main(void)
{
    int tested = 0;
    const char *q = getenv("BD_TEST_QUICK");
    quick = q && *q && strcmp(q, "0") ? (atoi(q) >= 2 ? 2 : 1) : 0;
    /* the dispatcher: always answers, and the forced-scalar choice works */
    char err[256] = "";
    const bd_kernels *sel = bd_kernels_select(err, sizeof err);
    CHECK(sel || err[0], "bd_kernels_select returned NULL without a message");
    const char *forced = getenv("BACKDROP_ISA");
    if (forced && *forced) {
        CHECK(!sel || !strcmp(sel->isa, forced), "BACKDROP_ISA=%s selected %s", forced,
              sel ? sel->isa : "nothing");
    } else {
        const bd_kernels *best = NULL; /* the last supported table is the best */
        for (int i = 0; bd_kernels_all[i]; i++)
            if (bd_kernels_supported(bd_kernels_all[i]))
                best = bd_kernels_all[i];
        CHECK(sel && sel == best, "bd_kernels_select chose %s, the best supported is %s",
              sel ? sel->isa : "nothing", best ? best->isa : "nothing");
    }
    CHECK(bd_kernels_select(err, sizeof err) == sel, "bd_kernels_select is not cached");
    CHECK(bd_kernels_all[0] == &bd_kernels_ref, "bd_kernels_all must start with the scalar table");
    const char *only = getenv("BD_TEST_ISA");
    if (only && !*only)
        only = NULL;
    for (int i = 0; bd_kernels_all[i]; i++) {
        const bd_kernels *t = bd_kernels_all[i];
        CHECK(t->isa && t->conv3x3s2 && t->dwconv3x3 && t->pwconv && t->avgpool &&
                  t->upsample_argmax,
              "table %s has a NULL entry", t->isa ? t->isa : "?");
        if (t == &bd_kernels_ref)
            continue;
        if (only && strcmp(t->isa, only)) {
            printf("%s: not selected by BD_TEST_ISA=%s, not run\n", t->isa, only);
            continue;
        }
        if (!bd_kernels_supported(t)) {
            printf("%s: not supported on this CPU, not run\n", t->isa);
            continue;
        }
        /* BD_TEST_ISA: only the table's own kernels (misc_matrix: both or none) */
        const int run_pw = !only || !SHARED_ENTRY(i, pwconv);
        const int run_dw = !only || !SHARED_ENTRY(i, dwconv3x3);
        const int run_conv = !only || !SHARED_ENTRY(i, conv3x3s2);
        const int run_misc = !only || !SHARED_ENTRY(i, avgpool) ||
                             !SHARED_ENTRY(i, upsample_argmax);
        if (only)
            printf("%s: BD_TEST_ISA: pwconv %s, dwconv3x3 %s, conv3x3s2 %s, avgpool/"
                   "upsample_argmax %s (shared = the same function as an earlier table's, "
                   "tested with that one)\n", t->isa, run_pw ? "tested" : "shared",
                   run_dw ? "tested" : "shared", run_conv ? "tested" : "shared",
                   run_misc ? "tested" : "shared");
        K = t;
        for (NT = 1; NT <= 2; NT++) {
            long before = cases;
            omp_set_num_threads(NT);
            if (run_pw)
                pwconv_matrix();
            if (run_dw)
                dwconv_matrix();
            if (run_conv)
                conv_matrix();
            if (run_misc)
                misc_matrix();
            printf("%s, %d thread%s: %ld cases\n", t->isa, NT, NT > 1 ? "s" : "", cases - before);
            fflush(stdout);
        }
        tested++;
    }
#if defined(__x86_64__)
    int has_avx512_table = 0;
    for (int i = 0; bd_kernels_all[i]; i++)
        has_avx512_table |= !strcmp(bd_kernels_all[i]->isa, "avx512");
    if (!has_avx512_table)
        printf("avx512: no table in this build, not run\n");
#endif
    if (!tested)
        printf("no SIMD table supported here: only the scalar reference exists\n");
    printf("%ld kernel cases compared with the scalar reference\n", cases);
    return check_done("test_kernels");
}
