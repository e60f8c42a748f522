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

#define PYBP_TEMPLATE "optimizers.inc"
#include "instantiate.inc"
