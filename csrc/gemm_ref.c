/*
 * gemm_ref.c - float and double instances of the reference matrix multiply.
 */
#include "internal.h"

#define REAL float
#define FN(name) pybp_##name##_f32
#include "gemm_ref.inc"
#undef REAL
#undef FN

#define REAL double
#define FN(name) pybp_##name##_f64
#include "gemm_ref.inc"
#undef REAL
#undef FN
