/*
 * losses.c - float and double instances of the loss kernels.
 */
#include <math.h>

#include "kernels.h"

/* Internal code for softmax cross-entropy against integer labels, next to
 * the pybp_loss codes. */
#define LOSS_SPARSE_CCE 100

/* Rows are summed in this many blocks at most, a count that does not
 * depend on the threads, so the loss is bitwise the same for any thread
 * count: each block adds its rows in order and then the block sums are
 * added in order. */
#define LOSS_BLOCKS 256

/* Estimate the floating-point operations per element of a loss. */
static double loss_cost(int loss)
{
    switch (loss) {
    case PYBP_LOSS_MSE:
    case PYBP_LOSS_MAE:
    case PYBP_LOSS_HUBER:
        return 4;
    default:
        return 25;
    }
}

#define PYBP_TEMPLATE "losses.inc"
#include "instantiate.inc"
