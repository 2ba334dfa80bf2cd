/* bochs_vnni.c — the program `bochs_run.sh --self-test-vnni` runs, natively and under Bochs.
 *
 * It executes AVX-512 VNNI vpdpbusd (_mm512_dpbusd_epi32, its masked form and the 256-bit
 * AVX512VL form) on chosen values and checks every int32 lane against a scalar reference:
 *   out[j] = c[j] + sum_{k<4} a[4j+k] * b[4j+k]   (a unsigned 8-bit, b signed 8-bit),
 * the sum wrapping modulo 2^32 (vpdpbusd does not saturate; vpdpbusds would). The products
 * fit in 17 bits, so only the accumulation can wrap; the reference adds in uint32_t.
 * Then it runs N vpdpbusd in 8 independent register chains (N from argv[1], to time the
 * emulation) and checks the final lanes too: each chain adds the same dot product N/8 times
 * to its own start value.
 * Output: one line per case, a hash of all result lanes (so a native run and an emulated
 * run can be compared), and "vnni: N cases ok" or the first mismatching lane; exit 0 when
 * all match, 1 otherwise. Built with -mavx512f -mavx512vl -mavx512vnni -static. */
#include <immintrin.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t hash = 2166136261u; /* FNV-1a over every result lane */
static int failures;

static uint32_t dot4(const uint8_t *a, const int8_t *b) {
    int32_t s = 0;
    for (int k = 0; k < 4; k++) s += (int32_t)a[k] * (int32_t)b[k];
    return (uint32_t)s;
}

/* Compares `lanes` results with c + dot (lanes whose mask bit is 0 keep c). */
static void check(const char *name, const uint8_t *a, const int8_t *b, const int32_t *c,
                  const int32_t *got, int lanes, unsigned mask) {
    int bad = -1;
    for (int j = 0; j < lanes; j++) {
        uint32_t want = (uint32_t)c[j];
        if (mask >> j & 1) want += dot4(a + 4 * j, b + 4 * j);
        for (int byte = 0; byte < 4; byte++) hash = (hash ^ ((uint32_t)got[j] >> (8 * byte) & 0xff)) * 16777619u;
        if ((uint32_t)got[j] != want && bad < 0) {
            bad = j;
            printf("%s: lane %d is %" PRId32 ", want %" PRId32 "\n", name, j, got[j], (int32_t)want);
        }
    }
    if (bad < 0) printf("%s: ok (lane 0 = %" PRId32 ")\n", name, got[0]);
    else failures++;
}

static void case512(const char *name, const uint8_t *a, const int8_t *b, const int32_t *c) {
    int32_t got[16];
    __m512i r = _mm512_dpbusd_epi32(_mm512_loadu_si512(c), _mm512_loadu_si512(a),
                                    _mm512_loadu_si512(b));
    _mm512_storeu_si512(got, r);
    check(name, a, b, c, got, 16, 0xffffu);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 0;
    uint8_t a[64];
    int8_t b[64];
    int32_t c[16];
    int cases = 0;

    for (int i = 0; i < 64; i++) a[i] = 255, b[i] = -128;
    for (int j = 0; j < 16; j++) c[j] = j * 7 - 50;
    case512("dpbusd 255*-128", a, b, c), cases++;
    for (int i = 0; i < 64; i++) b[i] = 127;
    for (int j = 0; j < 16; j++) c[j] = INT32_MAX - j * 40000; /* some lanes wrap */
    case512("dpbusd 255*127 wrapping", a, b, c), cases++;
    for (int i = 0; i < 64; i++) a[i] = (uint8_t)(i * 37 + 11), b[i] = (int8_t)(uint8_t)(i * 53 + 7);
    for (int j = 0; j < 16; j++) c[j] = j * 1000003 - 5000000;
    case512("dpbusd mixed", a, b, c), cases++;
    for (int i = 0; i < 64; i++) a[i] = (uint8_t)(i & 1 ? 0 : 200 - i), b[i] = (int8_t)(-i);
    case512("dpbusd zeros and negatives", a, b, c), cases++;

    int32_t got[16];
    __mmask16 m = 0xa5c3;
    _mm512_storeu_si512(got, _mm512_mask_dpbusd_epi32(_mm512_loadu_si512(c), m,
                                                      _mm512_loadu_si512(a), _mm512_loadu_si512(b)));
    check("dpbusd masked 0xa5c3", a, b, c, got, 16, m), cases++;
    _mm256_storeu_si256((__m256i *)got,
                        _mm256_dpbusd_epi32(_mm256_loadu_si256((const __m256i *)c),
                                            _mm256_loadu_si256((const __m256i *)a),
                                            _mm256_loadu_si256((const __m256i *)b)));
    check("dpbusd ymm", a, b, c, got, 8, 0xffu), cases++;

    /* the timed loop: 8 chains, chain k starts at c + 1000 k and adds dot(a, b) n/8 times
       (different starts, or the compiler would compute one chain and copy it) */
    __m512i va = _mm512_loadu_si512(a), vb = _mm512_loadu_si512(b), c0 = _mm512_loadu_si512(c);
#define START(k) _mm512_add_epi32(c0, _mm512_set1_epi32(1000 * (k)))
    __m512i x0 = START(0), x1 = START(1), x2 = START(2), x3 = START(3), x4 = START(4),
            x5 = START(5), x6 = START(6), x7 = START(7);
    long reps = n / 8;
    for (long i = 0; i < reps; i++) {
        x0 = _mm512_dpbusd_epi32(x0, va, vb); x1 = _mm512_dpbusd_epi32(x1, va, vb);
        x2 = _mm512_dpbusd_epi32(x2, va, vb); x3 = _mm512_dpbusd_epi32(x3, va, vb);
        x4 = _mm512_dpbusd_epi32(x4, va, vb); x5 = _mm512_dpbusd_epi32(x5, va, vb);
        x6 = _mm512_dpbusd_epi32(x6, va, vb); x7 = _mm512_dpbusd_epi32(x7, va, vb);
    }
    __m512i chains[8] = {x0, x1, x2, x3, x4, x5, x6, x7};
    int loop_ok = 1;
    for (int k = 0; k < 8; k++) {
        _mm512_storeu_si512(got, chains[k]);
        for (int j = 0; j < 16; j++) {
            uint32_t want = (uint32_t)c[j] + 1000u * (uint32_t)k + (uint32_t)reps * dot4(a + 4 * j, b + 4 * j);
            if ((uint32_t)got[j] != want) loop_ok = 0;
        }
    }
    printf("dpbusd loop of %ld: %s\n", reps * 8, loop_ok ? "ok" : "WRONG");
    cases++;
    failures += !loop_ok;
    printf("hash=%08" PRIx32 "\n", hash);
    if (failures) {
        printf("vnni: %d of %d cases FAILED\n", failures, cases);
        return 1;
    }
    printf("vnni: %d cases ok\n", cases);
    return 0;
}
