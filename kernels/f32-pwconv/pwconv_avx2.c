/* pwconv_avx2.c — 1x1 convolution (out = act(in x W + bias) + residual) with AVX2 + FMA.
 *
 * This GEMM is ~85% of the network's work, so it is register-blocked and cache-tiled:
 *  - micro-kernel: MR rows x NR columns of the output live in ymm accumulators for the whole
 *    k loop. Each step broadcasts one element of each A row and FMAs it with NR/8 vectors of
 *    the packed B row. Three shapes, chosen per column strip:
 *      NR = 24 (3 vectors) x MR = 4 rows  -> 12 accumulators + 3 B + 1 broadcast
 *      NR = 16 (2 vectors) x MR = 6 rows  -> 12 accumulators + 2 B + 1 broadcast
 *      NR =  8 (1 vector)  x MR = 8 rows  ->  8 accumulators (only for narrow remainders)
 *    n % 24 == 0 uses 24-wide strips, n % 16 == 0 16-wide, otherwise 24-wide plus one
 *    narrower remainder strip whose last vector may be partial (masked store).
 *  - cache tiling: k is cut into near-equal chunks of at most KC_MAX, so a packed KC x NR
 *    panel of B (<= 24 KB) stays in L1 while the micro-kernel sweeps MC rows of A (an
 *    MC x KC block sized to stay in L2). B is packed per (k chunk, row block, strip) into a
 *    stack buffer, zero-padded to the strip width: the inner loop never needs a mask, and
 *    the panel's stride no longer depends on n (no cache-set conflicts for n = 256).
 *  - the first k chunk starts from the bias, later ones reload the partial sums from out;
 *    the last applies ReLU/ReLU6 and adds the residual while storing.
 *  - OpenMP: each thread takes one static contiguous block of rows (multiple of 24).
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>

#include "kernels_isa.h"

#define KC_MAX 256        /* k chunk: KC_MAX x 24 floats of packed B = 24 KB */
#define MC_BYTES (96 * 1024) /* target size of the MC x KC block of A */

/* mask with the first `nvalid` (1..8) lanes set */
static inline __m256i tail_mask(int nvalid)
{
    static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(tbl + 8 - nvalid));
}

enum { FIRST = 1, LAST = 2 };

typedef struct {
    int kc;                 /* k steps in this chunk */
    const float *a;         /* first A row of the tile, at this chunk's first k */
    int lda;                /* = k */
    const float *bp;        /* packed panel: kc rows of NV*8 floats */
    float *c;               /* output tile origin */
    int ldc;                /* = n */
    int last_valid;         /* valid lanes (1..8) of the strip's last vector */
    const float *bias;      /* bias + strip column (NULL: no bias) */
    const float *res;       /* residual tile origin (NULL: none) */
    int flags;              /* FIRST / LAST */
    bd_act act;
} tile_args;

/* The micro-kernel, instantiated below for constant MR and NV: after inlining and full
 * unrolling the acc array lives in registers. */
static inline __attribute__((always_inline)) void tile(const int MR, const int NV,
                                                       const tile_args *t)
{
    __m256 acc[8][3];
    const __m256i lastm = tail_mask(t->last_valid);
    const int full = t->last_valid == 8;
    const float *a = t->a;
    const size_t lda = (size_t)t->lda, ldc = (size_t)t->ldc;

    /* ---- initial accumulators: bias (first chunk) or the partial sums in out ---- */
    if (t->flags & FIRST) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            __m256 b = _mm256_setzero_ps();
            if (t->bias)
                b = (v == NV - 1 && !full) ? _mm256_maskload_ps(t->bias + 8 * v, lastm)
                                           : _mm256_loadu_ps(t->bias + 8 * v);
#pragma GCC unroll 8
            for (int r = 0; r < MR; r++)
                acc[r][v] = b;
        }
    } else {
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = (v == NV - 1 && !full)
                                ? _mm256_maskload_ps(t->c + r * ldc + 8 * v, lastm)
                                : _mm256_loadu_ps(t->c + r * ldc + 8 * v);
    }

    /* ---- the k loop: MR broadcasts and NV loads feed MR*NV FMAs ---- */
    const float *bp = t->bp;
    for (int p = 0; p < t->kc; p++) {
        __m256 b[3];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            b[v] = _mm256_load_ps(bp + 8 * v);
        bp += 8 * NV;
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + p);
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = _mm256_fmadd_ps(x, b[v], acc[r][v]);
        }
    }

    /* ---- epilogue: activation, residual, store ---- */
    const int last = t->flags & LAST;
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.0f);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            const int part = v == NV - 1 && !full;
            __m256 x = acc[r][v];
            if (last) {
                if (t->act != BD_ACT_NONE)
                    x = _mm256_max_ps(x, zero);
                if (t->act == BD_ACT_RELU6)
                    x = _mm256_min_ps(x, six);
                if (t->res) {
                    const float *rp = t->res + r * ldc + 8 * v;
                    x = _mm256_add_ps(x, part ? _mm256_maskload_ps(rp, lastm)
                                              : _mm256_loadu_ps(rp));
                }
            }
            if (part)
                _mm256_maskstore_ps(t->c + r * ldc + 8 * v, lastm, x);
            else
                _mm256_storeu_ps(t->c + r * ldc + 8 * v, x);
        }
    }
}

