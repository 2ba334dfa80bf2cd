/* qu8_dispatch.c — the int8 kernel tables in this binary, whether this CPU runs each, and
 * the one-time choice (the best supported, or $BACKDROP_ISA_INT8). The AVX-512 table uses
 * vpdpbusd, so it needs AVX512_VNNI besides AVX-512 F/BW/VL; both x86 tables need FMA (the
 * float form of the requantisation, kernels/qu8-requantize/qu8_requant_float.c); gcc's __builtin_cpu_supports
 * includes the OS saving the zmm state. On aarch64 NEON is always there; the dot-product
 * table needs ASIMDDP in the kernel's hwcaps (getauxval). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_quant.h"

#if defined(__x86_64__) || defined(__i386__)
#define BD_QU8_X86 1
extern const bd_qu8_kernels bd_qu8_kernels_avx2, bd_qu8_kernels_avx512vnni;
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
extern const bd_qu8_kernels bd_qu8_kernels_neon, bd_qu8_kernels_neondot;
#endif

const bd_qu8_kernels *const bd_qu8_kernels_all[] = {
    &bd_qu8_kernels_ref,
#ifdef BD_QU8_X86
    &bd_qu8_kernels_avx2,
    &bd_qu8_kernels_avx512vnni,
#endif
#if defined(__aarch64__)
    &bd_qu8_kernels_neon,
    &bd_qu8_kernels_neondot,
#endif
    NULL,
};

int bd_qu8_kernels_supported(const bd_qu8_kernels *k)
{
    if (!k)
        return 0;
    if (!strcmp(k->isa, "scalar"))
        return 1;
#ifdef BD_QU8_X86
    __builtin_cpu_init();
    if (!strcmp(k->isa, "avx2"))           /* (FMA: the float-form requantisation) */
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(k->isa, "avx512vnni"))
        return __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    if (!strcmp(k->isa, "neon"))
        return 1;                           /* part of the aarch64 base ISA */
    if (!strcmp(k->isa, "neondot"))
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
    return 0;
}

static const bd_qu8_kernels *select_uncached(char *err, size_t errlen)
{
    const char *want = getenv("BACKDROP_ISA_INT8");
    if (want && *want) {
        for (int i = 0; bd_qu8_kernels_all[i]; i++) {
            if (strcmp(bd_qu8_kernels_all[i]->isa, want))
                continue;
            if (bd_qu8_kernels_supported(bd_qu8_kernels_all[i]))
                return bd_qu8_kernels_all[i];
            snprintf(err, errlen, "BACKDROP_ISA_INT8=%s: this CPU does not support %s", want, want);
            return NULL;
        }
        snprintf(err, errlen, "BACKDROP_ISA_INT8=%s: not in this binary (use scalar, avx2, "
                 "avx512vnni, neon or neondot)", want);
        return NULL;
    }
    const bd_qu8_kernels *best = &bd_qu8_kernels_ref;
    for (int i = 0; bd_qu8_kernels_all[i]; i++)
        if (bd_qu8_kernels_supported(bd_qu8_kernels_all[i]))
            best = bd_qu8_kernels_all[i];
    return best;
}

const bd_qu8_kernels *bd_qu8_kernels_select(char *err, size_t errlen)
{
    static const bd_qu8_kernels *chosen;
    static char chosen_for[64];
    const char *want = getenv("BACKDROP_ISA_INT8");
    if (!want)
        want = "";
    if (!chosen || strcmp(chosen_for, want)) {    /* the environment may change in tests */
        const bd_qu8_kernels *k = select_uncached(err, errlen);
        if (!k)
            return NULL;
        chosen = k;
        snprintf(chosen_for, sizeof chosen_for, "%s", want);
    }
    return chosen;
}
