/* qu8_pwconv_avx512.c — the uint8 1x1 convolution with AVX-512 VNNI, bit-identical to
 * qu8_pwconv_ref.c.
 *
 * vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes and adds the 4 products to an int32
 * lane: 64 multiply-adds per instruction. Activations are unsigned already; the uint8 weights
 * are stored as w - 128 (signed) and the difference is put back exactly:
 *   sum_t (x_t - in_zp)(w_t - w_zp)
 *     = sum_t x_t (w_t - 128)  +  (128 - w_zp) sum_t x_t  -  in_zp sum_t (w_t - w_zp)
 * The last term is a constant per output channel, folded into the bias when the weights are
 * packed; the middle one needs the row's byte sum, once per pixel. Where 128 - w_zp fits a
 * signed byte (w_zp >= 1) and the rows are short, that sum comes from the multiply-adds
 * themselves: one more vpdpbusd per input quad, of the same broadcast row bytes against
 * 128 - w_zp in every byte, adds exactly (128 - w_zp) sum_t x_t to a lane; cheaper than a
 * separate horizontal sum per row when k is small. Everything is integer and
 * exact, so the accumulators equal the reference's; the requantisation (simd/qu8_requant_avx512.h) is the same
 * fixed point as kernels_fixedpoint.h, lane by lane:
 *   srdhm(a, M) = (a * M + 2^30) >> 31 on 64-bit products (the nudge-and-truncate of the
 *   reference is this floor for every sign; M >= 0, so the saturating case never occurs),
 *   then the rounding right shift with its remainder test.
 * Packed weights (built once by bd_qu8_pw_pack_avx512): int32 bias'[n16], then for each
 * block of 16 output channels and each group of 4 input channels 64 bytes, channel-major
 * (byte 4c + u = w[4g + u][16b + c] - 128; padding 0).
 */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx512.h"

static size_t groups(int k) { return (size_t)(k + 3) / 4; }
static size_t blocks(int n) { return (size_t)(n + 15) / 16; }

size_t bd_qu8_pw_packed_size_avx512(int k, int n)
{
    return blocks(n) * 16 * sizeof(int32_t) + blocks(n) * groups(k) * 64;
}

void bd_qu8_pw_pack_avx512(const uint8_t *w, const int32_t *bias, int k, int n,
                           const bd_qu8_conv *p, void *dst)
{
    int32_t *b2 = dst;
    int8_t *pw = (int8_t *)dst + blocks(n) * 16 * sizeof(int32_t);
    memset(dst, 0, bd_qu8_pw_packed_size_avx512(k, n));
    for (int j = 0; j < n; j++) {
        int32_t colsum = 0;
        for (int t = 0; t < k; t++)
            colsum += (int32_t)w[(size_t)t * n + j] - p->w_zp;
        /* modulo 2^32, like the accumulators: only the final sum has to fit int32 */
        b2[j] = (int32_t)((uint32_t)bias[j] - (uint32_t)p->in_zp * (uint32_t)colsum);
    }
    for (size_t b = 0; b < blocks(n); b++)
        for (size_t g = 0; g < groups(k); g++)
            for (int c = 0; c < 16; c++)
                for (int u = 0; u < 4; u++) {
                    size_t t = 4 * g + (size_t)u, j = 16 * b + (size_t)c;
                    if (t < (size_t)k && j < (size_t)n)
                        pw[(b * groups(k) + g) * 64 + 4 * (size_t)c + (size_t)u] =
                            (int8_t)((int32_t)w[t * n + j] - 128);
                }
}

/* the one-rounding form unclamped, or a float form (form 1, 2: in lo..hi already; 3, 4: not
 * clamped, rq->fwide): the packs and the byte clamp after them make each exact */
static inline __m512i rq16(__m512i acc, const qu8_rq16 *f, const int form)
{
    return form ? qu8_rq16_float(acc, f, form) : qu8_rq16_core(acc, f);
}

