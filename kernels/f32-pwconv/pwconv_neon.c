/* pwconv_neon.c — 1x1 convolution (out = act(in x W + bias) + residual) with NEON (aarch64).
 *
 * The same scheme as pwconv_avx2.c with 4-float vectors and aarch64's 32 vector registers:
 *  - micro-kernel: MR rows x NR columns of output in registers for the whole k loop; each
 *    step loads one element of each A row and FMAs it (fmla by element) with the NR/4
 *    vectors of the packed B row. NR = 12 with MR = 6 (18 accumulators + 3 B + 6 A = 27 of
 *    the 32 registers; 8 rows would spill), NR = 8 or 4 with MR = 8 for narrower strips.
 *    n % 12 == 0 uses 12-wide strips, n % 8 == 0 8-wide ones, otherwise 12-wide plus one
 *    narrower remainder strip.
 *  - k is cut into chunks of at most KC_MAX; each KC x NR panel of B is packed, zero-padded,
 *    into a stack buffer that stays in L1 while the micro-kernel sweeps an MC-row block of
 *    A. The first chunk starts from the bias, later ones reload the partial sums; the last
 *    applies ReLU/ReLU6 and the residual in the store.
 *  - NEON has no masked loads: a strip's partial last vector (n % 4 != 0) goes through a
 *    small zero-padded buffer for bias / partial sums / residual loads and for the store.
 *  - OpenMP: each thread takes one static contiguous block of rows (multiple of 24).
 */
#include <arm_neon.h>
#include <omp.h>
#include <string.h>

#include "kernels_isa.h"

#define KC_MAX 256
#define MC_BYTES (64 * 1024)

enum { FIRST = 1, LAST = 2 };

typedef struct {
    int kc, lda, ldc, last_valid, flags;
    const float *a, *bp, *bias, *res;
    float *c;
    bd_act act;
} tile_args;

static inline float32x4_t load_part(const float *p, int n) /* n = 1..4 valid floats */
{
    float t[4] = {0, 0, 0, 0};
    memcpy(t, p, (size_t)n * sizeof *t);
    return vld1q_f32(t);
}

static inline void store_part(float *p, float32x4_t v, int n)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, (size_t)n * sizeof *t);
}

static inline __attribute__((always_inline)) void tile(const int MR, const int NV,
                                                       const tile_args *t)
{
    float32x4_t acc[8][3];
    const int full = t->last_valid == 4, lv = t->last_valid;
    const float *a = t->a;
    const size_t lda = (size_t)t->lda, ldc = (size_t)t->ldc;
#define LD(p, v) ((v) == NV - 1 && !full ? load_part((p), lv) : vld1q_f32(p))
    if (t->flags & FIRST) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            float32x4_t b = t->bias ? LD(t->bias + 4 * v, v) : vdupq_n_f32(0.0f);
#pragma GCC unroll 8
            for (int r = 0; r < MR; r++)
                acc[r][v] = b;
        }
    } else {
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = LD(t->c + r * ldc + 4 * v, v);
    }
    const float *bp = t->bp;
    const int kc = t->kc;
    for (int p = 0; p < kc; p++) {
        float32x4_t b[3];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            b[v] = vld1q_f32(bp + 4 * v);
        bp += 4 * NV;
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            float32x4_t x = vld1q_dup_f32(a + r * lda + p);
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = vfmaq_f32(acc[r][v], x, b[v]);
        }
    }
    const int last = t->flags & LAST;
    const float32x4_t zero = vdupq_n_f32(0.0f), six = vdupq_n_f32(6.0f);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            float32x4_t x = acc[r][v];
            if (last) {
                if (t->act != BD_ACT_NONE)
                    x = vmaxq_f32(x, zero);
                if (t->act == BD_ACT_RELU6)
                    x = vminq_f32(x, six);
                if (t->res)
                    x = vaddq_f32(x, LD(t->res + r * ldc + 4 * v, v));
            }
            if (v == NV - 1 && !full)
                store_part(t->c + r * ldc + 4 * v, x, lv);
            else
                vst1q_f32(t->c + r * ldc + 4 * v, x);
        }
    }
#undef LD
}

