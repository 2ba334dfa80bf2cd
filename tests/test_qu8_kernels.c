/* test_qu8_kernels.c — every int8 SIMD kernel against its scalar reference, byte for byte.
 *
 * For each int8 table this CPU supports (bd_qu8_kernels_all; $BD_TEST_ISA_INT8 restricts
 * the run to one), on awkward shapes: input channels k = 1, 3, 7, 8, 9, 33, 960; output
 * channels 1, 3, 7, 8, 9, 16, 17, 33, 48, 50, 96, 960 (not all pairs: k x n <= 300k); pixel counts
 * 1, 2, 3, 4, 5, 65; zero points 0, 128, 255 for input and weights; multipliers from
 * QuantizeMultiplier of random reals between 2^-20 and 4 (right shifts up to 20, and left
 * shifts); accumulators near the int32 edge (all inputs and weights at an extreme, the bias
 * near +-2^31 minus the largest sum) and exactly at rounding ties (multiplier 2^30 with a
 * right shift, so every odd accumulator is a tie of the high multiply or the shift); each
 * of those also with the output zero point at the clamp's lower bound, as after a ReLU
 * (where the SIMD kernels may requantise with one rounding instead of two).
 * The depthwise 3x3 likewise: channels 1, 3, 7, 8, 9, 16, 17, 33, 48, 56, 72, 960; widths 1, 2,
 * 65; heights 1..7; stride 1 and 2; dilation 1, 2, 4 (so every border, and maps smaller than
 * the filter), plus maps of width 65 and height 4d+3..4d+5 at dilation d = 2, 4 (windows
 * wholly inside too); the same zero points, rounding ties and accumulator edges.
 * ADD: every pair of input bytes for 64 random quantisations, 12 more on odd lengths, in
 * place, and multipliers set to make rounding ties of each step. QUANTIZE (uint8 rescale):
 * every byte, odd lengths, up and down scales, ties. Average pool: channels 1..960, maps of
 * 1 to 4225 pixels, random and all-255 bytes.
 * Packed 1x1 weights: packing with bias + delta changes only the first n int32, by delta.
 * Tables without SIMD kernels (the scalar one) have nothing to compare (listed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels_quant.h"

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void fill(uint8_t *p, size_t n, int mode)
{
    for (size_t i = 0; i < n; i++)
        p[i] = mode == 1 ? 255 : mode == 2 ? 0 : (uint8_t)next();
}

typedef struct {
    int k, n, m, in_zp, w_zp, mode;   /* mode 0 random, 1 edge high, 2 ties */
    int relu;                         /* out_zp = lo, as after a ReLU: the one-rounding path */
} pw_case;

/* The packed layout's promise (kernels_quant.h): packing with bias + delta gives the same
 * bytes except the first n int32, which are larger by delta (mod 2^32). */
static int packed_bias_is_affine(const bd_qu8_kernels *t, const uint8_t *w, const int32_t *bias,
                                 int k, int n, const bd_qu8_conv *p, const void *packed,
                                 size_t sz, char *why, size_t whylen)
{
    int32_t *b2 = malloc(sizeof(int32_t) * (size_t)n);
    uint32_t *delta = malloc(sizeof(uint32_t) * (size_t)n);
    void *again = NULL;
    int ok = b2 && delta && !posix_memalign(&again, 64, sz);
    for (int j = 0; ok && j < n; j++) {
        delta[j] = next();
        b2[j] = (int32_t)((uint32_t)bias[j] + delta[j]);
    }
    if (ok) {
        t->pw_pack(w, b2, k, n, p, again);
        const uint32_t *u0 = packed, *u1 = again;
        for (int j = 0; j < n && ok; j++)
            ok = u1[j] - u0[j] == delta[j];
        ok = ok && !memcmp((const char *)packed + (size_t)n * 4, (const char *)again + (size_t)n * 4,
                           sz - (size_t)n * 4);
        if (!ok)
            snprintf(why, whylen, "%s pw_pack k=%d n=%d: bias + delta does not change only the "
                     "first n int32 by delta", t->isa, k, n);
    }
    free(b2); free(delta); free(again);
    return ok;
}

static int float_cases;                  /* cases whose requantisation had the float form */