/* 16 bytes of a row: form 1 / 2 the float forms (already in lo..hi), else the one-rounding
 * form clamped where it is exact, the reference's two roundings elsewhere */
static inline __m128i bytes16(__m512i acc, const qu8_rq16 *f, const bd_qu8_requant *rq,
                              const int form)
{
    return form ? _mm512_cvtepi32_epi8(qu8_rq16_float(acc, f, form > 2 ? form - 2 : form))  /* (clamped) */
         : f->fast ? _mm512_cvtepi32_epi8(qu8_rq16_clamp(qu8_rq16_core(acc, f), f))
                   : requant16(acc, rq);
}

/* 4 input bytes t = 4g .. 4g+3 of a row as one int32 (zeros past k: their weights are 0,
 * and the row may end there). */
static inline int32_t quad(const uint8_t *row, size_t g, int k)
{
    int32_t v = 0;
    size_t t = 4 * g;
    if (t + 4 <= (size_t)k) {
        memcpy(&v, row + t, 4);
        return v;
    }
    uint32_t u = 0;                  /* byte by byte: no memcpy call of a variable size */
    for (size_t i = 0; t + i < (size_t)k; i++)
        u |= (uint32_t)row[t + i] << (8 * i);
    return (int32_t)u;
}

#define MR 6           /* rows (pixels) per tile */
#define NBMAX 4        /* blocks of 16 output channels per tile: 6 x 4 accumulators */

/* The byte sum of a row (vpsadbw against zero adds 8 bytes into each 64-bit lane). */
static inline int32_t row_sum(const uint8_t *row, int k)
{
    __m512i s = _mm512_setzero_si512();
    for (int t = 0; t < k; t += 64) {
        const __mmask64 mk = k - t >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (k - t)) - 1;
        s = _mm512_add_epi64(s, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(mk, row + t),
                                                _mm512_setzero_si512()));
    }
    return (int32_t)_mm512_reduce_add_epi64(s);
}

/* One tile: MR rows times nb (1..NBMAX, a constant once inlined) blocks of 16 output
 * channels from column col0: per group of 4 inputs nb weight loads, MR broadcasts and
 * MR x nb vpdpbusd. Rows past `rows` repeat the last row and are not stored. */