typedef void (*tile_fn)(const tile_args *t);
#define TILE(MR, NV) \
    static void tile_##MR##x##NV(const tile_args *t) { tile(MR, NV, t); }
TILE(1, 1) TILE(2, 1) TILE(3, 1) TILE(4, 1) TILE(5, 1) TILE(6, 1) TILE(7, 1) TILE(8, 1)
TILE(1, 2) TILE(2, 2) TILE(3, 2) TILE(4, 2) TILE(5, 2) TILE(6, 2) TILE(7, 2) TILE(8, 2)
TILE(1, 3) TILE(2, 3) TILE(3, 3) TILE(4, 3) TILE(5, 3) TILE(6, 3)
static const tile_fn tiles[4][9] = {
    {0},
    {0, tile_1x1, tile_2x1, tile_3x1, tile_4x1, tile_5x1, tile_6x1, tile_7x1, tile_8x1},
    {0, tile_1x2, tile_2x2, tile_3x2, tile_4x2, tile_5x2, tile_6x2, tile_7x2, tile_8x2},
    {0, tile_1x3, tile_2x3, tile_3x3, tile_4x3, tile_5x3, tile_6x3},
};
static const int tile_mr[4] = {0, 8, 8, 6};

static void pack_b(float *bp, const float *b, int kc, int n, int nv, int ncols)
{
    for (int p = 0; p < kc; p++, b += n, bp += 4 * nv) {
        int j = 0;
        for (; j + 4 <= ncols; j += 4)
            vst1q_f32(bp + j, vld1q_f32(b + j));
        for (; j < ncols; j++)
            bp[j] = b[j];
        for (; j < 4 * nv; j++)
            bp[j] = 0.0f;
    }
}

static void pw_rows(const float *in, int r0, int r1, int k, float *out, int n, const float *w,
                    const float *bias, const float *res, bd_act act)
{
    float bp[KC_MAX * 12] __attribute__((aligned(64)));
    const int wide = (n % 12 == 0 || n % 8 != 0) ? 3 : 2;
    const int nchunks = k > KC_MAX ? (k + KC_MAX - 1) / KC_MAX : 1;
    for (int ch = 0; ch < nchunks; ch++) {
        const int pc = (int)((long long)k * ch / nchunks);
        const int kc = (int)((long long)k * (ch + 1) / nchunks) - pc;
        int mc = MC_BYTES / (4 * (kc > 0 ? kc : 1));
        mc = mc < 48 ? 48 : mc / 24 * 24;
        tile_args t = {.kc = kc, .lda = k, .ldc = n, .act = act,
                       .flags = (ch == 0 ? FIRST : 0) | (ch == nchunks - 1 ? LAST : 0)};
        for (int i0 = r0; i0 < r1; i0 += mc) {
            const int i1 = i0 + mc < r1 ? i0 + mc : r1;
            for (int j = 0; j < n;) {
                const int left = n - j;
                const int nv = left >= 4 * wide ? wide : (left + 3) / 4;
                const int ncols = left < 4 * nv ? left : 4 * nv;
                pack_b(bp, w + (size_t)pc * n + j, kc, n, nv, ncols);
                t.bp = bp;
                t.last_valid = ncols - 4 * (nv - 1);
                t.bias = bias ? bias + j : NULL;
                const int mr = tile_mr[nv];
                for (int i = i0; i < i1; i += mr) {
                    const int rows = i1 - i < mr ? i1 - i : mr;
                    t.a = in + (size_t)i * k + pc;
                    t.c = out + (size_t)i * n + j;
                    t.res = res ? res + (size_t)i * n + j : NULL;
                    tiles[nv][rows](&t);
                }
                j += ncols;
            }
        }
    }
}

void bd_pwconv_neon(const float *in, int m, int k, float *out, int n, const float *weight,
                 const float *bias, const float *residual, bd_act act)
{
    if (m <= 0 || n <= 0)
        return;
    const int nth = bd_kernel_threads((double)m * k * n);
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int r0, r1;
        bd_split_range(m, 24, omp_get_num_threads(), omp_get_thread_num(), &r0, &r1);
        if (r0 < r1)
            pw_rows(in, r0, r1, k, out, n, weight, bias, residual, act);
    }
}