static int run_pw(const bd_qu8_kernels *t, const pw_case *c, char *why, size_t whylen)
{
    const int k = c->k, n = c->n, m = c->m;
    uint8_t *in = malloc((size_t)m * k), *w = malloc((size_t)k * n);
    uint8_t *want = malloc((size_t)m * n), *got = malloc((size_t)m * n);
    int32_t *bias = malloc(sizeof(int32_t) * n);
    bd_qu8_conv p = {.in_zp = c->in_zp, .w_zp = c->w_zp};
    if (c->mode == 1) {                   /* the largest |acc|: x - zp and w - zp extreme */
        fill(in, (size_t)m * k, c->in_zp < 128 ? 1 : 2);
        fill(w, (size_t)k * n, c->w_zp < 128 ? 1 : 2);
        int64_t most = (int64_t)k * 255 * 255;
        for (int j = 0; j < n; j++)
            bias[j] = (int32_t)((j & 1 ? INT32_MAX - most : -INT32_MAX + most) *
                                ((c->in_zp < 128) == (c->w_zp < 128) ? 1 : -1));
        bd_qu8_quantize_multiplier(1.0 / (1 << 24), &p.rq.multiplier, &p.rq.shift);
    } else if (c->mode == 2) {            /* ties of the high multiply and of the shift */
        fill(in, (size_t)m * k, 0);
        fill(w, (size_t)k * n, 0);
        for (int j = 0; j < n; j++)
            bias[j] = (int32_t)(next() % 4001) - 2000;
        p.rq.multiplier = 1 << 30;
        p.rq.shift = -(int)(next() % 6);
    } else {
        fill(in, (size_t)m * k, 0);
        fill(w, (size_t)k * n, 0);
        for (int j = 0; j < n; j++)
            bias[j] = (int32_t)(next() % 2000001) - 1000000;
        double real = (double)(next() % 1000 + 1) / 1000.0 * (double)(1u << (next() % 23)) / 1048576.0;
        bd_qu8_quantize_multiplier(real, &p.rq.multiplier, &p.rq.shift);
    }
    p.rq.out_zp = (int32_t)(next() % 256);
    p.rq.lo = (int32_t)(next() % 3 == 0 ? next() % 100 : 0);
    p.rq.hi = (int32_t)(next() % 3 == 0 ? 155 + next() % 100 : 255);
    if (c->relu)
        p.rq.out_zp = p.rq.lo;
    if (next() % 3)                       /* the float form, where it can be proven */
        bd_qu8_requant_float(&p.rq, 0);
    float_cases += p.rq.flt != 0;
    bd_qu8_pwconv_ref(in, m, k, want, n, w, bias, &p);
    int ok = 1;
    size_t sz = t->pw_packed_size(k, n);
    if (sz) {
        void *packed = NULL;
        if (posix_memalign(&packed, 64, sz))
            packed = NULL;
        CHECK(packed != NULL, "out of memory");
        memset(got, 0xA5, (size_t)m * n);
        if (packed) {
            t->pw_pack(w, bias, k, n, &p, packed);
            t->pwconv_packed(in, m, k, got, n, packed, &p);
            ok = packed_bias_is_affine(t, w, bias, k, n, &p, packed, sz, why, whylen);
        }
        free(packed);
        for (size_t i = 0; i < (size_t)m * n && ok; i++)
            if (got[i] != want[i]) {
                ok = 0;
                snprintf(why, whylen, "%s pwconv k=%d n=%d m=%d zp %d/%d mode %d M=%d shift=%d: "
                         "[%zu] = %d, reference %d", t->isa, k, n, m, c->in_zp, c->w_zp, c->mode,
                         p.rq.multiplier, p.rq.shift, i, got[i], want[i]);
            }
    }
    free(in); free(w); free(want); free(got); free(bias);
    return ok;
}

