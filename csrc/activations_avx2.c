/*
 * activations_avx2.c - float tanh and sigmoid eight lanes at a time with
 * AVX2 and FMA (activations_x86.inc), used by the float activation
 * kernels when the selected instruction set has them.
 */
#include "kernels.h"

#if PYBP_X86

#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define NAME(name) pybp_##name##_avx2_f32
#define V __m256
#define VN 8
#define LOAD _mm256_loadu_ps
#define STORE _mm256_storeu_ps
#define SET1 _mm256_set1_ps
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define MUL _mm256_mul_ps
#define DIV _mm256_div_ps
#define MIN _mm256_min_ps
#define FMADD _mm256_fmadd_ps
#define FNMADD _mm256_fnmadd_ps
#define ABS(v) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v)
#define OR_SIGN(a, s) \
    _mm256_or_ps(a, _mm256_and_ps(_mm256_set1_ps(-0.0f), s))
#define SELECT(a, b, cmp, x, y) _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, cmp))
#define ROUND(v) \
    _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define POW2(n) _mm256_castsi256_ps(_mm256_slli_epi32( \
    _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))

#include "activations_x86.inc"

#endif