static inline __attribute__((always_inline))
void tile(const uint8_t *const row[MR], const __m512i fix[MR], const __m512i tail[MR],
          const int8_t *w, size_t bstride, size_t kg, size_t kfull, const int32_t *bias,
          const int nb, int col0, int n, uint8_t *out, int rows, const bd_qu8_conv *p,
          const qu8_rq16 *f, const int inl, __m512i cvec, const int form)
{
    __m512i acc[MR][NBMAX], wv[NBMAX], sx[MR];
    #pragma GCC unroll 4
    for (int j = 0; j < nb; j++)
        wv[j] = _mm512_loadu_si512(bias + col0 + 16 * j);
    #pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        #pragma GCC unroll 4
        for (int j = 0; j < nb; j++)
            acc[r][j] = inl ? wv[j] : _mm512_add_epi32(wv[j], fix[r]);
        sx[r] = _mm512_setzero_si512();
    }
    for (size_t g = 0; g < kfull; g++) {
        #pragma GCC unroll 4
        for (int j = 0; j < nb; j++)
            wv[j] = _mm512_loadu_si512(w + j * bstride + g * 64);
        #pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            int32_t q;
            memcpy(&q, row[r] + 4 * g, 4);
            const __m512i a = _mm512_set1_epi32(q);
            #pragma GCC unroll 4
            for (int j = 0; j < nb; j++)
                acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], a, wv[j]);
            if (inl == 1)                 /* one block: straight into its accumulator */
                acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, cvec);
            else if (inl)
                sx[r] = _mm512_dpbusd_epi32(sx[r], a, cvec);
        }
    }
    if (kfull < kg) {
        #pragma GCC unroll 4
        for (int j = 0; j < nb; j++)
            wv[j] = _mm512_loadu_si512(w + j * bstride + kfull * 64);
        #pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            #pragma GCC unroll 4
            for (int j = 0; j < nb; j++)
                acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], tail[r], wv[j]);
            if (inl == 1)
                acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], tail[r], cvec);
            else if (inl)
                sx[r] = _mm512_dpbusd_epi32(sx[r], tail[r], cvec);
        }
    }
    if (inl > 1) {
        #pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            #pragma GCC unroll 4
            for (int j = 0; j < nb; j++)
                acc[r][j] = _mm512_add_epi32(acc[r][j], sx[r]);
        }
    }
    if ((form || f->fast) && nb >= 2 && n - col0 >= 16 * nb) {
        /* 32, 48 or 64 channels of a row: vpackssdw, vpackuswb (saturating, exact on
         * 0..255), the clamp on bytes, and a dword permute undoing the packs' 128-bit lane
         * order (the same for 2, 3 and 4 blocks: block j's 4 bytes of lane L end up at dword
         * 4L + j); then 64, or 32 (+ 16) bytes stored */
        const __m512i lo = _mm512_set1_epi8((char)p->rq.lo), hi = _mm512_set1_epi8((char)p->rq.hi);
        const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        #pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            if (r >= rows)
                break;
            const __m512i v01 = _mm512_packs_epi32(rq16(acc[r][0], f, form), rq16(acc[r][1], f, form));
            const __m512i c2 = nb > 2 ? rq16(acc[r][2], f, form) : _mm512_setzero_si512();
            const __m512i v23 = _mm512_packs_epi32(c2, nb > 3 ? rq16(acc[r][3], f, form) : c2);
            __m512i v = _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(v01, v23), lo), hi);
            v = _mm512_permutexvar_epi32(order, v);
            uint8_t *o = out + (size_t)r * n + col0;
            if (nb == 4) {
                _mm512_storeu_si512(o, v);
            } else {
                _mm256_storeu_si256((__m256i *)(void *)o, _mm512_castsi512_si256(v));
                if (nb == 3)
                    _mm_storeu_si128((__m128i *)(void *)(o + 32), _mm512_extracti32x4_epi32(v, 2));
            }
        }
        return;
    }
    /* (loops with constant bounds, unrolled, so acc stays in registers above) */
    #pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        if (r >= rows)
            break;
        #pragma GCC unroll 4
        for (int j = 0; j < nb; j++) {
            const int nj = n - col0 - 16 * j < 16 ? n - col0 - 16 * j : 16;
            const __m128i v = bytes16(acc[r][j], f, &p->rq, form);
            _mm_mask_storeu_epi8(out + (size_t)r * n + col0 + 16 * j, (__mmask16)((1u << nj) - 1), v);
        }
    }
}

/* Whether the row sums come from the multiply-adds (see the top): 128 - w_zp must be a
 * signed byte, the tiles at most 3 blocks wide (the sums take a register per row), and the
 * rows short enough that kg more vpdpbusd per row cost less than a horizontal sum (on Zen
 * 4: up to k = 32; at 48 the separate sum is already faster). */
static int in_loop_sum(const bd_qu8_conv *p, int k, int nb)
{
    return p->w_zp >= 1 && nb <= 3 && k <= 32;
}

#define MP 6           /* row pairs per tile of the narrow form */

/* a in lanes 0..7, b in lanes 8..15 */
static inline __m512i two_rows(int32_t a, int32_t b)
{
    return _mm512_mask_broadcastd_epi32(_mm512_set1_epi32(a), (__mmask16)0xFF00, _mm_cvtsi32_si128(b));
}

/* n <= 8 output channels: half of a 16-lane block would be empty, so one vector holds two
 * rows, lanes 0..7 row r and 8..15 row r + 1 (the weights' lanes 0..7 repeated, each row's
 * input quads broadcast to its half), which halves the multiply-adds and requantisations;
 * with n = 8 the two rows' outputs are 16 adjacent bytes. */
