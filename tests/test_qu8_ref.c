/* test_qu8_ref.c — the scalar int8 references (kernels/qu8-*) against independent oracles.
 *
 * 1. The fixed-point helpers against exact rational arithmetic (int64 quotient and
 *    remainder): SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, the depthwise
 *    upward variant, at ties, signs and the int32 edges; QuantizeMultiplier's contract
 *    (M in [2^30, 2^31), M * 2^(shift-31) within half a unit of d, the 1.0 carry, the tiny
 *    and zero cases); TFLite's activation ranges.
 * 2. Each kernel against a plain oracle written differently: the convolutions over an
 *    explicitly padded copy of the input (filled with the input zero point, which must
 *    contribute nothing) with int64 accumulation, on awkward shapes (channels 1, 3, 7, 8, 9,
 *    33; widths 1, 2, 65; stride 1 and 2; dilation 1, 2, 4; zero points 0, 128, 255);
 *    ADD, the pool, QUANTIZE, the input quantisation, the concatenation and the uint8 resize
 *    against their definitions.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels_fixedpoint.h"
#include "kernels_quant.h"

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static int32_t rnd32(void) { return (int32_t)next(); }

/* round(n / 2^e), ties away from zero, exactly (n any int64, 0 <= e <= 62) */
static int64_t round_away_pot(int64_t n, int e)
{
    if (e == 0)
        return n;
    int64_t d = INT64_C(1) << e;
    int64_t q = n / d, r = n % d;                      /* C: toward zero */
    int64_t ar = r < 0 ? -r : r;
    if (2 * ar >= d)
        q += n < 0 ? -1 : 1;
    return q;
}

/* floor((n + 2^(e-1)) / 2^e): round half up */
static int64_t round_up_pot(int64_t n, int e)
{
    if (e == 0)
        return n;
    int64_t d = INT64_C(1) << e, t = n + d / 2;
    int64_t q = t / d;
    if (t % d != 0 && t < 0)
        q--;
    return q;
}

