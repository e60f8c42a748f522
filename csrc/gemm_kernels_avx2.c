/*
 * gemm_kernels_avx2.c - matrix multiply kernels for AVX2 with FMA:
 * 6 x 16 float and 6 x 8 double tiles (12 of the 16 ymm registers hold
 * accumulators).
 */
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define KERNEL_ATTR __attribute__((target("avx2,fma")))

/* Lane masks for the first n lanes (0 <= n <= lanes) of a partial vector. */
KERNEL_ATTR static inline __m256i pybp_mask_8x32(int64_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

KERNEL_ATTR static inline __m256i pybp_mask_4x64(int64_t n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n),
                              _mm256_setr_epi64x(0, 1, 2, 3));
}

KERNEL_ATTR static inline float pybp_hsum_8f(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KERNEL_ATTR static inline double pybp_hsum_4d(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

#include "gemm_transpose_x86.inc"

/*
 * Cache blocks, for both types: an A micro-panel (MR x KC) takes 6 or
 * 12 KiB of a 32 KiB L1, the B block (KC x NC) 512 KiB of a 1 MiB L2, and
 * the A block (MC x KC) about 1 MiB of L3.
 */
#define REAL float
#define FN(name) pybp_##name##_f32
#define VEC __m256
#define VLEN 8
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VLOADN(p, n) _mm256_maskload_ps((p), pybp_mask_8x32(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps((p), pybp_mask_8x32(n), (v))
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VMUL(a, b) _mm256_mul_ps((a), (b))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VHSUM(v) pybp_hsum_8f(v)
#define MR 6
#define NR 16
#define MC 1020
#define KC 256
#define NC 512
#define PACK_STEPS 8
#define PACK_TRANSPOSE(s, rs, d, ld) pybp_transpose_8x8f((s), (rs), (d), (ld))
#define ARCH FN(gemm_avx2)
#include "gemm_kernels.inc"

#define REAL double
#define FN(name) pybp_##name##_f64
#define VEC __m256d
#define VLEN 4
#define VZERO() _mm256_setzero_pd()
#define VLOAD(p) _mm256_loadu_pd(p)
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VLOADN(p, n) _mm256_maskload_pd((p), pybp_mask_4x64(n))
#define VSTOREN(p, v, n) _mm256_maskstore_pd((p), pybp_mask_4x64(n), (v))
#define VSET1(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VHSUM(v) pybp_hsum_4d(v)
#define MR 6
#define NR 8
#define MC 510
#define KC 256
#define NC 256
#define PACK_STEPS 4
#define PACK_TRANSPOSE(s, rs, d, ld) pybp_transpose_4x4d((s), (rs), (d), (ld))
#define ARCH FN(gemm_avx2)
#include "gemm_kernels.inc"

#endif
