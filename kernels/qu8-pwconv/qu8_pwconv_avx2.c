/* qu8_pwconv_avx2.c — the uint8 1x1 convolution with AVX2, bit-identical to
 * qu8_pwconv_ref.c.
 *
 * vpmaddwd multiplies pairs of int16 and adds each pair into an int32 lane. Both factors
 * are widened with their zero point taken off, (x - in_zp) and (w - w_zp), each in
 * -255..255, so every product and pair sum is exact and the accumulator is the reference's
 * int32 sum, in another order (which an integer sum does not notice). Input channels go in
 * pairs (t = 2q, 2q + 1): the input pair of a pixel is broadcast to all 8 lanes, the weight
 * pairs of 8 output channels sit in one register (packed once by bd_qu8_pw_pack_avx2:
 * int32 bias[n8], then per block of 8 channels and pair q 8 x 2 int16, zero padding).
 * Register tiles: 4 rows x 3 blocks of 8 channels (12 accumulators, 3 weight vectors, one
 * broadcast: all 16 ymm registers), or 6 rows x 2 blocks for narrow layers, so each weight
 * load serves 4-6 multiplies and each broadcast 2-3. The tile's rows are widened to int16
 * once (vpmovzxbw, minus in_zp) for all its columns.
 * Requantisation: the fixed point of kernels_fixedpoint.h on 8 lanes
 * (simd/qu8_requant_avx2.h: one rounding where it is exact, else the reference's two). */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "qu8_pwconv_body.h"
#include "simd/qu8_requant_avx2.h"

#define MAX_PAIRS 2048          /* rows up to 4096 channels; wider layers stay unpacked and
                                   run on the reference */
#define MR_MAX 6        /* rows per tile */
#define NB_MAX 3        /* blocks of 8 output channels per tile */

static size_t pairs(int k) { return (size_t)(k + 1) / 2; }
static size_t blocks8(int n) { return (size_t)(n + 7) / 8; }

size_t bd_qu8_pw_packed_size_avx2(int k, int n)
{
    if (pairs(k) > MAX_PAIRS)
        return 0;                      /* not packed: the network uses the reference */
    return qu8_pack_i16_size(k, n, 2);
}

void bd_qu8_pw_pack_avx2(const uint8_t *w, const int32_t *bias, int k, int n,
                         const bd_qu8_conv *p, void *dst)
{
    qu8_pack_i16(w, bias, k, n, p->w_zp, 2, dst);
}

/* What every tile of one call shares. */
typedef struct {
    const int16_t *pw;            /* the packed weight pairs */
    const int32_t *b8;            /* the bias of the n8 channels */
    size_t kp;
    int n;
    const bd_qu8_requant *rq;
    qu8_rq8 f;
} pw_ctx;

/* One tile: mr rows (of x, int16 (x - in_zp) pairs) times nb blocks of 8 output channels
 * from block b0 (mr, nb constants once inlined): per input pair nb weight loads, mr
 * broadcasts and mr x nb vpmaddwd + vpaddd, the accumulators in registers. Rows past
 * `rows` are computed on copies of the last row and not stored. */
/* The requantisation of one vector in the form chosen for the call (a constant once
 * inlined): 0 whichever rq allows (qu8_rq8_any), 1 and 2 the float forms, 3 and 4 the same
 * without the accumulator clamp (rq->fwide: every result goes through the saturating
 * packs of qu8_bytes8 / qu8_bytes16). */
static inline __m256i rq_form(__m256i acc, const pw_ctx *c, const int form)
{
    return form ? qu8_rq8_float(acc, &c->f, form) : qu8_rq8_any(acc, &c->f, c->rq, 0);
}

static inline __attribute__((always_inline))
void tile(const int16_t (*x)[2 * MAX_PAIRS], const int mr, const int nb, int rows, size_t b0,
          const pw_ctx *c, uint8_t *out, const int form)
{
    __m256i acc[MR_MAX][NB_MAX];
    #pragma GCC unroll 3
    for (int j = 0; j < nb; j++) {
        const __m256i bias = _mm256_loadu_si256((const __m256i *)(const void *)(c->b8 + 8 * (b0 + (size_t)j)));
        #pragma GCC unroll 6
        for (int r = 0; r < mr; r++)
            acc[r][j] = bias;
    }
    const size_t kp = c->kp, bs = kp * 16;
    const int16_t *w = c->pw + b0 * bs;
    for (size_t q = 0; q < kp; q++) {
        __m256i wv[NB_MAX];
        #pragma GCC unroll 3
        for (int j = 0; j < nb; j++)
            wv[j] = _mm256_loadu_si256((const __m256i *)(const void *)(w + (size_t)j * bs + q * 16));
        #pragma GCC unroll 6
        for (int r = 0; r < mr; r++) {
            int32_t v;
            memcpy(&v, &x[r][2 * q], 4);
            const __m256i a = _mm256_set1_epi32(v);
            #pragma GCC unroll 3
            for (int j = 0; j < nb; j++)
                acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(a, wv[j]));
        }
    }
    if (8 * ((int)b0 + nb) <= c->n) {       /* every block inside: plain stores */
        #pragma GCC unroll 6
        for (int r = 0; r < mr; r++) {
            if (r >= rows)
                break;
            uint8_t *o = out + (size_t)r * c->n + 8 * b0;
            #pragma GCC unroll 3
            for (int j = 0; j + 1 < nb; j += 2)
                _mm_storeu_si128((__m128i *)(void *)(o + 8 * j),
                                 qu8_bytes16(rq_form(acc[r][j], c, form), rq_form(acc[r][j + 1], c, form)));
            if (nb & 1)
                _mm_storel_epi64((__m128i *)(void *)(o + 8 * (nb - 1)),
                                 qu8_bytes8(rq_form(acc[r][nb - 1], c, form)));
        }
        return;
    }
    #pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
        if (r >= rows)
            break;
        uint8_t *o = out + (size_t)r * c->n + 8 * b0;
        const int left = c->n - 8 * (int)b0;      /* channels from this tile's first one */
        /* blocks two at a time: 16 bytes in one store where they are all inside */
        #pragma GCC unroll 3
        for (int j = 0; j < nb; j += 2) {
            const __m256i v0 = rq_form(acc[r][j], c, form);
            const __m256i v1 = j + 1 < nb ? rq_form(acc[r][j + 1], c, form) : v0;
            const __m128i v = qu8_bytes16(v0, v1);
            const int nj = left - 8 * j < (j + 1 < nb ? 16 : 8) ? left - 8 * j : (j + 1 < nb ? 16 : 8);
            if (nj == 16) {
                _mm_storeu_si128((__m128i *)(void *)(o + 8 * j), v);
            } else if (nj == 8) {
                _mm_storel_epi64((__m128i *)(void *)(o + 8 * j), v);
            } else {
                uint8_t tmp[16];
                _mm_storeu_si128((__m128i *)(void *)tmp, v);
                memcpy(o + 8 * j, tmp, (size_t)nj);
            }
        }
    }
}