static void test_fixedpoint(void)
{
    static const int32_t edge[] = {0, 1, -1, 2, -2, 3, INT32_MAX, INT32_MIN, INT32_MIN + 1,
                                   1 << 30, -(1 << 30), (1 << 30) + 1, 46341, -46341, 12345678};
    const int ne = (int)(sizeof edge / sizeof edge[0]);
    int bad = 0, n = 0;
    for (int i = 0; i < ne + 20000; i++) {
        int32_t a = i < ne * ne ? edge[i % ne] : rnd32();
        int32_t b = i < ne * ne ? edge[(i / ne) % ne] : rnd32();
        if (i >= ne * ne && (i & 3) == 0)
            b = (int32_t)(next() >> 1) | (1 << 30);    /* multipliers as layers have them */
        int64_t want = a == INT32_MIN && b == INT32_MIN ? INT32_MAX
                                                         : round_up_pot((int64_t)a * b, 31);
        bad += bd_qu8_srdhm(a, b) != want;
        n++;
    }
    CHECK(bad == 0, "srdhm: %d of %d differ from round-half-up(a*b / 2^31)", bad, n);
    /* the ties themselves: gemmlowp's nudge rounds them upward, also for negative products */
    CHECK(bd_qu8_srdhm(1 << 30, 1) == 1 && bd_qu8_srdhm(-(1 << 30), 1) == 0 &&
          bd_qu8_srdhm(-3 * (1 << 29), 2) == -1 && bd_qu8_srdhm((1 << 30) - 1, 1) == 0 &&
          bd_qu8_srdhm(-(1 << 30) - 1, 1) == -1, "srdhm: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1");

    bad = n = 0;
    for (int e = 0; e <= 31; e++)
        for (int i = 0; i < 2000; i++) {
            int32_t x = i < ne ? edge[i] : i < ne + 64 ? (int32_t)((i - ne - 32) * (1 << (e > 0 ? e - 1 : 0)))
                                                       : rnd32() >> (next() % 31);
            bad += bd_qu8_rdivpot(x, e) != round_away_pot(x, e);
            int32_t up = bd_qu8_mbqm_upward(x, INT32_MAX, -e);   /* M ~ 1: srdhm(x, M) then shift */
            int32_t hm = bd_qu8_srdhm(x, INT32_MAX);
            int64_t want_up = round_up_pot(hm, e);
            /* TFLite's int32 add wraps within 2^(e-1) of INT32_MAX: compare elsewhere */
            if (e == 0 || (int64_t)hm + (INT64_C(1) << (e - 1)) <= INT32_MAX)
                bad += up != want_up;
            n += 2;
        }
    CHECK(bad == 0, "rdivpot / upward rounding: %d of %d differ from the exact rounding", bad, n);
    CHECK(bd_qu8_rdivpot(-3, 1) == -2 && bd_qu8_rdivpot(3, 1) == 2 && bd_qu8_rdivpot(-5, 2) == -1 &&
          bd_qu8_rdivpot(-6, 2) == -2, "rdivpot ties: -1.5 -> -2, 1.5 -> 2, -1.25 -> -1, -1.5 -> -2");
    CHECK(bd_qu8_mbqm_upward(-6, INT32_MAX, -2) == -1 && bd_qu8_mbqm(-6, INT32_MAX, -2) == -2,
          "depthwise rounding: -1.5 -> -1 (half up), the others -2 (half away)");

    /* QuantizeMultiplier */
    int32_t m, s;
    bd_qu8_quantize_multiplier(0.0, &m, &s);
    CHECK(m == 0 && s == 0, "QuantizeMultiplier(0) = (0, 0): %d %d", m, s);
    bd_qu8_quantize_multiplier(0.5, &m, &s);
    CHECK(m == 1 << 30 && s == 0, "QuantizeMultiplier(0.5) = (2^30, 0): %d %d", m, s);
    bd_qu8_quantize_multiplier(1.0 - ldexp(1.0, -40), &m, &s);
    CHECK(m == 1 << 30 && s == 1, "q rounding up to 1.0 carries: (2^30, 1), got %d %d", m, s);
    bd_qu8_quantize_multiplier(ldexp(1.0, -33), &m, &s);
    CHECK(m == 0 && s == 0, "multipliers below 2^-32 become zero: %d %d", m, s);
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        double d = ldexp(0.5 + (next() >> 8) / 33554432.0, -(int)(next() % 30)) * (i & 1 ? 1 : 7.5);
        bd_qu8_quantize_multiplier(d, &m, &s);
        double back = ldexp((double)m, s - 31);
        bad += m < (1 << 30) || fabs(back - d) > ldexp(0.5, s - 31) * 1.0000001;
    }
    CHECK(bad == 0, "QuantizeMultiplier: %d of 5000 outside [2^30, 2^31) or off by more than "
          "half a unit", bad);

    int32_t lo, hi;
    bd_qu8_activation_range(2, 6.0f / 255.0f, 0, &lo, &hi);
    CHECK(lo == 0 && hi == 255, "relu6 at 6/255: %d..%d", lo, hi);
    bd_qu8_activation_range(2, 0.05f, 10, &lo, &hi);
    CHECK(lo == 10 && hi == 130, "relu6 at 0.05, zp 10: %d..%d (want 10..130)", lo, hi);
    bd_qu8_activation_range(1, 0.05f, 200, &lo, &hi);
    CHECK(lo == 200 && hi == 255, "relu at zp 200: %d..%d", lo, hi);
    bd_qu8_activation_range(0, 0.05f, 200, &lo, &hi);
    CHECK(lo == 0 && hi == 255, "none: %d..%d", lo, hi);
}

/* ------------------------------------------------------------------ kernels ---------- */

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)next();
}

static void random_conv(bd_qu8_conv *p, int32_t in_zp, int32_t w_zp, int k)
{
    /* an output scale that spreads the accumulators over the uint8 range */
    float s_in = 0.02f, s_w = 0.01f, s_out = s_in * s_w * 255.0f * (float)sqrt((double)k) * 0.5f;
    int32_t out_zp = (int32_t)(next() % 256);
    bd_qu8_conv_setup(p, s_in, in_zp, s_w, w_zp, s_out, out_zp, (int)(next() % 3));
}

