/* pwconv_avx512.c — 1x1 convolution (out = act(in x W + bias) + residual) with AVX-512F.
 *
 * The same GEMM as pwconv_avx2.c (~85% of the network's work), with 16-float zmm vectors
 * and the 32 zmm registers AVX-512 gives:
 *  - micro-kernel: MR rows x NR columns of the output live in zmm accumulators for the
 *    whole k loop. Each k step loads NR/16 vectors of the packed B row, broadcasts one
 *    element of each of the MR A rows (vbroadcastss, or an embedded {1to16} broadcast
 *    operand of the FMA) and issues MR*NR/16 FMAs. Three shapes, chosen per column strip:
 *      NR = 48 (3 vectors) x MR =  8 rows -> 24 accumulators + 3 B + 1 broadcast = 28 zmm
 *      NR = 32 (2 vectors) x MR = 12 rows -> 24 accumulators + 2 B + 1 broadcast = 27 zmm
 *      NR = 16 (1 vector)  x MR =  8 rows ->  8 accumulators (narrow n and remainders)
 *    24 independent accumulator chains hide the FMA latency on one or two FMA ports, and
 *    a k step costs 11 (or 14) loads for 24 FMAs, well within two loads per cycle.
 *    Strips: n % 48 == 0 (48, 96, 144, ..., 960) uses 48-wide strips, else n % 32 == 0
 *    (32, 64, 160, 256, 320) 32-wide, otherwise 48-wide strips plus one narrower remainder
 *    strip (e.g. 72 = 48 + 24, 21 = one 32-wide strip) whose last vector is partial.
 *  - tails: the last vector of a strip is always handled with an __mmask16 (masked loads
 *    of bias / partial sums / residual never touch the lanes past n, the masked store never
 *    writes them); the k loop itself never needs a mask because B is packed zero-padded.
 *  - cache tiling: k is cut into near-equal chunks of at most KC_MAX = 128, so a packed
 *    KC x NR panel of B (<= 24 KB) stays in L1 while the micro-kernel sweeps MC rows of A
 *    (an MC x KC block sized to stay in L2). B is packed per (k chunk, row block, strip)
 *    into a 64-byte aligned stack buffer, so the panel's stride no longer depends on n (no
 *    cache-set conflicts for n = 256) and every B load is an aligned full vector.
 *  - the first k chunk starts from the bias, later ones reload the partial sums from out;
 *    the last applies ReLU/ReLU6 and adds the residual while storing.
 *  - OpenMP: each thread takes one static contiguous block of rows (a multiple of 24, the
 *    common multiple of the row tiles), exactly like the AVX2 kernel.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>

#include "kernels_isa.h"

#define KC_MAX 128            /* k chunk: KC_MAX x 48 floats of packed B = 24 KB */
#define MC_BYTES (128 * 1024) /* target size of the MC x KC block of A */
#define ROW_UNIT 24           /* multiple of every MR: thread blocks and row blocks */

/* mask with the first `nvalid` (1..16) lanes set */
static inline __mmask16 tail_mask(int nvalid)
{
    return (__mmask16)((1u << nvalid) - 1u);
}

enum { FIRST = 1, LAST = 2 };

typedef struct {
    int kc;                 /* k steps in this chunk */
    const float *a;         /* first A row of the tile, at this chunk's first k */
    int lda;                /* = k */
    const float *bp;        /* packed panel: kc rows of NV*16 floats */
    float *c;               /* output tile origin */
    int ldc;                /* = n */
    __mmask16 lastm;        /* valid lanes of the strip's last vector */
    const float *bias;      /* bias + strip column (NULL: no bias) */
    const float *res;       /* residual tile origin (NULL: none) */
    int flags;              /* FIRST / LAST */
    bd_act act;
} tile_args;

/* The micro-kernel, instantiated below for constant MR and NV: after inlining and full
 * unrolling the acc array lives in registers. Vector v < NV-1 of a row is always full;
 * vector NV-1 goes through the mask (all ones when the strip is full). */
static inline __attribute__((always_inline)) void tile(const int MR, const int NV,
                                                       const tile_args *t)
{
    __m512 acc[12][3];
    const __mmask16 lastm = t->lastm;
    const float *a = t->a, *const bias = t->bias, *const res = t->res;
    float *const c = t->c;
    const size_t lda = (size_t)t->lda, ldc = (size_t)t->ldc;
    const bd_act act = t->act;
    const int kc = t->kc, flags = t->flags;

    /* ---- initial accumulators: bias (first chunk) or the partial sums in out ---- */
    if (flags & FIRST) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            __m512 b = _mm512_setzero_ps();
            if (bias)
                b = v == NV - 1 ? _mm512_maskz_loadu_ps(lastm, bias + 16 * v)
                                : _mm512_loadu_ps(bias + 16 * v);
#pragma GCC unroll 12
            for (int r = 0; r < MR; r++)
                acc[r][v] = b;
        }
    } else {
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = v == NV - 1 ? _mm512_maskz_loadu_ps(lastm, c + r * ldc + 16 * v)
                                        : _mm512_loadu_ps(c + r * ldc + 16 * v);
    }

    /* ---- the k loop: NV loads and MR broadcasts feed MR*NV FMAs ---- */
    const float *bp = t->bp;
    for (int p = 0; p < kc; p++) {
        __m512 b[3];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            b[v] = _mm512_load_ps(bp + 16 * v);
        bp += 16 * NV;
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++) {
            const __m512 x = _mm512_set1_ps(a[r * lda + p]);
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = _mm512_fmadd_ps(x, b[v], acc[r][v]);
        }
    }

    /* ---- epilogue: activation, residual, store ---- */
    const int last = flags & LAST;
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.0f);
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            const int part = v == NV - 1;
            __m512 x = acc[r][v];
            if (last) {
                if (act != BD_ACT_NONE)
                    x = _mm512_max_ps(x, zero);
                if (act == BD_ACT_RELU6)
                    x = _mm512_min_ps(x, six);
                if (res) {
                    const float *rp = res + r * ldc + 16 * v;
                    x = _mm512_add_ps(x, part ? _mm512_maskz_loadu_ps(lastm, rp)
                                              : _mm512_loadu_ps(rp));
                }
            }
            if (part)
                _mm512_mask_storeu_ps(c + r * ldc + 16 * v, lastm, x);
            else
                _mm512_storeu_ps(c + r * ldc + 16 * v, x);
        }
    }
}