static inline __attribute__((always_inline))
void narrow(const uint8_t *in, int m, int k, uint8_t *out, int n, const int32_t *b2,
            const int8_t *pw, size_t kg, size_t kfull, const bd_qu8_conv *p, const qu8_rq16 *f,
            const int inl, const int form)
{
    const int32_t wfix = 128 - p->w_zp;
    const __m512i cvec = _mm512_set1_epi8((char)(inl ? wfix : 0));
    const int pairs = (m + 1) / 2, tiles = (pairs + MP - 1) / MP;
    const __m512i bias = _mm512_shuffle_i64x2(_mm512_loadu_si512(b2), _mm512_loadu_si512(b2), 0x44);
    #pragma omp parallel for schedule(guided)
    for (int ti = 0; ti < tiles; ti++) {
        const int p0 = ti * MP, np = pairs - p0 < MP ? pairs - p0 : MP;
        const uint8_t *row[MP][2];
        __m512i acc[MP];
        #pragma GCC unroll 6
        for (int r = 0; r < MP; r++) {
            for (int h = 0; h < 2; h++) {
                int i = 2 * (p0 + (r < np ? r : np - 1)) + h;
                row[r][h] = in + (size_t)(i < m ? i : m - 1) * k;
            }
            acc[r] = inl ? bias : _mm512_add_epi32(bias, two_rows(
                (int32_t)((uint32_t)wfix * (uint32_t)row_sum(row[r][0], k)),
                (int32_t)((uint32_t)wfix * (uint32_t)row_sum(row[r][1], k))));
        }
        for (size_t g = 0; g < kg; g++) {
            const __m512i w1 = _mm512_loadu_si512(pw + g * 64), wv = _mm512_shuffle_i64x2(w1, w1, 0x44);
            #pragma GCC unroll 6
            for (int r = 0; r < MP; r++) {
                int32_t q0, q1;
                if (g < kfull) {
                    memcpy(&q0, row[r][0] + 4 * g, 4);
                    memcpy(&q1, row[r][1] + 4 * g, 4);
                } else {                                 /* k % 4 */
                    q0 = quad(row[r][0], g, k);
                    q1 = quad(row[r][1], g, k);
                }
                const __m512i a = two_rows(q0, q1);
                acc[r] = _mm512_dpbusd_epi32(acc[r], a, wv);
                if (inl)
                    acc[r] = _mm512_dpbusd_epi32(acc[r], a, cvec);
            }
        }
        #pragma GCC unroll 6
        for (int r = 0; r < MP; r++) {
            if (r >= np)
                break;
            const __m128i v = bytes16(acc[r], f, &p->rq, form);
            const int i = 2 * (p0 + r);
            uint8_t *o = out + (size_t)i * n;
            if (n == 8 && i + 1 < m) {
                _mm_storeu_si128((__m128i *)(void *)o, v);
            } else {
                _mm_mask_storeu_epi8(o, (__mmask16)((1u << n) - 1), v);
                if (i + 1 < m)
                    _mm_mask_storeu_epi8(o + n, (__mmask16)((1u << n) - 1), _mm_srli_si128(v, 8));
            }
        }
    }
}

static void pw_narrow(const uint8_t *in, int m, int k, uint8_t *out, int n, const int32_t *b2,
                      const int8_t *pw, size_t kg, size_t kfull, const bd_qu8_conv *p,
                      const qu8_rq16 *f)
{
    const int inl = in_loop_sum(p, k, 1);
#define NARROW(i, fm) narrow(in, m, k, out, n, b2, pw, kg, kfull, p, f, i, fm)
    switch (f->flt * 2 + inl) {
    case 0: NARROW(0, 0); break;
    case 1: NARROW(1, 0); break;
    case 2: NARROW(0, 1); break;
    case 3: NARROW(1, 1); break;
    case 4: NARROW(0, 2); break;
    default: NARROW(1, 2); break;
    }
#undef NARROW
}

