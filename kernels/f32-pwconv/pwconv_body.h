/* pwconv_body.h — the 1x1 convolution driver (out = act(in x W + bias) + residual), written
 * once and compiled per ISA: pwconv_<isa>.c includes simd/vec_<isa>.h (vector primitives,
 * VEC_N floats per vector) and then this file, after setting its register blocking:
 *   PW_MR1, PW_MR2, PW_MR3  rows of the micro-kernel tile that is 1, 2 or 3 vectors wide
 *                           (each at most 12 and a divisor of ROW_UNIT = 24)
 *   PW_KC_MAX               longest k chunk (KC_MAX x 3 vectors of packed B stay in L1)
 *   PW_MC_BYTES             target size of the MC x KC block of A (stays in L2)
 *
 * This GEMM is ~85% of the network's work, so it is register-blocked and cache-tiled:
 *  - micro-kernel: MR rows x NR = NV * VEC_N columns of the output live in vector
 *    accumulators for the whole k loop. Each k step loads the NV vectors of the packed B
 *    row, broadcasts one element of each of the MR A rows and issues MR * NV FMAs. The
 *    strip width is chosen per n: n % (3 VEC_N) == 0 uses 3-vector strips, else
 *    n % (2 VEC_N) == 0 2-vector ones, otherwise 3-vector strips plus one narrower
 *    remainder strip whose last vector may be partial.
 *  - tails: the last vector of a strip goes through the ISA's mask (bias, partial sums and
 *    residual loads never touch the lanes past n, the store never writes them): only when
 *    it is partial, or always where masking is free (VEC_MASK_FREE). The k loop never
 *    needs a mask because B is packed zero-padded.
 *  - cache tiling: k is cut into near-equal chunks of at most PW_KC_MAX, so a packed
 *    KC x NR panel of B stays in L1 while the micro-kernel sweeps MC rows of A. B is packed
 *    per (k chunk, row block, strip) into a 64-byte aligned stack buffer, so the panel's
 *    stride no longer depends on n (no cache-set conflicts for n = 256) and every B load is
 *    an aligned full vector.
 *  - the first k chunk starts from the bias, later ones reload the partial sums from out;
 *    the last applies ReLU/ReLU6 and adds the residual while storing. Each output value is
 *    one chain of FMAs over k in order, whatever the blocking.
 *  - OpenMP: each thread takes one static contiguous block of rows (a multiple of
 *    ROW_UNIT, the common multiple of the row tiles).
 */
#include <omp.h>
#include <stddef.h>

#include "kernels_isa.h"

#define ROW_UNIT 24 /* multiple of every MR: thread blocks and row blocks */
#define PW_MAX_(a, b) ((a) > (b) ? (a) : (b))
#define PW_MR_MAX PW_MAX_(PW_MR1, PW_MAX_(PW_MR2, PW_MR3))
_Static_assert(PW_MR_MAX <= 12 && ROW_UNIT % PW_MR1 == 0 && ROW_UNIT % PW_MR2 == 0 &&
                   ROW_UNIT % PW_MR3 == 0,
               "pwconv: each MR must divide ROW_UNIT and be at most 12");

enum { FIRST = 1, LAST = 2 };

typedef struct {
    int kc;                 /* k steps in this chunk */
    const float *a;         /* first A row of the tile, at this chunk's first k */
    int lda;                /* = k */
    const float *bp;        /* packed panel: kc rows of NV * VEC_N floats */
    float *c;               /* output tile origin */
    int ldc;                /* = n */
    int last_valid;         /* valid lanes (1..VEC_N) of the strip's last vector */
    vec_mask lastm;         /* and their mask */
    const float *bias;      /* bias + strip column (NULL: no bias) */
    const float *res;       /* residual tile origin (NULL: none) */
    int flags;              /* FIRST / LAST */
    bd_act act;
} tile_args;

/* The micro-kernel, instantiated below for constant MR and NV: after inlining and full
 * unrolling the acc array lives in registers. Vector v < NV-1 of a row is always full;
 * vector NV-1 goes through the mask when `part`. */
static inline __attribute__((always_inline)) void tile(const int MR, const int NV,
                                                       const tile_args *t)
{
    vec_f acc[PW_MR_MAX][3];
    const vec_mask lastm = t->lastm;
    const int full = !VEC_MASK_FREE && t->last_valid == VEC_N;
    const float *a = t->a;
    const size_t lda = (size_t)t->lda, ldc = (size_t)t->ldc;
#define LD(p, v) ((v) == NV - 1 && !full ? vec_load_mask((p), lastm) : vec_load(p))

    /* ---- initial accumulators: bias (first chunk) or the partial sums in out ---- */
    if (t->flags & FIRST) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            vec_f b = vec_zero();
            if (t->bias)
                b = LD(t->bias + VEC_N * v, v);
#pragma GCC unroll 12
            for (int r = 0; r < MR; r++)
                acc[r][v] = b;
        }
    } else {
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = LD(t->c + r * ldc + VEC_N * v, v);
    }

    /* ---- the k loop: NV loads and MR broadcasts feed MR*NV FMAs ---- */
    const float *bp = t->bp;
    for (int p = 0; p < t->kc; p++) {
        vec_f b[3];
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++)
            b[v] = vec_load_aligned(bp + VEC_N * v);
        bp += VEC_N * NV;
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++) {
            const vec_f x = vec_broadcast(a + r * lda + p);
#pragma GCC unroll 3
            for (int v = 0; v < NV; v++)
                acc[r][v] = vec_fma(acc[r][v], x, b[v]);
        }
    }

    /* ---- epilogue: activation, residual, store ---- */
    const int last = t->flags & LAST;
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; v++) {
            const int part = v == NV - 1 && !full;
            vec_f x = acc[r][v];
            if (last) {
                x = vec_act(x, t->act);
                if (t->res)
                    x = vec_add(x, LD(t->res + r * ldc + VEC_N * v, v));
            }
            if (part)
                vec_store_mask(t->c + r * ldc + VEC_N * v, lastm, x);
            else
                vec_store(t->c + r * ldc + VEC_N * v, x);
        }
    }
