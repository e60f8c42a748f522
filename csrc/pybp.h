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

/* ---- activations ---- */

enum pybp_activation {
    PYBP_ACT_IDENTITY = 0,
    PYBP_ACT_RELU = 1,
    PYBP_ACT_LEAKY_RELU = 2,    /* x > 0 ? x : alpha * x, alpha >= 0 */
    PYBP_ACT_ELU = 3,           /* x > 0 ? x : alpha * (exp(x) - 1) */
    PYBP_ACT_SELU = 4,          /* ELU with fixed scale and alpha */
    PYBP_ACT_GELU_TANH = 5,     /* GELU, tanh approximation */
    PYBP_ACT_GELU = 6,          /* GELU, exact: x * Phi(x) with erfc */
    PYBP_ACT_SIGMOID = 7,
    PYBP_ACT_TANH = 8,
    PYBP_ACT_SOFTPLUS = 9,
    PYBP_ACT_SOFTMAX = 10       /* over each row */
};

/*
 * y = act(x), x and y rows x cols contiguous; y may equal x. alpha is the
 * negative slope of leaky_relu and the alpha of elu, and is ignored by the
 * other activations. PYBP_ERR_INVALID for an unknown act, a negative size,
 * a NULL pointer, or a negative or non-finite alpha where it is used.
 */
int pybp_activation_forward_f32(int act, double alpha, int64_t rows,
                                int64_t cols, const float *x, float *y);
int pybp_activation_forward_f64(int act, double alpha, int64_t rows,
                                int64_t cols, const double *x, double *y);

/*
 * dx = dy * act'(x), all rows x cols; for softmax the row Jacobian-vector
 * product y * (dy - sum(dy * y)). The derivative is computed from y, the
 * output, for every act but gelu and gelu_tanh, which read only x (the
 * pre-activation). The pointer an act does not read may be NULL. dx may
 * equal dy.
 */
int pybp_activation_backward_f32(int act, double alpha, int64_t rows,
                                 int64_t cols, const float *x, const float *y,
                                 const float *dy, float *dx);
int pybp_activation_backward_f64(int act, double alpha, int64_t rows,
                                 int64_t cols, const double *x,
                                 const double *y, const double *dy,
                                 double *dx);

/* ---- dense layers ---- */

/*
 * Y = act(X W + b): X is batch x n_in, W n_in x n_out, b n_out (NULL for
 * no bias), Y batch x n_out. When z (batch x n_out) is not NULL it
 * receives the pre-activation X W + b, which the backward of gelu and
 * gelu_tanh needs. The bias and the activation are applied in one pass
 * over each row after the product.
 */
int pybp_dense_forward_f32(int64_t batch, int64_t n_in, int64_t n_out,
                           const float *x, const float *w, const float *b,
                           int act, double alpha, float *z, float *y);
int pybp_dense_forward_f64(int64_t batch, int64_t n_in, int64_t n_out,
                           const double *x, const double *w, const double *b,
                           int act, double alpha, double *z, double *y);

/*
 * Backward of pybp_dense_forward. dz (batch x n_out) receives
 * dy * act'(.) and may equal dy; then dw = X^T dz (n_in x n_out),
 * db = column sums of dz (n_out; NULL skips it) and dx = dz W^T
 * (batch x n_in; NULL skips it, as for a first layer). All outputs are
 * overwritten. z is read only by gelu and gelu_tanh, y by the others
 * (identity reads neither), and w only when dx is not NULL.
 */
int pybp_dense_backward_f32(int64_t batch, int64_t n_in, int64_t n_out,
                            const float *x, const float *w, const float *z,
                            const float *y, const float *dy, int act,
                            double alpha, float *dz, float *dx, float *dw,
                            float *db);
int pybp_dense_backward_f64(int64_t batch, int64_t n_in, int64_t n_out,
                            const double *x, const double *w, const double *z,
                            const double *y, const double *dy, int act,
                            double alpha, double *dz, double *dx, double *dw,
                            double *db);

/* ---- losses ---- */

enum pybp_loss {
    PYBP_LOSS_MSE = 0,          /* mean over all elements of (p - t)^2 */
    PYBP_LOSS_MAE = 1,          /* mean over all elements of |p - t| */
    PYBP_LOSS_HUBER = 2,        /* mean over elements; param = delta > 0 */
    PYBP_LOSS_BCE_LOGITS = 3,   /* sigmoid + binary CE, mean over elements */
    PYBP_LOSS_CCE_LOGITS = 4    /* softmax + CE per row, mean over rows */
};

/*
 * Loss of predictions pred (logits for BCE and CCE) against target, both
 * batch x k. *value receives the loss; grad (batch x k, NULL to skip)
 * receives d value / d pred. sample_weight (batch, NULL for none) weights
 * each row, and the weighted sum is still divided by batch (or batch * k).
 * The CCE gradient is sum(t) * softmax(p) - t per row, which is
 * softmax(p) - t for targets that sum to 1. PYBP_ERR_NONFINITE if pred,
 * target or sample_weight contains NaN or Inf; grad may then be partly
 * written. The value is summed in double in an order that does not depend
 * on the thread count.
 */
int pybp_loss_f32(int loss, double param, int64_t batch, int64_t k,
                  const float *target, const float *pred,
                  const float *sample_weight, double *value, float *grad);
int pybp_loss_f64(int loss, double param, int64_t batch, int64_t k,
                  const double *target, const double *pred,
                  const double *sample_weight, double *value, double *grad);