/* The tiles of rows [i0, i0 + MR): all blocks of 16 channels (inl: the row sums from the
 * multiply-adds, a constant once inlined, so each form is its own loop). */
static inline __attribute__((always_inline))
void tile_rows(const uint8_t *in, int m, int k, uint8_t *out, int n, const int32_t *b2,
               const int8_t *pw, size_t kg, size_t kfull, size_t nb, size_t bstride, int i0,
               const bd_qu8_conv *p, const qu8_rq16 *f, const int inl, const __m512i cvec,
               const int form)
{
    const int32_t wfix = 128 - p->w_zp;
    const int rows = m - i0 < MR ? m - i0 : MR;
    const uint8_t *row[MR];
    __m512i fix[MR], tail[MR];
    for (int r = 0; r < MR; r++) {
        row[r] = in + (size_t)(i0 + (r < rows ? r : rows - 1)) * k;
        fix[r] = inl ? _mm512_setzero_si512()
                     : _mm512_set1_epi32((int32_t)((uint32_t)wfix * (uint32_t)row_sum(row[r], k)));
        tail[r] = kfull < kg ? _mm512_set1_epi32(quad(row[r], kfull, k))   /* k % 4 */
                             : _mm512_setzero_si512();
    }
    uint8_t *o = out + (size_t)i0 * n;
    size_t b = 0;
#define TILE(nbc, inlc) tile(row, fix, tail, pw + b * bstride, bstride, kg, kfull, b2, nbc, 16 * (int)b, \
                             n, o, rows, p, f, inlc, cvec, form)
    if (!inl)                          /* (in_loop_sum is never true with 4 blocks) */
        for (; b + 4 <= nb; b += 4)
            TILE(4, 0);
    switch (nb - b) {
    case 3: TILE(3, inl ? 2 : 0); break;
    case 2: TILE(2, inl ? 2 : 0); break;
    case 1: TILE(1, inl ? 1 : 0); break;
    default: break;
    }
#undef TILE
}

void bd_qu8_pwconv_packed_avx512(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                 const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b2 = packed;
    const int8_t *pw = (const int8_t *)packed + blocks(n) * 16 * sizeof(int32_t);
    const size_t kg = groups(k), kfull = (size_t)k / 4, nb = blocks(n), bstride = kg * 64;
    const int tiles = (m + MR - 1) / MR;
    const qu8_rq16 f = qu8_rq16_setup(&p->rq, 0);
    if (n <= 8) {
        pw_narrow(in, m, k, out, n, b2, pw, kg, kfull, p, &f);
        return;
    }
    const int inl = in_loop_sum(p, k, (int)nb);
    const __m512i cvec = _mm512_set1_epi8((char)(inl ? 128 - p->w_zp : 0));
    /* (the sum form and the requantisation form constant in each loop) */
#define ROWS(i, fm)                                                                         \
    do {                                                                                    \
        _Pragma("omp parallel for schedule(guided)")                                        \
        for (int ti = 0; ti < tiles; ti++)                                                  \
            tile_rows(in, m, k, out, n, b2, pw, kg, kfull, nb, bstride, ti * MR, p, &f, i,  \
                      cvec, fm);                                                            \
    } while (0)
    const int form = qu8_rq16_float_form(&f);
    switch (form * 2 + inl) {
    case 0: ROWS(0, 0); break;
    case 1: ROWS(1, 0); break;
    case 2: ROWS(0, 1); break;
    case 3: ROWS(1, 1); break;
    case 4: ROWS(0, 2); break;
    case 5: ROWS(1, 2); break;
    case 6: ROWS(0, 3); break;
    case 7: ROWS(1, 3); break;
    case 8: ROWS(0, 4); break;
    default: ROWS(1, 4); break;
    }
#undef ROWS
}