#undef LD
}

/* Every MR x NV shape up to 12 x 3; the table keeps those with MR <= PW_MR<NV> (the others
 * are never referenced, so the compiler drops them). */
typedef void (*tile_fn)(const tile_args *t);
#define TILE(MR, NV) \
    static void tile_##MR##x##NV(const tile_args *t) { tile(MR, NV, t); }
#define TILES(NV)                                                                        \
    TILE(1, NV) TILE(2, NV) TILE(3, NV) TILE(4, NV) TILE(5, NV) TILE(6, NV) TILE(7, NV)  \
    TILE(8, NV) TILE(9, NV) TILE(10, NV) TILE(11, NV) TILE(12, NV)
TILES(1) TILES(2) TILES(3)
#define T(MR, NV) ((MR) <= PW_MR##NV ? tile_##MR##x##NV : NULL)
#define TROW(NV)                                                                          \
    {NULL, T(1, NV), T(2, NV), T(3, NV), T(4, NV), T(5, NV), T(6, NV), T(7, NV), T(8, NV), \
     T(9, NV), T(10, NV), T(11, NV), T(12, NV)}
static const tile_fn tiles[4][13] = {{NULL}, TROW(1), TROW(2), TROW(3)};
static const int tile_mr[4] = {0, PW_MR1, PW_MR2, PW_MR3};

/* Copy B[0..kc)[0..ncols) (row stride n) into bp as kc rows of nv vectors, zero-padded. */
static void pack_b(float *bp, const float *b, int kc, int n, int nv, int ncols)
{
    const int full = ncols / VEC_N, rem = ncols % VEC_N;
    const vec_mask m = tail_mask(rem ? rem : VEC_N);
    for (int p = 0; p < kc; p++, b += n, bp += VEC_N * nv) {
        int v = 0;
        for (; v < full; v++)
            vec_store_aligned(bp + VEC_N * v, vec_load(b + VEC_N * v));
        if (rem) {
            vec_store_aligned(bp + VEC_N * v, vec_load_mask(b + VEC_N * v, m));
            v++;
        }
        for (; v < nv; v++)
            vec_store_aligned(bp + VEC_N * v, vec_zero());
    }
}

/* vectors of the strip starting at column j */
static inline int strip_nv(int n, int j, int wide)
{
    int left = n - j;
    if (left >= VEC_N * wide)
        return wide;
    return (left + VEC_N - 1) / VEC_N;
}

/* One thread's share: output rows [r0, r1). */
static void pw_rows(const float *in, int r0, int r1, int k, float *out, int n, const float *w,
                    const float *bias, const float *res, bd_act act)
{
    float bp[PW_KC_MAX * 3 * VEC_N] __attribute__((aligned(64)));
    const int wide = (n % (3 * VEC_N) == 0 || n % (2 * VEC_N) != 0) ? 3 : 2;
    const int nchunks = k > PW_KC_MAX ? (k + PW_KC_MAX - 1) / PW_KC_MAX : 1;
    for (int ch = 0; ch < nchunks; ch++) {
        const int pc = (int)((long long)k * ch / nchunks);
        const int kc = (int)((long long)k * (ch + 1) / nchunks) - pc;
        int mc = PW_MC_BYTES / (4 * (kc > 0 ? kc : 1));
        mc = mc < 2 * ROW_UNIT ? 2 * ROW_UNIT : mc / ROW_UNIT * ROW_UNIT;
        tile_args t = {.kc = kc, .lda = k, .ldc = n, .act = act,
                       .flags = (ch == 0 ? FIRST : 0) | (ch == nchunks - 1 ? LAST : 0)};
        for (int i0 = r0; i0 < r1; i0 += mc) {
            const int i1 = i0 + mc < r1 ? i0 + mc : r1;
            for (int j = 0; j < n; ) {
                const int nv = strip_nv(n, j, wide);
                const int ncols = n - j < VEC_N * nv ? n - j : VEC_N * nv;
                const int mr = tile_mr[nv];
                pack_b(bp, w + (size_t)pc * n + j, kc, n, nv, ncols);
                t.bp = bp;
                t.last_valid = ncols - VEC_N * (nv - 1);
                t.lastm = tail_mask(t.last_valid);
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

void BD_ISA_FN(bd_pwconv)(const float *in, int m, int k, float *out, int n,
                          const float *weight, const float *bias, const float *residual,
                          bd_act act)
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