/*
 * Softmax + cross-entropy of logits (batch x k) against integer labels
 * (batch) in [0, k), mean over rows. PYBP_ERR_LABEL for any label outside
 * that range, checked before anything is written.
 */
int pybp_loss_sparse_f32(int64_t batch, int64_t k, const int64_t *labels,
                         const float *logits, const float *sample_weight,
                         double *value, float *grad);
int pybp_loss_sparse_f64(int64_t batch, int64_t k, const int64_t *labels,
                         const double *logits, const double *sample_weight,
                         double *value, double *grad);

/* ---- optimizers ---- */

/*
 * In-place updates of n parameters w with gradient g; the state arrays
 * also have n elements. PYBP_ERR_INVALID for a hyperparameter out of range.
 */

/*
 * SGD: v = momentum * v - lr * g, then w += v, or for Nesterov
 * w += momentum * v - lr * g. velocity may be NULL when momentum is 0,
 * and then w -= lr * g. lr > 0, 0 <= momentum < 1.
 */
int pybp_sgd_f32(int64_t n, float *w, const float *g, float *velocity,
                 double lr, double momentum, int nesterov);
int pybp_sgd_f64(int64_t n, double *w, const double *g, double *velocity,
                 double lr, double momentum, int nesterov);

/*
 * Adam, or AdamW when weight_decay > 0: first w -= lr * weight_decay * w,
 * then m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps), where
 * t = step >= 1 counts this update. 0 < beta1, beta2 < 1, eps > 0.
 */
int pybp_adam_f32(int64_t n, float *w, const float *g, float *m, float *v,
                  double lr, double beta1, double beta2, double eps,
                  int64_t step, double weight_decay);
int pybp_adam_f64(int64_t n, double *w, const double *g, double *m,
                  double *v, double lr, double beta1, double beta2,
                  double eps, int64_t step, double weight_decay);

/*
 * RMSprop: s = rho s + (1 - rho) g^2, d = lr g / sqrt(s + eps); with
 * momentum > 0, mom = momentum * mom + d and w -= mom, else w -= d.
 * mom may be NULL when momentum is 0. 0 <= rho < 1.
 */
int pybp_rmsprop_f32(int64_t n, float *w, const float *g, float *s,
                     float *mom, double lr, double rho, double momentum,
                     double eps);
int pybp_rmsprop_f64(int64_t n, double *w, const double *g, double *s,
                     double *mom, double lr, double rho, double momentum,
                     double eps);

/* Adagrad: acc += g^2, w -= lr g / sqrt(acc + eps). */
int pybp_adagrad_f32(int64_t n, float *w, const float *g, float *acc,
                     double lr, double eps);
int pybp_adagrad_f64(int64_t n, double *w, const double *g, double *acc,
                     double lr, double eps);

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
    /* Kept by the training steps of one call for their own use (callers
     * need not set them): bounds on the magnitudes of w, its two state
     * arrays and its gradient, then the same for b. */
    double w_bound[4], b_bound[4];
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
    double clipvalue;           /* clip each gradient to +-clipvalue; 0: off */
    double clipnorm;            /* rescale each gradient array to at most
                                 * this L2 norm; 0: off */
    int64_t step;               /* updates done so far */
    uint64_t seed;              /* seed of the dropout masks */
    void *x_buf, *t_buf, *sw_buf;
    double *scratch;
};

/*
 * Run forward, loss, backward and the optimizer update for one minibatch
 * of `batch` rows. x, target and sample_weight have n_rows rows. With
 * index non-NULL, rows index[0..batch) of x, target and sample_weight
 * (NULL for none) are gathered first, and each index must be in
 * [0, n_rows). Without it, their first `batch` rows are used. *loss
 * receives the data loss and *penalty the regularization penalty, both
 * measured before the update. The outputs of the last layer
 * (probabilities when fused) are left in layers[n_layers - 1].y. When the
 * loss, or any weight or optimizer state after the update, would be NaN
 * or infinite, it returns PYBP_ERR_NONFINITE and changes nothing.
 */
int pybp_net_train_step(struct pybp_net *net, int64_t batch, int64_t n_rows,
                        const void *x, const void *target,
                        const void *sample_weight, const int64_t *index,
                        double *loss, double *penalty);

/*
 * Run pybp_net_train_step over consecutive batches of `batch_size` rows of
 * x (which has n_rows rows) in the order given by the n_order indices of
 * `order`. The last batch may be short. lr contains one learning rate per
 * batch, or is NULL to keep net->lr. losses[i] receives batch i's data loss plus penalty. outputs (n_order x
 * the last layer's units, NULL to skip) receives each batch's outputs
 * before its update, row j holding the output for row order[j], so
 * metrics can be computed once per epoch. *done receives the number of
 * batches completed; on a non-finite loss it stops there and returns
 * PYBP_ERR_NONFINITE.
 */
int pybp_net_train_epoch(struct pybp_net *net, int64_t n_rows,
                         int64_t n_order, int64_t batch_size, const void *x,
                         const void *target, const void *sample_weight,
                         const int64_t *order, const double *lr,
                         double *losses, void *outputs, int64_t *done);

/*
 * Inference: out (batch x n_out of the last layer) = the network applied
 * to x, without dropout. With logits non-zero the last activation is left
 * out. work0 and work1 each have room for batch x the widest layer. They
 * belong to the caller, so concurrent calls with their own work buffers
 * are safe. batch may exceed max_batch.
 */
int pybp_net_predict(const struct pybp_net *net, int64_t batch,
                     const void *x, void *out, void *work0, void *work1,
                     int logits);

/* cdef-end */

#endif