/* One depthwise shape: the table's kernel against the reference. */
static int run_dw(const bd_qu8_kernels *t, int c, int w, int h, int s, int d, int in_zp,
                  int w_zp, int mode, char *why, size_t whylen)
{
    int oh = (h + s - 1) / s, ow = (w + s - 1) / s;
    int th = (oh - 1) * s + 2 * d + 1 - h, tw = (ow - 1) * s + 2 * d + 1 - w;
    int pt = th > 0 ? th / 2 : 0, pl = tw > 0 ? tw / 2 : 0;
    uint8_t *in = malloc((size_t)h * w * c), *wt = malloc(9 * (size_t)c);
    uint8_t *want = malloc((size_t)oh * ow * c), *got = malloc((size_t)oh * ow * c);
    int32_t *bias = malloc(sizeof(int32_t) * c);
    bd_qu8_conv p = {.in_zp = in_zp, .w_zp = w_zp};
    fill(in, (size_t)h * w * c, mode == 1 ? (in_zp < 128 ? 1 : 2) : 0);
    fill(wt, 9 * (size_t)c, mode == 1 ? (w_zp < 128 ? 1 : 2) : 0);
    for (int k = 0; k < c; k++)
        bias[k] = mode == 1 ? (k & 1 ? INT32_MAX - 9 * 65025 : INT32_MIN + 9 * 65025)
                            : (int32_t)(next() % 200001) - 100000;
    if (mode == 2) {                        /* ties: M = 2^30, small right shifts */
        p.rq.multiplier = 1 << 30;
        p.rq.shift = -(int)(next() % 6);
    } else {
        double real = (double)(next() % 1000 + 1) / 1000.0 * (double)(1u << (next() % 23)) / 1048576.0;
        bd_qu8_quantize_multiplier(real, &p.rq.multiplier, &p.rq.shift);
    }
    p.rq.out_zp = (int32_t)(next() % 256);
    p.rq.lo = (int32_t)(next() % 3 == 0 ? next() % 100 : 0);
    p.rq.hi = (int32_t)(next() % 3 == 0 ? 155 + next() % 100 : 255);
    if (next() % 3)
        bd_qu8_requant_float(&p.rq, 1);
    float_cases += p.rq.flt != 0;
    bd_qu8_dwconv3x3_ref(in, h, w, c, want, oh, ow, wt, bias, s, d, pt, pl, &p);
    memset(got, 0xA5, (size_t)oh * ow * c);
    t->dwconv3x3(in, h, w, c, got, oh, ow, wt, bias, s, d, pt, pl, &p);
    int ok = 1;
    for (size_t i = 0; i < (size_t)oh * ow * c && ok; i++)
        if (got[i] != want[i]) {
            ok = 0;
            snprintf(why, whylen, "%s dwconv c=%d %dx%d s=%d d=%d zp %d/%d mode %d: [%zu] = %d, "
                     "reference %d", t->isa, c, w, h, s, d, in_zp, w_zp, mode, i, got[i], want[i]);
        }
    free(in); free(wt); free(want); free(got); free(bias);
    return ok;
}

