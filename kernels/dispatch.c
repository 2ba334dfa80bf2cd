/* dispatch.c — which kernel table runs: the list of every table compiled into this binary,
 * whether each can run on this CPU, and the one-time choice (best supported, or the one
 * $BACKDROP_ISA names). On x86 the AVX2 table needs AVX2 + FMA from cpuid *and* the OS
 * saving ymm state (xgetbv); gcc's __builtin_cpu_supports checks both. The AVX-512 table
 * needs AVX-512 F, DQ, BW and VL (the Makefile lets the compiler use all four in the
 * *_avx512.c files) plus AVX2 + FMA (it reuses AVX2 kernels); for the AVX-512 features gcc's
 * check includes the OS saving the opmask and zmm state (xgetbv bits 5-7). Tables are
 * listed from worst to best: scalar, avx2, avx512. On aarch64 NEON is part of the base ISA,
 * so the NEON table is always usable there. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "kernels_isa.h"

#if defined(__x86_64__) || defined(__i386__)
extern const bd_kernels bd_kernels_avx2;
extern const bd_kernels bd_kernels_avx512;
#define BD_HAVE_AVX2 1
#define BD_HAVE_AVX512 1
#endif
#if defined(__aarch64__)
extern const bd_kernels bd_kernels_neon;
#define BD_HAVE_NEON 1
#endif

const bd_kernels *const bd_kernels_all[] = {
    &bd_kernels_ref,
#ifdef BD_HAVE_AVX2
    &bd_kernels_avx2,
#endif
#ifdef BD_HAVE_AVX512
    &bd_kernels_avx512,
#endif
#ifdef BD_HAVE_NEON
    &bd_kernels_neon,
#endif
    NULL,
};

int bd_kernels_supported(const bd_kernels *k)
{
    if (!k)
        return 0;
    if (!strcmp(k->isa, "scalar"))
        return 1;
#ifdef BD_HAVE_AVX2
    if (!strcmp(k->isa, "avx2")) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
#ifdef BD_HAVE_AVX512
    if (!strcmp(k->isa, "avx512")) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
#ifdef BD_HAVE_NEON
    if (!strcmp(k->isa, "neon"))
        return 1;
#endif
    return 0;
}

static const bd_kernels *select_uncached(char *err, size_t errlen)
{
    const char *want = getenv("BACKDROP_ISA");
    if (want && *want) {
        for (int i = 0; bd_kernels_all[i]; i++) {
            if (strcmp(bd_kernels_all[i]->isa, want))
                continue;
            if (bd_kernels_supported(bd_kernels_all[i]))
                return bd_kernels_all[i];
            snprintf(err, errlen, "BACKDROP_ISA=%s: this CPU does not support %s", want, want);
            return NULL;
        }
        if (!strcmp(want, "scalar") || !strcmp(want, "avx2") || !strcmp(want, "avx512") ||
            !strcmp(want, "neon"))
            snprintf(err, errlen, "BACKDROP_ISA=%s: no %s kernels in this binary (built for "
                     "another architecture or without them)", want, want);
        else
            snprintf(err, errlen, "BACKDROP_ISA=%s: unknown (use scalar, avx2, avx512 or "
                     "neon)", want);
        return NULL;
    }
    const bd_kernels *best = &bd_kernels_ref; /* the last supported table is the best */
    for (int i = 0; bd_kernels_all[i]; i++)
        if (bd_kernels_supported(bd_kernels_all[i]))
            best = bd_kernels_all[i];
    return best;
}

const bd_kernels *bd_kernels_select(char *err, size_t errlen)
{
    static const bd_kernels *chosen;
    static char chosen_err[256];
    static int done;
    const bd_kernels *k;
#pragma omp critical(bd_kernels_select)
    {
        if (!done) {
            chosen = select_uncached(chosen_err, sizeof chosen_err);
            done = 1;
        }
        k = chosen;
    }
    if (!k && err && errlen)
        snprintf(err, errlen, "%s", chosen_err);
    return k;
}

int bd_kernel_threads(double work)
{
    /* below ~64k multiply-adds a kernel takes a few microseconds: not worth a team */
    if (work < 65536.0 || omp_in_parallel())
        return 1;
    return omp_get_max_threads();
}
