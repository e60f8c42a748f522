/*
 * kernels.h - helpers shared by the activation, dense, loss and optimizer
 * kernels; not part of the API.
 */
#ifndef PYBP_KERNELS_H
#define PYBP_KERNELS_H

#include "internal.h"

/* SELU constants, from the definition of the self-normalizing ELU. */
#define PYBP_SELU_SCALE 1.0507009873554804934193349852946
#define PYBP_SELU_ALPHA 1.6732632423543772848170429916717

/* Check that act is a pybp_activation and that alpha suits it. */
int pybp_check_activation(int act, double alpha);

/* Estimate the floating-point operations per element of act, forward or
 * backward, for pybp_threads_for. */
double pybp_activation_cost(int act);

/*
 * Add b (cols, NULL for no bias) to each row of z in place, then write
 * y = act(z); z and y are rows x cols and y may equal z. z is written only
 * when b is not NULL. Arguments are assumed valid (callers check them).
 */
void pybp_bias_activation_f32(int act, double alpha, int64_t rows,
                              int64_t cols, const float *b, float *z,
                              float *y);
void pybp_bias_activation_f64(int act, double alpha, int64_t rows,
                              int64_t cols, const double *b, double *z,
                              double *y);

#if defined(__x86_64__) || defined(__i386__)
#define PYBP_X86 1
/* Float tanh and sigmoid of n elements with AVX2 and FMA; y may equal x.
 * Callers check that the selected instruction set has them. */
void pybp_tanh_avx2_f32(int64_t n, const float *x, float *y);
void pybp_sigmoid_avx2_f32(int64_t n, const float *x, float *y);
#else
#define PYBP_X86 0
#endif

/* First row of part `part` when rows are split into `parts` even parts. */
static inline int64_t pybp_part_start(int64_t rows, int part, int parts)
{
    return rows / parts * part + PYBP_MIN(rows % parts, (int64_t)part);
}

/* Number of row blocks, one per thread, for a pass of flops over rows. */
static inline int pybp_row_parts(int64_t rows, double flops)
{
    int parts = pybp_threads_for(flops);
    if (rows < parts)
        return rows > 0 ? (int)rows : 1;
    return parts;
}

/*
 * Return 1 if the optimizer update of the same name, given the same
 * arguments, would leave every parameter and state value finite, else 0.
 * They write nothing and assume valid arguments; a training step runs
 * them on every array before it updates any.
 */
int pybp_sgd_finite_f32(int64_t n, const float *w, const float *g,
                        const float *velocity, double lr, double momentum,
                        int nesterov);
int pybp_adam_finite_f32(int64_t n, const float *w, const float *g,
                         const float *m, const float *v, double lr,
                         double beta1, double beta2, double eps,
                         int64_t step, double weight_decay);
int pybp_rmsprop_finite_f32(int64_t n, const float *w, const float *g,
                            const float *s, const float *mom, double lr,
                            double rho, double momentum, double eps);
int pybp_adagrad_finite_f32(int64_t n, const float *w, const float *g,
                            const float *acc, double lr, double eps);
int pybp_sgd_finite_f64(int64_t n, const double *w, const double *g,
                        const double *velocity, double lr, double momentum,
                        int nesterov);
int pybp_adam_finite_f64(int64_t n, const double *w, const double *g,
                         const double *m, const double *v, double lr,
                         double beta1, double beta2, double eps,
                         int64_t step, double weight_decay);
int pybp_rmsprop_finite_f64(int64_t n, const double *w, const double *g,
                            const double *s, const double *mom, double lr,
                            double rho, double momentum, double eps);
int pybp_adagrad_finite_f64(int64_t n, const double *w, const double *g,
                            const double *acc, double lr, double eps);

#endif
