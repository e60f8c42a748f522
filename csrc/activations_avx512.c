/*
 * activations_avx512.c - float tanh and sigmoid sixteen lanes at a time
 * with AVX-512 F (activations_x86.inc), used by the float activation
 * kernels when the selected instruction set is AVX-512.
 */
#include "kernels.h"

#if PYBP_X86

#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))
#define NAME(name) pybp_##name##_avx512_f32
#define V __m512
#define VN 16
#define LOAD _mm512_loadu_ps
#define STORE _mm512_storeu_ps
#define SET1 _mm512_set1_ps
#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define MUL _mm512_mul_ps
#define DIV _mm512_div_ps
#define MIN _mm512_min_ps
#define FMADD _mm512_fmadd_ps
#define FNMADD _mm512_fnmadd_ps
#define ABS _mm512_abs_ps
/* AVX-512 F has the bitwise operations on integer lanes only. */
#define OR_SIGN(a, s)                                                       \
    _mm512_castsi512_ps(_mm512_or_si512(                                    \
        _mm512_castps_si512(a),                                             \
        _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(INT32_MIN))))
#define SELECT(a, b, cmp, x, y) \
    _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, cmp), y, x)
#define ROUND(v) \
    _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define POW2(n) _mm512_castsi512_ps(_mm512_slli_epi32( \
    _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))

#include "activations_x86.inc"

#endif