typedef void (*tile_fn)(const tile_args *t);
#define TILE(MR, NV) \
    static void tile_##MR##x##NV(const tile_args *t) { tile(MR, NV, t); }
TILE(1, 1) TILE(2, 1) TILE(3, 1) TILE(4, 1) TILE(5, 1) TILE(6, 1) TILE(7, 1) TILE(8, 1)
TILE(1, 2) TILE(2, 2) TILE(3, 2) TILE(4, 2) TILE(5, 2) TILE(6, 2) TILE(7, 2) TILE(8, 2)
TILE(9, 2) TILE(10, 2) TILE(11, 2) TILE(12, 2)
TILE(1, 3) TILE(2, 3) TILE(3, 3) TILE(4, 3) TILE(5, 3) TILE(6, 3) TILE(7, 3) TILE(8, 3)

static const tile_fn tiles[4][13] = {
    {0},
    {0, tile_1x1, tile_2x1, tile_3x1, tile_4x1, tile_5x1, tile_6x1, tile_7x1, tile_8x1},
    {0, tile_1x2, tile_2x2, tile_3x2, tile_4x2, tile_5x2, tile_6x2, tile_7x2, tile_8x2,
     tile_9x2, tile_10x2, tile_11x2, tile_12x2},
    {0, tile_1x3, tile_2x3, tile_3x3, tile_4x3, tile_5x3, tile_6x3, tile_7x3, tile_8x3},
};
static const int tile_mr[4] = {0, 8, 12, 8};

/* Copy B[0..kc)[0..ncols) (row stride n) into bp as kc rows of nv*16 floats, zero-padded. */
static void pack_b(float *bp, const float *b, int kc, int n, int nv, int ncols)
{
    const int full = ncols / 16, rem = ncols % 16;
    const __mmask16 m = tail_mask(rem ? rem : 16);
    for (int p = 0; p < kc; p++, b += n, bp += 16 * nv) {
        int v = 0;
        for (; v < full; v++)
            _mm512_store_ps(bp + 16 * v, _mm512_loadu_ps(b + 16 * v));
        if (rem) {
            _mm512_store_ps(bp + 16 * v, _mm512_maskz_loadu_ps(m, b + 16 * v));
            v++;
        }
        for (; v < nv; v++)
            _mm512_store_ps(bp + 16 * v, _mm512_setzero_ps());
    }
}

/* vectors of the strip starting at column j */
static inline int strip_nv(int n, int j, int wide)
{
    int left = n - j;
    if (left >= 16 * wide)
        return wide;
    return (left + 15) / 16;
}

/* One thread's share: output rows [r0, r1). */
static void pw_rows(const float *in, int r0, int r1, int k, float *out, int n, const float *w,
                    const float *bias, const float *res, bd_act act)
{
    float bp[KC_MAX * 48] __attribute__((aligned(64)));
    const int wide = (n % 48 == 0 || n % 32 != 0) ? 3 : 2;
    const int nchunks = k > KC_MAX ? (k + KC_MAX - 1) / KC_MAX : 1;
    for (int ch = 0; ch < nchunks; ch++) {
        const int pc = (int)((long long)k * ch / nchunks);
        const int kc = (int)((long long)k * (ch + 1) / nchunks) - pc;
        int mc = MC_BYTES / (4 * (kc > 0 ? kc : 1));
        mc = mc < 2 * ROW_UNIT ? 2 * ROW_UNIT : mc / ROW_UNIT * ROW_UNIT;
        tile_args t = {.kc = kc, .lda = k, .ldc = n, .act = act,
                       .flags = (ch == 0 ? FIRST : 0) | (ch == nchunks - 1 ? LAST : 0)};
        for (int i0 = r0; i0 < r1; i0 += mc) {
            const int i1 = i0 + mc < r1 ? i0 + mc : r1;
            for (int j = 0; j < n; ) {
                const int nv = strip_nv(n, j, wide);
                const int ncols = n - j < 16 * nv ? n - j : 16 * nv;
                const int mr = tile_mr[nv];
                pack_b(bp, w + (size_t)pc * n + j, kc, n, nv, ncols);
                t.bp = bp;
                t.lastm = tail_mask(ncols - 16 * (nv - 1));
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

void bd_pwconv_avx512(const float *in, int m, int k, float *out, int n, const float *weight,
                   const float *bias, const float *residual, bd_act act)
{
    if (m <= 0 || n <= 0)
        return;
    const int nth = bd_kernel_threads((double)m * k * n);
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int r0, r1;
        bd_split_range(m, ROW_UNIT, omp_get_num_threads(), omp_get_thread_num(), &r0, &r1);
        if (r0 < r1)
            pw_rows(in, r0, r1, k, out, n, weight, bias, residual, act);
    }
}