static uint8_t requant_oracle(int64_t acc, const bd_qu8_conv *p, int upward)
{
    CHECK(acc >= INT32_MIN && acc <= INT32_MAX, "accumulator %lld outside int32", (long long)acc);
    int32_t v = upward ? bd_qu8_mbqm_upward((int32_t)acc, p->rq.multiplier, p->rq.shift)
                       : bd_qu8_mbqm((int32_t)acc, p->rq.multiplier, p->rq.shift);
    v += p->rq.out_zp;
    return (uint8_t)(v < p->rq.lo ? p->rq.lo : v > p->rq.hi ? p->rq.hi : v);
}

/* the input with pad pixels of value in_zp around it: (h + 2P) x (w + 2P) x c */
static uint8_t *padded(const uint8_t *in, int h, int w, int c, int P, int32_t zp)
{
    int H = h + 2 * P, W = w + 2 * P;
    uint8_t *o = malloc((size_t)H * W * c);
    memset(o, zp, (size_t)H * W * c);
    for (int y = 0; y < h; y++)
        memcpy(o + ((size_t)(y + P) * W + P) * c, in + (size_t)y * w * c, (size_t)w * c);
    return o;
}

static void same_pad(int in, int s, int d, int *out, int *before)
{
    *out = (in + s - 1) / s;
    int total = (*out - 1) * s + 2 * d + 1 - in;
    *before = total > 0 ? total / 2 : 0;
}

static void test_dwconv(void)
{
    static const int chans[] = {1, 3, 7, 8, 9, 33}, widths[] = {1, 2, 65}, zps[] = {0, 128, 255};
    int cases = 0, bad_cases = 0;
    for (int ci = 0; ci < 6; ci++)
        for (int wi = 0; wi < 3; wi++)
            for (int s = 1; s <= 2; s++)
                for (int d = 1; d <= 4; d *= 2) {
                    int c = chans[ci], w = widths[wi], h = 5 + (int)(next() % 4);
                    int32_t in_zp = zps[next() % 3], w_zp = zps[next() % 3];
                    int oh, ow, pt, pl;
                    same_pad(h, s, d, &oh, &pt);
                    same_pad(w, s, d, &ow, &pl);
                    uint8_t *in = malloc((size_t)h * w * c), *wt = malloc(9 * (size_t)c);
                    int32_t *bias = malloc(sizeof(int32_t) * c);
                    uint8_t *out = malloc((size_t)oh * ow * c), *want = malloc((size_t)oh * ow * c);
                    fill(in, (size_t)h * w * c);
                    fill(wt, 9 * (size_t)c);
                    for (int k = 0; k < c; k++)
                        bias[k] = (int32_t)(next() % 200001) - 100000;
                    bd_qu8_conv p;
                    random_conv(&p, in_zp, w_zp, 9);
                    bd_qu8_dwconv3x3_ref(in, h, w, c, out, oh, ow, wt, bias, s, d, pt, pl, &p);
                    int P = 2 * d + 2;
                    uint8_t *pin = padded(in, h, w, c, P, in_zp);
                    int W = w + 2 * P;
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                            for (int k = 0; k < c; k++) {
                                int64_t acc = bias[k];
                                for (int t = 0; t < 9; t++) {
                                    int y = s * oy + d * (t / 3) - pt + P, x = s * ox + d * (t % 3) - pl + P;
                                    acc += ((int64_t)pin[((size_t)y * W + x) * c + k] - in_zp) *
                                           ((int64_t)wt[t * c + k] - w_zp);
                                }
                                want[((size_t)oy * ow + ox) * c + k] = requant_oracle(acc, &p, 1);
                            }
                    cases++;
                    bad_cases += memcmp(out, want, (size_t)oh * ow * c) != 0;
                    free(pin); free(in); free(wt); free(bias); free(out); free(want);
                }
    CHECK(bad_cases == 0, "dwconv3x3: %d of %d shapes differ from the padded-copy oracle",
          bad_cases, cases);
}

