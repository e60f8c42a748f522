/*
 * gemm_kernels_generic.c - portable matrix multiply kernels, written with
 * the GCC/Clang vector extension so that any target gets 16-byte SIMD
 * (SSE2 on x86-64) without an instruction-set attribute.
 */
#include <string.h>

#include "gemm_internal.h"

#define KERNEL_ATTR

typedef float pybp_vec4f __attribute__((vector_size(16)));
typedef double pybp_vec2d __attribute__((vector_size(16)));

/* Lane-wise helpers for both types. memcpy keeps the loads legal for any
 * alignment and any aliasing. */
#define DEFINE_VECTOR_HELPERS(VECT, SCALAR, LANES, SUFFIX)                    \
    static inline VECT pybp_load_##SUFFIX(const SCALAR *p)                    \
    {                                                                         \
        VECT v;                                                               \
        memcpy(&v, p, sizeof v);                                              \
        return v;                                                             \
    }                                                                         \
    static inline void pybp_store_##SUFFIX(SCALAR *p, VECT v)                 \
    {                                                                         \
        memcpy(p, &v, sizeof v);                                              \
    }                                                                         \
    static inline VECT pybp_loadn_##SUFFIX(const SCALAR *p, int64_t n)        \
    {                                                                         \
        VECT v = {0};                                                         \
        memcpy(&v, p, (size_t)n * sizeof(SCALAR));                            \
        return v;                                                             \
    }                                                                         \
    static inline void pybp_storen_##SUFFIX(SCALAR *p, VECT v, int64_t n)     \
    {                                                                         \
        memcpy(p, &v, (size_t)n * sizeof(SCALAR));                            \
    }                                                                         \
    static inline VECT pybp_set1_##SUFFIX(SCALAR x)                           \
    {                                                                         \
        VECT v;                                                               \
        for (int i = 0; i < LANES; i++)                                       \
            v[i] = x;                                                         \
        return v;                                                             \
    }                                                                         \
    static inline SCALAR pybp_hsum_##SUFFIX(VECT v)                           \
    {                                                                         \
        SCALAR s = 0;                                                         \
        for (int i = 0; i < LANES; i++)                                       \
            s += v[i];                                                        \
        return s;                                                             \
    }

DEFINE_VECTOR_HELPERS(pybp_vec4f, float, 4, 4f)
DEFINE_VECTOR_HELPERS(pybp_vec2d, double, 2, 2d)

/*
 * Cache blocks, for both types: an A micro-panel (MR x KC) takes 4 or
 * 8 KiB of L1, the B block (KC x NC) 512 KiB of L2, and the A block
 * (MC x KC) 1 MiB of L3.
 */
#define REAL float
#define FN(name) pybp_##name##_f32
#define VEC pybp_vec4f
#define VLEN 4
#define VLOAD(p) pybp_load_4f(p)
#define VSTORE(p, v) pybp_store_4f((p), (v))
#define VLOADN(p, n) pybp_loadn_4f((p), (n))
#define VSTOREN(p, v, n) pybp_storen_4f((p), (v), (n))
#define VSET1(x) pybp_set1_4f(x)
#define VHSUM(v) pybp_hsum_4f(v)
/* Multiply and add round twice, like the reference: ISO C mode turns off
 * contraction into FMA. */
#define VZERO() ((VEC){0})
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define MR 4
#define NR 8
#define MC 1024
#define KC 256
#define NC 512
#define ARCH FN(gemm_generic)
#include "gemm_kernels.inc"

#define REAL double
#define FN(name) pybp_##name##_f64
#define VEC pybp_vec2d
#define VLEN 2
#define VLOAD(p) pybp_load_2d(p)
#define VSTORE(p, v) pybp_store_2d((p), (v))
#define VLOADN(p, n) pybp_loadn_2d((p), (n))
#define VSTOREN(p, v, n) pybp_storen_2d((p), (v), (n))
#define VSET1(x) pybp_set1_2d(x)
#define VHSUM(v) pybp_hsum_2d(v)
#define VZERO() ((VEC){0})
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define MR 4
#define NR 4
#define MC 512
#define KC 256
#define NC 256
#define ARCH FN(gemm_generic)
#include "gemm_kernels.inc"
