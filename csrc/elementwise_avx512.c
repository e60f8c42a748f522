/*
 * elementwise_avx512.c - the element-wise passes of elementwise.inc
 * compiled for AVX-512 with 512-bit vectors, used when pybp_isa selects it.
 */
#include "kernels.h"

#if PYBP_X86
#pragma GCC target("avx512f,avx2,prefer-vector-width=512")
#define PYBP_VARIANT _avx512
#define PYBP_TEMPLATE "elementwise.inc"
#include "instantiate.inc"
#endif