typedef void (*tile_fn)(const tile_args *t);
#define TILE(MR, NV) \
    static void tile_##MR##x##NV(const tile_args *t) { tile(MR, NV, t); }
TILE(1, 1) TILE(2, 1) TILE(3, 1) TILE(4, 1) TILE(5, 1) TILE(6, 1) TILE(7, 1) TILE(8, 1)
TILE(1, 2) TILE(2, 2) TILE(3, 2) TILE(4, 2) TILE(5, 2) TILE(6, 2)
TILE(1, 3) TILE(2, 3) TILE(3, 3) TILE(4, 3)

static const tile_fn tiles[4][9] = {
    {0},
    {0, tile_1x1, tile_2x1, tile_3x1, tile_4x1, tile_5x1, tile_6x1, tile_7x1, tile_8x1},
    {0, tile_1x2, tile_2x2, tile_3x2, tile_4x2, tile_5x2, tile_6x2},
    {0, tile_1x3, tile_2x3, tile_3x3, tile_4x3},
};
static const int tile_mr[4] = {0, 8, 6, 4};

/* Copy B[0..kc)[0..ncols) (row stride n) into bp as kc rows of nv*8 floats, zero-padded. */
static void pack_b(float *bp, const float *b, int kc, int n, int nv, int ncols)
{
    const int full = ncols / 8, rem = ncols % 8;
    const __m256i m = tail_mask(rem ? rem : 8);
    for (int p = 0; p < kc; p++, b += n, bp += 8 * nv) {
        int v = 0;
        for (; v < full; v++)
            _mm256_store_ps(bp + 8 * v, _mm256_loadu_ps(b + 8 * v));
        if (rem) {
            _mm256_store_ps(bp + 8 * v, _mm256_maskload_ps(b + 8 * v, m));
            v++;
        }
        for (; v < nv; v++)
            _mm256_store_ps(bp + 8 * v, _mm256_setzero_ps());
    }
}

/* vectors of the strip starting at column j */
static inline int strip_nv(int n, int j, int wide)
{
    int left = n - j;
    if (left >= 8 * wide)
        return wide;
    return (left + 7) / 8;
}

/* One thread's share: output rows [r0, r1). */
static void pw_rows(const float *in, int r0, int r1, int k, float *out, int n, const float *w,
                    const float *bias, const float *res, bd_act act)
{
    float bp[KC_MAX * 24] __attribute__((aligned(64)));
    const int wide = (n % 24 == 0 || n % 16 != 0) ? 3 : 2;
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
            for (int j = 0; j < n; ) {
                const int nv = strip_nv(n, j, wide);
                const int ncols = n - j < 8 * nv ? n - j : 8 * nv;
                const int mr = tile_mr[nv];
                pack_b(bp, w + (size_t)pc * n + j, kc, n, nv, ncols);
                t.bp = bp;
                t.last_valid = ncols - 8 * (nv - 1);
                t.bias = bias ? bias + j : NULL;
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

void bd_pwconv_avx2(const float *in, int m, int k, float *out, int n, const float *weight,
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