/* The rows i0 .. i0 + mr - 1 (the last one repeated past m) as int16 (x - in_zp), 16 at a
 * time. The last vector of a row may take bytes past k (the next row's, while they are
 * inside the input): their weights are 0, so they add nothing; only at the very end of the
 * input are the last values widened one by one (and a zero completes an odd k's last pair). */
static void widen_rows(const uint8_t *in, int m, int k, int i0, int mr, int32_t in_zp,
                       int16_t (*x)[2 * MAX_PAIRS])
{
    const __m256i zp = _mm256_set1_epi16((int16_t)in_zp);
    const uint8_t *end = in + (size_t)m * k;
    for (int r = 0; r < mr; r++) {
        const uint8_t *row = in + (size_t)(i0 + r < m ? i0 + r : m - 1) * k;
        int t = 0;
        for (; t < k && row + t + 16 <= end; t += 16)
            _mm256_storeu_si256((__m256i *)(void *)&x[r][t], _mm256_sub_epi16(
                _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(row + t))), zp));
        for (; t < k; t++)
            x[r][t] = (int16_t)((int32_t)row[t] - in_zp);
        if (k & 1)
            x[r][k] = 0;
    }
}

/* Row tile ti: its rows widened once, then every block of output channels (form: see
 * rq_form, a constant once inlined). */
static inline __attribute__((always_inline))
void tiles_of_rows(const uint8_t *in, int m, int k, const bd_qu8_conv *p, const pw_ctx *c,
                   int ti, int six, int mr, size_t nb, uint8_t *out, const int form)
{
    int16_t x[MR_MAX][2 * MAX_PAIRS];
    const int i0 = ti * mr, rows = m - i0 < mr ? m - i0 : mr;
    uint8_t *o = out + (size_t)i0 * c->n;
    widen_rows(in, m, k, i0, mr, p->in_zp, x);
    if (six) {
        size_t b = 0;
        for (; b + 2 <= nb; b += 2)
            tile((const int16_t (*)[2 * MAX_PAIRS])x, 6, 2, rows, b, c, o, form);
        if (b < nb)
            tile((const int16_t (*)[2 * MAX_PAIRS])x, 6, 1, rows, b, c, o, form);
        return;
    }
    /* 3-block tiles, then 0, 1 or 2 blocks left: one as 2 + 2 with the previous tile */
    const size_t n3 = nb % 3 == 1 ? nb / 3 - 1 : nb / 3;
    size_t b = 0;
    for (; b < 3 * n3; b += 3)
        tile((const int16_t (*)[2 * MAX_PAIRS])x, 4, 3, rows, b, c, o, form);
    for (; b < nb; b += 2)
        tile((const int16_t (*)[2 * MAX_PAIRS])x, 4, 2, rows, b, c, o, form);
}

void bd_qu8_pwconv_packed_avx2(const uint8_t *in, int m, int k, uint8_t *out, int n,
                               const void *packed, const bd_qu8_conv *p)
{
    const size_t kp = pairs(k), nb = blocks8(n);
    if (kp > MAX_PAIRS)
        return;                        /* never packed (bd_qu8_pw_packed_size_avx2 says 0) */
    pw_ctx c = {(const int16_t *)(const void *)((const char *)packed + nb * 8 * sizeof(int32_t)),
                packed, kp, n, &p->rq, qu8_rq8_setup(&p->rq, 0)};
    /* tiles of 4 rows x 3 blocks (12 accumulators), the last columns in tiles of 2 blocks;
     * where there are only 1, 2 or 4 blocks, 6 rows x 2 (or 1) blocks */
    const int six = nb <= 2 || nb == 4, mr = six ? 6 : 4;
    const int tiles = (m + mr - 1) / mr;
    const int form = qu8_rq8_float_form(&c.f);
    #pragma omp parallel for schedule(guided)
    for (int ti = 0; ti < tiles; ti++) {
        switch (form) {
        case 1: tiles_of_rows(in, m, k, p, &c, ti, six, mr, nb, out, 1); break;
        case 2: tiles_of_rows(in, m, k, p, &c, ti, six, mr, nb, out, 2); break;
        case 3: tiles_of_rows(in, m, k, p, &c, ti, six, mr, nb, out, 3); break;
        case 4: tiles_of_rows(in, m, k, p, &c, ti, six, mr, nb, out, 4); break;
        default: tiles_of_rows(in, m, k, p, &c, ti, six, mr, nb, out, 0); break;
        }
    }
}
