/*
 * runtime.c - instruction-set selection, thread count and build facts.
 */
#include "internal.h"

#ifndef PYBP_CFLAGS
#define PYBP_CFLAGS "unknown"
#endif

int pybp_num_threads = 1;
int pybp_isa = PYBP_ISA_GENERIC;

int pybp_isa_supported(int isa)
{
    switch (isa) {
    case PYBP_ISA_GENERIC:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case PYBP_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case PYBP_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

int pybp_isa_best(void)
{
    if (pybp_isa_supported(PYBP_ISA_AVX512))
        return PYBP_ISA_AVX512;
    if (pybp_isa_supported(PYBP_ISA_AVX2))
        return PYBP_ISA_AVX2;
    return PYBP_ISA_GENERIC;
}

int pybp_set_isa(int isa)
{
    if (isa < PYBP_ISA_GENERIC || isa > PYBP_ISA_AVX512)
        return PYBP_ERR_INVALID;
    if (!pybp_isa_supported(isa))
        return PYBP_ERR_ISA;
    pybp_isa = isa;
    return PYBP_OK;
}

int pybp_get_isa(void)
{
    return pybp_isa;
}

int pybp_set_num_threads(int n)
{
    if (n < 1)
        return PYBP_ERR_INVALID;
#ifdef _OPENMP
    pybp_num_threads = n;
#else
    pybp_num_threads = 1;
#endif
    return PYBP_OK;
}

int pybp_get_num_threads(void)
{
    return pybp_num_threads;
}

int pybp_has_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

const char *pybp_build_flags(void)
{
    return PYBP_CFLAGS;
}
