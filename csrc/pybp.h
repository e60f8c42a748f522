/*
 * pybp.h - the C API of pybp, and the only header the cffi build reads.
 *
 * Conventions for every function below:
 * - Matrices are row-major. A matrix with r rows has leading dimension
 *   ld >= its column count; element (i, j) is at p[i * ld + j].
 * - Sizes and leading dimensions are int64_t; index arithmetic is done in
 *   64 bits, so no product of sizes wraps around.
 * - Every function returns an int status: PYBP_OK (0) or a negative
 *   pybp_status code. None aborts, prints or keeps a pointer after it
 *   returns.
 * - Output arrays are overwritten, never accumulated into, unless a
 *   function's comment says otherwise.
 * - The _f32 and _f64 variants of a function are built from one source,
 *   included once per type.
 *
 * The build hands the text between the cdef markers to cffi with lines
 * that start with '#' removed and the word "restrict" dropped.
 */
#ifndef PYBP_H
#define PYBP_H

#include <stdint.h>

/* cdef-begin */

enum pybp_status {
    PYBP_OK = 0,
    PYBP_ERR_INVALID = -1,      /* an argument is out of range */
    PYBP_ERR_NOMEM = -2,        /* scratch memory could not be allocated */
    PYBP_ERR_NONFINITE = -3,    /* an input holds NaN or Inf */
    PYBP_ERR_ISA = -4,          /* the CPU lacks the instruction set */
    PYBP_ERR_LABEL = -5         /* a class label is outside [0, classes) */
};

enum pybp_isa {
    PYBP_ISA_GENERIC = 0,       /* portable C */
    PYBP_ISA_AVX2 = 1,          /* AVX2 and FMA */
    PYBP_ISA_AVX512 = 2         /* AVX-512 F */
};

/* ---- runtime: instruction set, threads, build facts ---- */

/* Return 1 if the running CPU supports isa, else 0. */
int pybp_isa_supported(int isa);
/* Return the best instruction set of the running CPU. */
int pybp_isa_best(void);
/* Select the kernels for isa; PYBP_ERR_ISA if the CPU lacks it. */
int pybp_set_isa(int isa);
/* Return the instruction set whose kernels are in use. */
int pybp_get_isa(void);
/* Set how many OpenMP threads kernels may use (n >= 1). */
int pybp_set_num_threads(int n);
int pybp_get_num_threads(void);
/* Return 1 if the library was built with OpenMP, else 0. */
int pybp_has_openmp(void);
/* Return the compiler flags the library was built with. */
const char *pybp_build_flags(void);

/* ---- matrix multiply ---- */

/*
 * C = alpha * op(A) * op(B) + beta * C, where op(X) is X or X^T.
 * op(A) is m x k, op(B) is k x n, C is m x n. A is stored m x k when
 * transa is 0 and k x m when it is 1; likewise B. When beta is 0, C is
 * not read, so it may hold NaN. Any of m, n, k may be 0 (k = 0 scales C by
 * beta).
 */
int pybp_gemm_f32(int transa, int transb, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *restrict a, int64_t lda,
                  const float *restrict b, int64_t ldb, float beta,
                  float *restrict c, int64_t ldc);
int pybp_gemm_f64(int transa, int transb, int64_t m, int64_t n, int64_t k,
                  double alpha, const double *restrict a, int64_t lda,
                  const double *restrict b, int64_t ldb, double beta,
                  double *restrict c, int64_t ldc);

/* The same product by a plain triple loop: the test oracle in C. */
int pybp_gemm_ref_f32(int transa, int transb, int64_t m, int64_t n, int64_t k,
                      float alpha, const float *restrict a, int64_t lda,
                      const float *restrict b, int64_t ldb, float beta,
                      float *restrict c, int64_t ldc);
int pybp_gemm_ref_f64(int transa, int transb, int64_t m, int64_t n, int64_t k,
                      double alpha, const double *restrict a, int64_t lda,
                      const double *restrict b, int64_t ldb, double beta,
                      double *restrict c, int64_t ldc);

/* cdef-end */

#endif
