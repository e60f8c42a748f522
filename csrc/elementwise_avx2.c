/*
 * elementwise_avx2.c - the element-wise passes of elementwise.inc compiled
 * for AVX2, used when pybp_isa selects it.
 */
#include "kernels.h"

#if PYBP_X86
#pragma GCC target("avx2")
#define PYBP_VARIANT _avx2
#define PYBP_TEMPLATE "elementwise.inc"
#include "instantiate.inc"
#endif