static void test_conv3x3s2(void)
{
    static const int sizes[][2] = {{1, 1}, {2, 2}, {7, 65}, {8, 9}, {13, 2}};
    int cases = 0, bad_cases = 0;
    for (int si = 0; si < 5; si++)
        for (int cin = 1; cin <= 3; cin += 2) {
            int h = sizes[si][0], w = sizes[si][1], cout = cin == 1 ? 8 : 33;
            int32_t in_zp = (int32_t)(next() % 256), w_zp = (int32_t)(next() % 256);
            int oh, ow, pt, pl;
            same_pad(h, 2, 1, &oh, &pt);
            same_pad(w, 2, 1, &ow, &pl);
            uint8_t *in = malloc((size_t)h * w * cin), *wt = malloc(9 * (size_t)cin * cout);
            int32_t *bias = malloc(sizeof(int32_t) * cout);
            uint8_t *out = malloc((size_t)oh * ow * cout), *want = malloc((size_t)oh * ow * cout);
            fill(in, (size_t)h * w * cin);
            fill(wt, 9 * (size_t)cin * cout);
            for (int k = 0; k < cout; k++)
                bias[k] = (int32_t)(next() % 40001) - 20000;
            bd_qu8_conv p;
            random_conv(&p, in_zp, w_zp, 9 * cin);
            bd_qu8_conv3x3s2_ref(in, h, w, cin, out, oh, ow, cout, wt, bias, pt, pl, &p);
            uint8_t *pin = padded(in, h, w, cin, 2, in_zp);
            int W = w + 4;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int co = 0; co < cout; co++) {
                        int64_t acc = bias[co];
                        for (int t = 0; t < 9; t++)
                            for (int k = 0; k < cin; k++) {
                                int y = 2 * oy + t / 3 - pt + 2, x = 2 * ox + t % 3 - pl + 2;
                                acc += ((int64_t)pin[((size_t)y * W + x) * cin + k] - in_zp) *
                                       ((int64_t)wt[((size_t)t * cin + k) * cout + co] - w_zp);
                            }
                        want[((size_t)oy * ow + ox) * cout + co] = requant_oracle(acc, &p, 0);
                    }
            cases++;
            bad_cases += memcmp(out, want, (size_t)oh * ow * cout) != 0;
            free(pin); free(in); free(wt); free(bias); free(out); free(want);
        }
    CHECK(bad_cases == 0, "conv3x3s2: %d of %d shapes differ from the padded-copy oracle",
          bad_cases, cases);
}

static void test_pwconv(void)
{
    static const int ks[] = {1, 3, 7, 8, 9, 33, 960}, ns[] = {1, 7, 8, 33, 257, 300};
    int cases = 0, bad_cases = 0;
    for (int ki = 0; ki < 7; ki++)
        for (int ni = 0; ni < 6; ni++) {
            int k = ks[ki], n = ns[ni], m = 1 + (int)(next() % 9);
            int32_t in_zp = (int32_t[]){0, 128, 255}[next() % 3], w_zp = (int32_t[]){0, 128, 255}[next() % 3];
            uint8_t *in = malloc((size_t)m * k), *wt = malloc((size_t)k * n);
            int32_t *bias = malloc(sizeof(int32_t) * n);
            uint8_t *out = malloc((size_t)m * n), *want = malloc((size_t)m * n);
            fill(in, (size_t)m * k);
            fill(wt, (size_t)k * n);
            for (int j = 0; j < n; j++)
                bias[j] = (int32_t)(next() % 2000001) - 1000000;
            /* one case at the accumulator edge: every product at its extreme, bias near 2^31 */
            if (ki == 6 && ni == 0) {
                in_zp = 0;
                w_zp = 0;
                memset(in, 255, (size_t)m * k);
                memset(wt, 255, (size_t)k * n);
                bias[0] = INT32_MAX - 960 * 255 * 255;
            }
            bd_qu8_conv p;
            random_conv(&p, in_zp, w_zp, k);
            bd_qu8_pwconv_ref(in, m, k, out, n, wt, bias, &p);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    int64_t acc = bias[j];
                    for (int t = 0; t < k; t++)
                        acc += ((int64_t)in[(size_t)i * k + t] - in_zp) * ((int64_t)wt[(size_t)t * n + j] - w_zp);
                    want[(size_t)i * n + j] = requant_oracle(acc, &p, 0);
                }
            cases++;
            bad_cases += memcmp(out, want, (size_t)m * n) != 0;
            free(in); free(wt); free(bias); free(out); free(want);
        }
    CHECK(bad_cases == 0, "pwconv: %d of %d shapes differ from the plain matrix product",
          bad_cases, cases);
}

