/*
 * activations_avx2.c - float tanh and sigmoid eight lanes at a time with
 * AVX2 and FMA, used by the float activation kernels when the selected
 * instruction set has them. Both stay within about 5e-7 relative error of
 * the true value, except that sigmoid returns 0 where the true value is
 * below the smallest normal float (x < -87.3).
 */
#include "kernels.h"

#if PYBP_X86

#include <immintrin.h>
#include <math.h>

#define TARGET_AVX2 __attribute__((target("avx2,fma")))

/*
 * e^x for x in [-87.3, 88.7] (NaN propagates). x = n ln2 + r with
 * |r| <= ln2 / 2, e^r from its degree-7 Taylor polynomial (truncation
 * error below 1e-8 relative), and 2^n written into the exponent field.
 * ln2 is split in two so that n * ln2_hi is exact.
 */
static inline TARGET_AVX2 __m256 exp_avx2(__m256 x)
{
    const __m256 log2e = _mm256_set1_ps(1.44269504f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f);
    const __m256 ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, log2e),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

/*
 * tanh: below |x| = 0.4 the odd Taylor series to x^13 (truncation below
 * 4e-9 relative); above it 1 - 2 / (e^2|x| + 1), with |x| capped at 10:
 * tanh rounds to 1 in float from about 9.01 on. The sign is copied from x.
 */
TARGET_AVX2 void pybp_tanh_avx2_f32(int64_t n, const float *x, float *y)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    const __m256 cap = _mm256_set1_ps(10.0f);
    const __m256 small = _mm256_set1_ps(0.4f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 a = _mm256_andnot_ps(sign, v);
        /* min returns its second operand for NaN, so NaN passes through. */
        __m256 e = exp_avx2(_mm256_mul_ps(two, _mm256_min_ps(cap, a)));
        __m256 big =
            _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
        __m256 a2 = _mm256_mul_ps(a, a);
        __m256 p = _mm256_set1_ps(21844.0f / 6081075);
        p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(-1382.0f / 155925));
        p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(62.0f / 2835));
        p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(-17.0f / 315));
        p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(2.0f / 15));
        p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(-1.0f / 3));
        __m256 series = _mm256_fmadd_ps(_mm256_mul_ps(a, a2), p, a);
        __m256 t = _mm256_blendv_ps(big, series,
                                    _mm256_cmp_ps(a, small, _CMP_LT_OQ));
        _mm256_storeu_ps(y + i, _mm256_or_ps(t, _mm256_and_ps(sign, v)));
    }
    for (; i < n; i++)
        y[i] = tanhf(x[i]);
}

/* sigmoid: s = 1 / (1 + e^-|x|), and e s for negative x. */
TARGET_AVX2 void pybp_sigmoid_avx2_f32(int64_t n, const float *x, float *y)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 cap = _mm256_set1_ps(87.3f);
    const __m256 zero = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 a = _mm256_andnot_ps(sign, v);
        __m256 e = exp_avx2(_mm256_sub_ps(zero, _mm256_min_ps(cap, a)));
        /* Past the cap e^-|x| is below the smallest normal float: use 0. */
        e = _mm256_andnot_ps(_mm256_cmp_ps(a, cap, _CMP_GT_OQ), e);
        __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
        __m256 neg = _mm256_mul_ps(e, s);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(
            neg, s, _mm256_cmp_ps(v, zero, _CMP_GE_OQ)));
    }
    for (; i < n; i++) {
        float e = expf(-fabsf(x[i]));
        float s = 1 / (1 + e);
        y[i] = x[i] >= 0 ? s : e * s;
    }
}

#endif
