/*
 * gemm.c - the matrix multiply behind pybp_gemm_f32 and pybp_gemm_f64.
 */
#include "internal.h"

/* NOTE: a placeholder that calls the reference loop until the packed,
 * blocked kernels are in place. */
int pybp_gemm_f32(int transa, int transb, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *restrict a, int64_t lda,
                  const float *restrict b, int64_t ldb, float beta,
                  float *restrict c, int64_t ldc)
{
    return pybp_gemm_ref_f32(transa, transb, m, n, k, alpha, a, lda, b, ldb,
                             beta, c, ldc);
}

int pybp_gemm_f64(int transa, int transb, int64_t m, int64_t n, int64_t k,
                  double alpha, const double *restrict a, int64_t lda,
                  const double *restrict b, int64_t ldb, double beta,
                  double *restrict c, int64_t ldc)
{
    return pybp_gemm_ref_f64(transa, transb, m, n, k, alpha, a, lda, b, ldb,
                             beta, c, ldc);
}
