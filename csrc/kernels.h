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
/* Float tanh and sigmoid of n elements with AVX2 and FMA, or AVX-512;
 * y may equal x. Callers check that the selected instruction set has
 * them. */
void pybp_tanh_avx2_f32(int64_t n, const float *x, float *y);
void pybp_sigmoid_avx2_f32(int64_t n, const float *x, float *y);
void pybp_tanh_avx512_f32(int64_t n, const float *x, float *y);
void pybp_sigmoid_avx512_f32(int64_t n, const float *x, float *y);
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

/* Columns per block of the bias gradient: one block of double sums stays
 * in registers and L1 while the rows stream past. */
#define DB_BLOCK 64

/* The constants of an optimizer update, in double; the kernels round them
 * to the parameter type. */
struct pybp_opt_consts {
    double rate;                /* step size; Adam's holds its corrections */
    double momentum;            /* SGD and RMSprop momentum */
    double b1, b2;              /* Adam's beta1 and beta2 */
    double rho;                 /* RMSprop's decay */
    double eps;
    double decay;               /* AdamW: 1 - lr * weight_decay */
    int nesterov;
    int has_momentum;           /* RMSprop: momentum > 0 */
    double flops;               /* per parameter, for pybp_threads_for */
};

/* Fill k for an update of the given kind (a pybp_optimizer) at update
 * number step, with state s0 present or not (SGD's velocity). Return
 * PYBP_ERR_INVALID for an unknown kind or a hyperparameter out of the
 * range pybp.h gives, else PYBP_OK. */
int pybp_opt_consts_init(struct pybp_opt_consts *k, int kind, double lr,
                         double momentum, int nesterov, double beta1,
                         double beta2, double rho, double eps, int64_t step,
                         double weight_decay, int has_s0);

/* Run the update of the given kind over n parameters, on threads that
 * split them in even parts. */
void pybp_update_run_f32(int kind, const struct pybp_opt_consts *k,
                         int64_t n, float *w, const float *g, float *s0,
                         float *s1);
void pybp_update_run_f64(int kind, const struct pybp_opt_consts *k,
                         int64_t n, double *w, const double *g, double *s0,
                         double *s1);

/* The element-wise passes of elementwise.inc, once per instruction set. */
#define PYBP_TEMPLATE "elementwise_decl.inc"
#define PYBP_DECLARE_ONLY
#define PYBP_VARIANT _generic
#include "instantiate.inc"
#undef PYBP_VARIANT
#if PYBP_X86
#define PYBP_VARIANT _avx2
#include "instantiate.inc"
#undef PYBP_VARIANT
#define PYBP_VARIANT _avx512
#include "instantiate.inc"
#undef PYBP_VARIANT
#endif
#undef PYBP_DECLARE_ONLY
#undef PYBP_TEMPLATE

/* The variant of pass `name` for the selected instruction set, in a
 * template where FN names the type. */
#if PYBP_X86
#define PYBP_ISA_FN(name)                                                   \
    (pybp_isa == PYBP_ISA_AVX512 ? FN(name##_avx512)                        \
     : pybp_isa == PYBP_ISA_AVX2 ? FN(name##_avx2)                          \
                                 : FN(name##_generic))
#else
#define PYBP_ISA_FN(name) FN(name##_generic)
#endif

/* Run the statement given last for each `part` in [0, parts), on parts
 * threads; a single part runs on the calling thread without entering a
 * parallel region, which costs more than a small pass. */
#ifdef _OPENMP
#define PYBP_FOR_PARTS(parts, ...)                                          \
    do {                                                                    \
        const int parts_ = (parts);                                         \
        if (parts_ <= 1) {                                                  \
            const int part = 0;                                             \
            __VA_ARGS__;                                                    \
        } else {                                                            \
            _Pragma("omp parallel for num_threads(parts_) schedule(static)")\
            for (int part = 0; part < parts_; part++) {                     \
                __VA_ARGS__;                                                \
            }                                                               \
        }                                                                   \
    } while (0)
#else
#define PYBP_FOR_PARTS(parts, ...)                                          \
    do {                                                                    \
        const int parts_ = (parts);                                         \
        for (int part = 0; part < parts_; part++) {                         \
            __VA_ARGS__;                                                    \
        }                                                                   \
    } while (0)
#endif

#endif