int main(void)
{
    const char *only = getenv("BD_TEST_ISA_INT8");
    static const int ks[] = {1, 3, 7, 8, 9, 33, 960}, ns[] = {1, 3, 7, 8, 9, 16, 17, 33, 48, 50, 96, 960};
    static const int ms[] = {1, 2, 3, 4, 5, 65}, zps[] = {0, 128, 255};
    int tables = 0;
    for (int ti = 0; bd_qu8_kernels_all[ti]; ti++) {
        const bd_qu8_kernels *t = bd_qu8_kernels_all[ti];
        if (only && *only && strcmp(only, t->isa))
            continue;
        if (!bd_qu8_kernels_supported(t)) {
            printf("  %s: not supported by this CPU, not run\n", t->isa);
            continue;
        }
        if (!t->pw_packed_size) {
            printf("  %s: no SIMD kernels to compare (the reference itself)\n", t->isa);
            continue;
        }
        tables++;
        int cases = 0, bad = 0;
        char why[400] = "";
        for (int a = 0; a < 7; a++)
            for (int b = 0; b < (int)(sizeof ns / sizeof ns[0]); b++) {
                if ((long)ks[a] * ns[b] > 300000)
                    continue;
                for (int mode = 0; mode < 6; mode++)     /* modes 3..5: 0..2 after a ReLU */
                    for (int z = 0; z < 3; z++) {
                        pw_case c = {ks[a], ns[b], ms[next() % 6], zps[z], zps[(z + a + b) % 3],
                                     mode % 3, mode >= 3};
                        if (mode == 0 && z == 0)
                            c.m = 65;
                        char w1[400];
                        cases++;
                        if (!run_pw(t, &c, w1, sizeof w1)) {
                            if (!bad++)
                                snprintf(why, sizeof why, "%s", w1);
                        }
                    }
            }
        /* short rows whose weight offset 128 - w_zp is a signed byte (w_zp 1: 127, the
         * largest): the AVX-512 kernel takes the row sums from its multiply-adds up to
         * k = 32 and up to 3 blocks of 16 channels, the separate sums past either */
        static const int kin[] = {4, 28, 32, 36}, nin[] = {8, 16, 40, 48, 64}, wzin[] = {1, 117};
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 5; b++)
                for (int mode = 0; mode < 6; mode++)
                    for (int z = 0; z < 2; z++) {
                        pw_case c = {kin[a], nin[b], ms[next() % 6], zps[(a + b + mode) % 3],
                                     wzin[z], mode % 3, mode >= 3};
                        char w1[400];
                        cases++;
                        if (!run_pw(t, &c, w1, sizeof w1) && !bad++)
                            snprintf(why, sizeof why, "%s", w1);
                    }
        /* every pixel count with one shape */
        for (int i = 0; i < 6; i++) {
            pw_case c = {33, 17, ms[i], 128, 3, 0, i & 1};
            char w1[400];
            cases++;
            if (!run_pw(t, &c, w1, sizeof w1) && !bad++)
                snprintf(why, sizeof why, "%s", w1);
        }
        CHECK(bad == 0, "%d of %d pwconv cases differ; first: %s", bad, cases, why);
        printf("  %s: pwconv %d cases, %d differ\n", t->isa, cases, bad);
        if (t->add != bd_qu8_add_ref) {
            /* ADD: every (a, b) pair, several quantisations, odd lengths, out aliasing b */
            static uint8_t a[65536 + 17], bb[65536 + 17], want[65536 + 17], got[65536 + 17];
            int addbad = 0, addcases = 0;
            /* the first 64 quantisations on all 65536 pairs (an error of one in a rescaled
             * input shows only where the output rounding is near a tie), equal scales
             * among them; then 12 on random bytes of odd lengths */
            for (int q = 0; q < 76; q++) {
                const int all = q < 64;
                float sa = 0.05f + (float)(next() % 1000) / 1000.0f, sb = 0.05f + (float)(next() % 1000) / 1000.0f;
                if (q % 16 == 5)
                    sb = sa;
                float so = (sa > sb ? sa : sb) * (0.3f + (float)(next() % 130) / 100.0f);
                bd_qu8_add_params ap;
                bd_qu8_add_setup(&ap, sa, all ? (int32_t)(next() % 256) : zps[q % 3], sb,
                                 all ? (int32_t)(next() % 256) : zps[(q / 3) % 3], so,
                                 (int32_t)(next() % 256), (int)(next() % 3));
                size_t n = all ? 65536 : (size_t[]){1, 15, 16, 17, 1000, 65553}[q % 6];
                for (size_t i = 0; i < n; i++) {
                    a[i] = all ? (uint8_t)(i & 255) : (uint8_t)next();
                    bb[i] = all ? (uint8_t)(i >> 8) : (uint8_t)next();
                }
                bd_qu8_add_ref(a, bb, n, want, &ap);
                memcpy(got, bb, n);
                t->add(a, got, n, got, &ap);              /* in place, as the network runs it */
                addcases++;
                addbad += memcmp(got, want, n) != 0;
            }
            /* rounding ties on purpose (random scales almost never give one that shows):
             * M_a = 2^30 + 2^10 makes a' = a 2^18 + (a + 1) / 2 rounded, tying the high
             * multiply for odd a; b' = b 2^17 exactly; the output, (2a + b) / 2 at shift
             * -17, ties for every odd b, half of them negative */
            for (int q = 0; q < 3; q++) {
                const bd_qu8_add_params ap = {zps[q], zps[(q + 1) % 3], (1 << 30) + (1 << 10), -1,
                                              1 << 30, -2, {.multiplier = 1 << 30, .shift = -17, .out_zp = 128, .lo = 0, .hi = 255}};
                for (size_t i = 0; i < 65536; i++) {
                    a[i] = (uint8_t)(i & 255);
                    bb[i] = (uint8_t)(i >> 8);
                }
                bd_qu8_add_ref(a, bb, 65536, want, &ap);
                t->add(a, bb, 65536, got, &ap);
                addcases++;
                addbad += memcmp(got, want, 65536) != 0;
            }
            CHECK(addbad == 0, "%s add: %d of %d cases differ from the reference", t->isa, addbad, addcases);
            printf("  %s: add %d cases, %d differ\n", t->isa, addcases, addbad);
        }
        if (t->add_lut) {
            /* ADD by table: the table built with the table's add holds the reference on
             * all pairs; the lookup kernel on odd lengths, in place on b as the network runs
             * it, and all pairs */
            static uint8_t lut[BD_QU8_ADD_LUT_BYTES], a[65536 + 33], bb[65536 + 33],
                           want[65536 + 33], got[65536 + 33];
            int lutbad = 0, lutcases = 0;
            for (int q = 0; q < 8; q++) {
                float sa = 0.05f + (float)(next() % 1000) / 1000.0f, sb = 0.05f + (float)(next() % 1000) / 1000.0f;
                bd_qu8_add_params ap;
                bd_qu8_add_setup(&ap, sa, (int32_t)(next() % 256), sb, (int32_t)(next() % 256),
                                 (sa > sb ? sa : sb) * (0.3f + (float)(next() % 130) / 100.0f),
                                 (int32_t)(next() % 256), (int)(next() % 3));
                bd_qu8_add_lut_build(t, &ap, lut);
                for (size_t i = 0; i < 65536; i++) {
                    a[i] = (uint8_t)(i >> 8);
                    bb[i] = (uint8_t)(i & 255);
                }
                bd_qu8_add_ref(a, bb, 65536, want, &ap);
                lutcases++;
                lutbad += memcmp(lut, want, 65536) != 0;
                const size_t n = (size_t[]){65536, 1, 15, 16, 17, 31, 4097, 65553}[q];
                for (size_t i = 0; i < n && q; i++) {
                    a[i] = (uint8_t)next();
                    bb[i] = (uint8_t)next();
                }
                bd_qu8_add_ref(a, bb, n, want, &ap);
                memcpy(got, bb, n);
                t->add_lut(a, got, n, got, lut);
                lutcases++;
                lutbad += memcmp(got, want, n) != 0;
            }
            CHECK(lutbad == 0, "%s add_lut: %d of %d cases differ from the reference", t->isa, lutbad, lutcases);
            printf("  %s: add_lut %d cases, %d differ\n", t->isa, lutcases, lutbad);
        }
        if (t->quantize_f32) {          /* the input QUANTIZE: ties, near-ties, NaN, inf, tails */
            enum { NQ = 70001 };
            float *xs = malloc(sizeof(float) * NQ);
            uint8_t *qw = malloc(NQ), *qg = malloc(NQ);
            int qbad = 0, qcases = 0;
            for (int q = 0; q < 4 && xs && qw && qg; q++) {
                const float scale = (float[]){0.0078125f, 0.0173f, 1.0f, 3e-5f}[q];
                for (int i = 0; i < NQ; i++) {
                    const float t0 = (float)(i % 1200 - 600) * 0.5f * scale;
                    xs[i] = i % 4 == 0 ? t0 : i % 4 == 1 ? nextafterf(t0, 1e9f)
                          : i % 4 == 2 ? nextafterf(t0, -1e9f)
                          : ((float)(next() % 200001) - 100000.0f) * 0.001f;
                }
                xs[5] = NAN;
                xs[6] = INFINITY;
                xs[7] = -INFINITY;
                for (int l = 0; l < 4; l++) {
                    const size_t n = (size_t[]){1, 17, 4097, NQ}[l];
                    const int32_t zp = (int32_t[]){0, 128, 255, 3}[(q + l) % 4];
                    bd_qu8_quantize_f32(xs, n, scale, zp, qw);
                    t->quantize_f32(xs, n, scale, zp, qg);
                    qcases++;
                    qbad += memcmp(qw, qg, n) != 0;
                }
            }
            CHECK(qcases == 16 && qbad == 0, "%s quantize_f32: %d of %d cases differ", t->isa,
                  qbad, qcases);
            printf("  %s: quantize_f32 %d cases, %d differ\n", t->isa, qcases, qbad);
            free(xs);
            free(qw);
            free(qg);
        }
        if (t->requantize != bd_qu8_requantize_ref) {
            /* QUANTIZE uint8 -> uint8: every byte, odd lengths, random rescales (down and up,
             * so right and left shifts) and ties of the shift (M = 2^30) */
            uint8_t qi[256 + 19], qw[256 + 19], qg[256 + 19];
            int rbad = 0, rcases = 0;
            for (int q = 0; q < 24; q++) {
                bd_qu8_requant rq;
                bd_qu8_requant_setup(&rq, 0.01f + (float)(next() % 1000) / 500.0f,
                                     0.01f + (float)(next() % 1000) / 500.0f, (int32_t)(next() % 256));
                if (q % 3 == 2) {
                    rq.multiplier = 1 << 30;
                    rq.shift = -(int)(next() % 6);
                }
                const size_t n = (size_t[]){256 + 19, 1, 15, 16, 17, 256}[q % 6];
                for (size_t i = 0; i < n; i++)
                    qi[i] = (uint8_t)(n >= 256 ? i : next());
                const int32_t in_zp = zps[q % 3];
                bd_qu8_requantize_ref(qi, n, in_zp, &rq, qw);
                t->requantize(qi, n, in_zp, &rq, qg);
                rcases++;
                rbad += memcmp(qw, qg, n) != 0;
            }
            CHECK(rbad == 0, "%s requantize: %d of %d cases differ", t->isa, rbad, rcases);
            printf("  %s: requantize %d cases, %d differ\n", t->isa, rcases, rbad);
        }
        if (t->avgpool != bd_qu8_avgpool_ref) {
            /* global average pool: channel counts of the shape list and the head's, map sizes
             * around the 257-pixel partial sums, random bytes and all 255 (largest sums) */
            static const int pc[] = {1, 3, 7, 8, 9, 16, 17, 33, 320, 960};
            static const int phw[] = {1, 2, 3, 256, 257, 258, 1089, 4225};
            int pbad = 0, pcases = 0;
            for (int a = 0; a < 10; a++)
                for (int b = 0; b < 8; b++) {
                    const int c = pc[a], hw = phw[b];
                    if ((long)c * hw > 1100000)
                        continue;
                    uint8_t *pin = malloc((size_t)c * hw), *pw = malloc((size_t)c), *pg = malloc((size_t)c);
                    CHECK(pin && pw && pg, "out of memory");
                    if (pin && pw && pg) {
                        fill(pin, (size_t)c * hw, (a + b) % 3 == 0 ? 1 : 0);
                        bd_qu8_avgpool_ref(pin, hw, c, pw);
                        t->avgpool(pin, hw, c, pg);
                        pcases++;
                        pbad += memcmp(pw, pg, (size_t)c) != 0;
                    }
                    free(pin); free(pw); free(pg);
                }
            CHECK(pbad == 0, "%s avgpool: %d of %d cases differ", t->isa, pbad, pcases);
            printf("  %s: avgpool %d cases, %d differ\n", t->isa, pcases, pbad);
        }
        if (t->dwconv3x3 == bd_qu8_dwconv3x3_ref)
            continue;
        static const int chans[] = {1, 3, 7, 8, 9, 16, 17, 33, 48, 56, 72, 960}, widths[] = {1, 2, 65};
        cases = bad = 0;
        why[0] = 0;
        for (int a = 0; a < (int)(sizeof chans / sizeof chans[0]); a++)
            for (int b = 0; b < 3; b++)
                for (int st = 1; st <= 2; st++)
                    for (int d = 1; d <= 4; d *= 2)
                        for (int mode = 0; mode < 3; mode++) {
                            if (chans[a] == 960 && (mode || b == 2))
                                continue;          /* big: one border case per stride/dilation */
                            int h = 1 + (int)(next() % 7);
                            char w1[400];
                            cases++;
                            if (!run_dw(t, chans[a], widths[b], h, st, d, zps[(a + mode) % 3],
                                        zps[(b + st + mode) % 3], mode, w1, sizeof w1) && !bad++)
                                snprintf(why, sizeof why, "%s", w1);
                        }
        /* maps tall and wide enough for windows wholly inside at dilation 2 and 4 */
        for (int a = 5; a < 9; a++)
            for (int st = 1; st <= 2; st++)
                for (int d = 2; d <= 4; d *= 2)
                    for (int mode = 0; mode < 3; mode++) {
                        char w1[400];
                        if (chans[a] == 960 && mode)
                            continue;              /* big: the random case only */
                        cases++;
                        if (!run_dw(t, chans[a], 65, 4 * d + 3 + (int)(next() % 3), st, d,
                                    zps[(a + mode) % 3], zps[(st + d + mode) % 3], mode, w1,
                                    sizeof w1) && !bad++)
                            snprintf(why, sizeof why, "%s", w1);
                    }
        CHECK(bad == 0, "%d of %d dwconv cases differ; first: %s", bad, cases, why);
        printf("  %s: dwconv3x3 %d cases, %d differ\n", t->isa, cases, bad);
    }
    if (!tables && !(only && *only))
        printf("  no int8 SIMD table runs here: only the reference\n");
    if (tables) {                         /* both requantisation forms were compared */
        CHECK(float_cases > 100, "only %d cases had the float requantisation", float_cases);
        printf("  float-form requantisation in %d cases\n", float_cases);
    }
    return check_done("test_qu8_kernels");
}