static void test_small_ops(void)
{
    /* ADD: against the formula written out with the helpers, over every (a, b) pair */
    bd_qu8_add_params ap;
    bd_qu8_add_setup(&ap, 0.358283252f, 125, 0.473271281f, 123, 0.503493905f, 119, 0);
    static uint8_t a[65536], b[65536], o[65536];
    for (int i = 0; i < 65536; i++)
        a[i] = (uint8_t)(i & 255), b[i] = (uint8_t)(i >> 8);
    bd_qu8_add_ref(a, b, 65536, o, &ap);
    int bad = 0, near = 0;
    for (int i = 0; i < 65536; i++) {
        int32_t sa = bd_qu8_rdivpot(bd_qu8_srdhm((a[i] - 125) * (1 << 20), ap.a_multiplier), -ap.a_shift);
        int32_t sb = bd_qu8_rdivpot(bd_qu8_srdhm((b[i] - 123) * (1 << 20), ap.b_multiplier), -ap.b_shift);
        int32_t v = bd_qu8_rdivpot(bd_qu8_srdhm(sa + sb, ap.rq.multiplier), -ap.rq.shift) + 119;
        bad += o[i] != (v < 0 ? 0 : v > 255 ? 255 : v);
        /* and it is the real sum, to within a level */
        double real = 0.358283252 * (a[i] - 125) + 0.473271281 * (b[i] - 123);
        double q = real / 0.503493905 + 119;
        q = q < 0 ? 0 : q > 255 ? 255 : q;
        near += fabs(o[i] - q) <= 1.0;
    }
    CHECK(bad == 0, "add: %d of 65536 pairs differ from TFLite's formula", bad);
    CHECK(near == 65536, "add: %d of 65536 within one level of the real sum", near);
    CHECK(ap.a_shift <= 0 && ap.b_shift <= 0, "add input multipliers are below one");

    /* average pool: (sum + n/2) / n */
    uint8_t in[7 * 5 * 3], out[3];
    fill(in, sizeof in);
    bd_qu8_avgpool_ref(in, 35, 3, out);
    bad = 0;
    for (int c = 0; c < 3; c++) {
        int s = 0;
        for (int p = 0; p < 35; p++)
            s += in[p * 3 + c];
        bad += out[c] != (s + 17) / 35;
    }
    CHECK(bad == 0, "avgpool: rounds (sum + n/2) / n");

    /* QUANTIZE: a 0.5 rescale (M = 2^30, shift 0: only the high multiply rounds, ties up)
     * maps q - zp = -2, -1, 1, 253 to -1, -0.5 -> 0, 0.5 -> 1, 126.5 -> 127 */
    bd_qu8_requant rq;
    bd_qu8_requant_setup(&rq, 0.0124224406f, 0.0248448812f, 10);
    uint8_t qi[4] = {0, 1, 3, 255}, qo[4];
    bd_qu8_requantize_ref(qi, 4, 2, &rq, qo);
    CHECK(qo[0] == 9 && qo[1] == 10 && qo[2] == 11 && qo[3] == 137,
          "requantize x0.5: %d %d %d %d (want 9 10 11 137)", qo[0], qo[1], qo[2], qo[3]);

    /* input quantisation: v <= 127 stays, 128..254 + 1, 255 stays, padding 0.0 -> 128 */
    float x[5] = {-1.0f, 0.0f, 127 * 0.007843138f - 1, 128 * 0.007843138f - 1, 255 * 0.007843138f - 1};
    uint8_t qx[5];
    bd_qu8_quantize_f32(x, 5, 0.0078125f, 128, qx);
    CHECK(qx[0] == 0 && qx[1] == 128 && qx[2] == 127 && qx[3] == 129 && qx[4] == 255,
          "input quantisation %d %d %d %d %d", qx[0], qx[1], qx[2], qx[3], qx[4]);
    float nan = NAN;
    bd_qu8_quantize_f32(&nan, 1, 0.0078125f, 128, qx);
    CHECK(qx[0] == 0, "a NaN quantises to 0, not undefined behaviour");
    /* the written-out rounding equals roundf's (half away from zero) on ties, near-ties,
     * both signs, out of range and infinities, with zero points 0, 128, 255 */
    {
        enum { NV = 4096 };
        static float xs[NV];
        static uint8_t got[NV];
        const float scale = 0.0078125f;
        for (int i = 0; i < NV; i++) {
            float t = (float)(i % 1200 - 600) * 0.5f * scale;       /* exact ties k / 2 */
            xs[i] = i % 3 == 0 ? t : i % 3 == 1 ? nextafterf(t, 1e9f) : nextafterf(t, -1e9f);
        }
        xs[0] = INFINITY;
        xs[1] = -INFINITY;
        xs[2] = 1e30f;
        int wrong = 0;
        for (int z = 0; z < 3; z++) {
            const int zp = (int[]){0, 128, 255}[z];
            bd_qu8_quantize_f32(xs, NV, scale, zp, got);
            for (int i = 0; i < NV; i++) {
                float r = roundf(xs[i] / scale);
                r = r > -1024.0f ? r : -1024.0f;
                r = r < 1024.0f ? r : 1024.0f;
                int v = (int)r + zp;
                wrong += got[i] != (v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
        CHECK(wrong == 0, "input quantisation vs roundf: %d values differ", wrong);
    }

    /* concatenation */
    uint8_t ca[6] = {1, 2, 3, 4, 5, 6}, cb[4] = {7, 8, 9, 10}, co[10];
    bd_qu8_concat(ca, 3, cb, 2, 2, co);
    CHECK(!memcmp(co, (uint8_t[]){1, 2, 3, 7, 8, 4, 5, 6, 9, 10}, 10), "concat order");

    /* uint8 resize: 1x1 broadcasts, n -> n is the identity, 2 -> 3 takes the midpoint + 0.5 */
    uint8_t r1[2] = {17, 200}, r2[3 * 3 * 2];
    bd_qu8_resize_bilinear(r1, 1, 1, 2, r2, 3, 3);
    bad = 0;
    for (int i = 0; i < 9; i++)
        bad += r2[2 * i] != 17 || r2[2 * i + 1] != 200;
    CHECK(bad == 0, "resize 1x1 -> 3x3 broadcasts");
    uint8_t e2[2] = {10, 13}, e3[3];
    bd_qu8_resize_bilinear(e2, 1, 2, 1, e3, 1, 3);
    CHECK(e3[0] == 10 && e3[1] == 12 && e3[2] == 13, "resize 2 -> 3: %d %d %d (11.5 + 0.5 -> 12)",
          e3[0], e3[1], e3[2]);
    uint8_t lab[3];
    uint8_t lg[2 * 2] = {10, 13, 13, 10};             /* 1x2 pixels, 2 classes */
    bd_qu8_upsample_argmax(lg, 1, 2, 2, 1, 3, 1, 3, lab);
    CHECK(lab[0] == 1 && lab[1] == 0 && lab[2] == 0, "upsample_argmax: ties go to the first "
          "class: %d %d %d", lab[0], lab[1], lab[2]);
}

/* bd_qu8_requant_float's claim, checked apart from its own proof (which looks only inside
 * the window, step by step): the float form evaluated as the SIMD kernels do (clamp the
 * accumulator into the window, convert, fmaf with fc, or fcn below 0 when flt is 2, round
 * to nearest even) against the fixed point on every accumulator of the window and 2000
 * past each end, on random ones and on the int32 extremes; for random convolutions
 * (bd_qu8_conv_setup) and for ties (M = 2^30). */
static void test_float_requant(void)
{
    int proven = 0, tried = 0, bad = 0, wide = 0;
    for (int it = 0; it < 400; it++) {
        bd_qu8_conv p;
        random_conv(&p, 0, 0, 1 + (int)(next() % 64));
        if (it % 4 == 3) {
            p.rq.multiplier = 1 << 30;
            p.rq.shift = -(int)(next() % 12);
        }
        const int upward = it & 1;
        bd_qu8_requant_float(&p.rq, upward);
        tried++;
        if (!p.rq.flt)
            continue;
        proven++;
        const bd_qu8_requant *rq = &p.rq;
        for (int64_t a = (int64_t)rq->acc_lo - 2000; a <= (int64_t)rq->acc_hi + 2000 + 3000; a++) {
            const int32_t acc = a <= (int64_t)rq->acc_hi + 2000 ? (int32_t)a
                              : a == (int64_t)rq->acc_hi + 2001 ? INT32_MIN
                              : a == (int64_t)rq->acc_hi + 2002 ? INT32_MAX : rnd32();
            const int32_t c = acc < rq->acc_lo ? rq->acc_lo : acc > rq->acc_hi ? rq->acc_hi : acc;
            const float y = nearbyintf(fmaf((float)c, rq->fm, rq->flt == 2 && c < 0 ? rq->fcn : rq->fc));
            int32_t v = upward ? bd_qu8_mbqm_upward(acc, rq->multiplier, rq->shift)
                               : bd_qu8_mbqm(acc, rq->multiplier, rq->shift);
            v = v > 255 - rq->out_zp ? 255 : v + rq->out_zp;      /* (no int32 overflow) */
            const int32_t want = v < rq->lo ? rq->lo : v > rq->hi ? rq->hi : v;
            /* rq->fwide: the unclamped line, saturated to 0..255 as the packs do */
            float yw = nearbyintf(fmaf((float)acc, rq->fm, rq->flt == 2 && acc < 0 ? rq->fcn : rq->fc));
            yw = yw < 0.0f ? 0.0f : yw > 255.0f ? 255.0f : yw;
            if (rq->fwide && yw != (float)want && !bad++)
                CHECK(0, "float requantisation without the clamp: acc %d gives %g, the fixed "
                      "point %d (M %d shift %d zp %d)", acc, (double)yw, want, rq->multiplier,
                      rq->shift, rq->out_zp);
            wide += rq->fwide && acc == rq->acc_lo;
            if (y != (float)want && !bad++)
                CHECK(0, "float requantisation: acc %d gives %g, the fixed point %d (M %d shift "
                      "%d zp %d range %d..%d)", acc, (double)y, want, rq->multiplier, rq->shift,
                      rq->out_zp, rq->lo, rq->hi);
        }
    }
    CHECK(bad == 0, "float requantisation: %d accumulators differ", bad);
    CHECK(proven > 40, "float requantisation proven for only %d of %d set-ups", proven, tried);
    CHECK(wide > 10, "the unclamped float form only for %d set-ups", wide);
    printf("  float requantisation: proven for %d of %d set-ups (%d unclamped), checked outside "
           "the window\n", proven, tried, wide);
    /* where no line can be exact it must say so: rounding half away from zero on both sides
     * of the zero point, a multiplier above one, a window wider than 2^17 */
    bd_qu8_requant r = {.multiplier = 1 << 30, .shift = -3, .out_zp = 128, .lo = 0, .hi = 255};
    bd_qu8_requant_float(&r, 0);
    CHECK(!r.flt, "float form claimed for round-half-away around the zero point");
    r = (bd_qu8_requant){.multiplier = 1 << 30, .shift = 2, .out_zp = 0, .lo = 0, .hi = 255};
    bd_qu8_requant_float(&r, 1);
    CHECK(!r.flt, "float form claimed for a multiplier above one");
    r = (bd_qu8_requant){.multiplier = 1 << 30, .shift = -14, .out_zp = 0, .lo = 0, .hi = 255};
    bd_qu8_requant_float(&r, 1);
    CHECK(!r.flt, "float form claimed for a 2^22-wide window");
}

int main(void)
{
    test_fixedpoint();
    test_float_requant();
    test_dwconv();
    test_conv3x3s2();
    test_pwconv();
    test_small_ops();
    return check_done("test_qu8_ref");
}
