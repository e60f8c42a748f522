/*
 * gemm_kernels_avx512.c - matrix multiply kernels for AVX-512 F:
 * 8 x 32 float and 8 x 16 double tiles (16 of the 32 zmm registers hold
 * accumulators). Taller 12-row tiles measured up to 5% slower on Zen 4 at
 * the 128- and 256-row products of dense layers, which they do not divide.
 */
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define KERNEL_ATTR __attribute__((target("avx512f,avx2,fma")))

/* Mask of the first n lanes (0 <= n <= 16). */
static inline unsigned pybp_lane_mask(int64_t n)
{
    return (1u << n) - 1;
}

#include "gemm_transpose_x86.inc"

/*
 * Cache blocks, for both types: an A micro-panel (MR x KC) takes 8 or
 * 16 KiB of a 32 KiB L1, the B block (KC x NC) 512 KiB of a 1 MiB L2, and
 * the A block (MC x KC) 1 MiB of L3.
 */
#define REAL float
#define FN(name) pybp_##name##_f32
#define VEC __m512
#define VLEN 16
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VLOADN(p, n) _mm512_maskz_loadu_ps((__mmask16)pybp_lane_mask(n), (p))
#define VSTOREN(p, v, n) \
    _mm512_mask_storeu_ps((p), (__mmask16)pybp_lane_mask(n), (v))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VMUL(a, b) _mm512_mul_ps((a), (b))
#define VADD(a, b) _mm512_add_ps((a), (b))
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define MR 8
#define NR 32
#define MC 1024
#define KC 256
#define NC 512
#define PACK_STEPS 8
#define PACK_TRANSPOSE(s, rs, d, ld) pybp_transpose_8x8f((s), (rs), (d), (ld))
#define ARCH FN(gemm_avx512)
#include "gemm_kernels.inc"

#define REAL double
#define FN(name) pybp_##name##_f64
#define VEC __m512d
#define VLEN 8
#define VZERO() _mm512_setzero_pd()
#define VLOAD(p) _mm512_loadu_pd(p)
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VLOADN(p, n) _mm512_maskz_loadu_pd((__mmask8)pybp_lane_mask(n), (p))
#define VSTOREN(p, v, n) \
    _mm512_mask_storeu_pd((p), (__mmask8)pybp_lane_mask(n), (v))
#define VSET1(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VHSUM(v) _mm512_reduce_add_pd(v)
#define MR 8
#define NR 16
#define MC 512
#define KC 256
#define NC 256
#define PACK_STEPS 4
#define PACK_TRANSPOSE(s, rs, d, ld) pybp_transpose_4x4d((s), (rs), (d), (ld))
#define ARCH FN(gemm_avx512)
#include "gemm_kernels.inc"

#endif
