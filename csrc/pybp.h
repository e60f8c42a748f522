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

/* ---- network: a whole training step over a plan ---- */

enum pybp_optimizer {
    PYBP_OPT_SGD = 0,           /* momentum, nesterov */
    PYBP_OPT_ADAM = 1,          /* beta1, beta2, eps, weight_decay (AdamW) */
    PYBP_OPT_RMSPROP = 2,       /* rho, momentum, eps */
    PYBP_OPT_ADAGRAD = 3        /* eps */
};

enum pybp_constraint {
    PYBP_CON_NONE = 0,
    PYBP_CON_MAX_NORM = 1,      /* param[0] = max norm */
    PYBP_CON_NON_NEG = 2,
    PYBP_CON_UNIT_NORM = 3,
    PYBP_CON_MIN_MAX_NORM = 4   /* param = min, max, rate */
};

enum pybp_dtype { PYBP_FLOAT32 = 0, PYBP_FLOAT64 = 1 };

/*
 * One dense layer of a plan. Parameters, gradients, optimizer state and
 * workspace are arrays owned by the caller, of the plan's dtype; the plan
 * only points at them. Kernel norms for constraints run over the inputs of
 * each unit (axis 0 of the n_in x n_out kernel).
 */
struct pybp_layer {
    int64_t n_in, n_out;
    int activation;
    double alpha;               /* leaky_relu slope or elu alpha */
    void *w;                    /* n_in x n_out */
    void *b;                    /* n_out, or NULL for no bias */
    void *dw;                   /* n_in x n_out */
    void *db;                   /* n_out, or NULL */
    void *w_state0, *w_state1;  /* optimizer state of w, NULL if unused */
    void *b_state0, *b_state1;  /* optimizer state of b, NULL if unused */
    double w_l1, w_l2;          /* penalty w_l1 * sum|w| + w_l2 * sum w^2 */
    double b_l1, b_l2;
    int w_constraint, b_constraint;
    double w_con[3], b_con[3];
    double dropout;             /* rate of dropout on this layer's output */
    /* Workspace, each max_batch x n_out; z, mask and dropped may be NULL
     * when the activation needs no pre-activation and dropout is 0. */
    void *z, *y, *dy, *mask, *dropped;
};

/*
 * A network plan: built once per model and batch size by the caller.
 * x_buf (max_batch x n_in of layer 0), t_buf (max_batch x targets) and
 * sw_buf (max_batch) receive rows gathered by an index; scratch holds at
 * least max(n_out) doubles for column norms.
 */
struct pybp_net {
    int dtype;
    int n_layers;
    struct pybp_layer *layers;
    int64_t max_batch;
    int64_t n_targets;          /* columns of the target; 1 for labels */
    int loss;
    double loss_param;
    int sparse;                 /* targets are int64 class labels */
    int fused_output;           /* last activation is folded into the loss */
    int optimizer;
    double lr, beta1, beta2, eps, momentum, rho, weight_decay;
    int nesterov;
    int64_t step;               /* updates done so far */
    uint64_t seed;              /* seed of the dropout masks */
    void *x_buf, *t_buf, *sw_buf;
    double *scratch;
};

/*
 * Run forward, loss, backward and the optimizer update for one minibatch
 * of `batch` rows. x, target and sample_weight have n_rows rows. With
 * index non-NULL, rows index[0..batch) (each in [0, n_rows)) of x, target
 * and sample_weight (NULL for none) are gathered first; otherwise their
 * first `batch` rows are used. *loss receives the data loss and *penalty
 * the regularization penalty, both measured before the update. The
 * outputs of the last layer (probabilities when fused) are left in
 * layers[n_layers - 1].y. On a NaN or infinite loss it returns
 * PYBP_ERR_NONFINITE before anything is updated.
 */
int pybp_net_train_step(struct pybp_net *net, int64_t batch, int64_t n_rows,
                        const void *x, const void *target,
                        const void *sample_weight, const int64_t *index,
                        double *loss, double *penalty);

/*
 * Run pybp_net_train_step over consecutive batches of `batch_size` rows of
 * x in the order given by `order` (n_rows indices); the last batch may be
 * short. lr holds one learning rate per batch, or is NULL to keep net->lr.
 * losses[i] receives batch i's data loss plus penalty. *done receives the
 * number of batches completed; on a non-finite loss it stops there and
 * returns PYBP_ERR_NONFINITE.
 */
int pybp_net_train_epoch(struct pybp_net *net, int64_t n_rows,
                         int64_t batch_size, const void *x,
                         const void *target, const void *sample_weight,
                         const int64_t *order, const double *lr,
                         double *losses, int64_t *done);

/*
 * Inference: out (batch x n_out of the last layer) = the network applied
 * to x, without dropout. With logits non-zero the last activation is left
 * out. work0 and work1 each hold at least batch x the widest layer; they
 * are the caller's, so concurrent calls with their own work buffers are
 * safe. batch may exceed max_batch.
 */
int pybp_net_predict(const struct pybp_net *net, int64_t batch,
                     const void *x, void *out, void *work0, void *work1,
                     int logits);

/* cdef-end */

#endif
