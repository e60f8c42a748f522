/*
 * optimizers.c - float and double instances of the optimizer updates.
 */
#include <math.h>

#include "kernels.h"

/* Return 1 if lo <= x < hi (lo < x < hi when open_low), else 0; NaN gives 0. */
static int in_range(double x, double lo, double hi, int open_low)
{
    if (!(x < hi))
        return 0;
    return open_low ? x > lo : x >= lo;
}

/* Return 1 if x is positive and finite, the rule for lr and eps. */
static int positive(double x)
{
    return x > 0 && isfinite(x);
}

/* Threads for an update of n parameters costing flops_each per element. */
static int update_parts(int64_t n, double flops_each)
{
    return pybp_row_parts(n, (double)n * flops_each);
}

int pybp_opt_consts_init(struct pybp_opt_consts *k, int kind, double lr,
                         double momentum, int nesterov, double beta1,
                         double beta2, double rho, double eps, int64_t step,
                         double weight_decay, int has_s0)
{
    static const double flops[] = {6, 12, 10, 6};
    int ok = positive(lr);
    switch (kind) {
    case PYBP_OPT_SGD:
        ok = ok && in_range(momentum, 0, 1, 0);
        break;
    case PYBP_OPT_ADAM:
        ok = ok && in_range(beta1, 0, 1, 1) && in_range(beta2, 0, 1, 1) &&
             positive(eps) && step >= 1 &&
             weight_decay >= 0 && isfinite(weight_decay);
        break;
    case PYBP_OPT_RMSPROP:
        ok = ok && in_range(rho, 0, 1, 0) && in_range(momentum, 0, 1, 0) &&
             positive(eps);
        break;
    case PYBP_OPT_ADAGRAD:
        ok = ok && positive(eps);
        break;
    default:
        ok = 0;
    }
    if (!ok)
        return PYBP_ERR_INVALID;
    k->rate = lr;
    k->momentum = momentum;
    k->b1 = beta1;
    k->b2 = beta2;
    k->rho = rho;
    k->eps = eps;
    k->decay = 1 - lr * weight_decay;
    k->nesterov = nesterov;
    k->has_momentum = momentum > 0;
    k->flops = kind == PYBP_OPT_SGD && !has_s0 ? 2 : flops[kind];
    /* The bias corrections of Adam fold into one step size, in double. */
    if (kind == PYBP_OPT_ADAM)
        k->rate = lr * sqrt(1 - pow(beta2, (double)step)) /
                  (1 - pow(beta1, (double)step));
    return PYBP_OK;
}

#define PYBP_TEMPLATE "optimizers.inc"
#include "instantiate.inc"
