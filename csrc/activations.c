/*
 * activations.c - float and double instances of the activation kernels,
 * and the checks they share.
 */
#include <math.h>

#include "kernels.h"

int pybp_check_activation(int act, double alpha)
{
    if (act < PYBP_ACT_IDENTITY || act > PYBP_ACT_SOFTMAX)
        return PYBP_ERR_INVALID;
    /* Their backward takes x > 0 from y > 0, which holds for alpha >= 0. */
    if ((act == PYBP_ACT_LEAKY_RELU || act == PYBP_ACT_ELU) &&
        !(alpha >= 0 && isfinite(alpha)))
        return PYBP_ERR_INVALID;
    return PYBP_OK;
}

double pybp_activation_cost(int act)
{
    switch (act) {
    case PYBP_ACT_IDENTITY:
    case PYBP_ACT_RELU:
    case PYBP_ACT_LEAKY_RELU:
        return 1;
    case PYBP_ACT_GELU:
    case PYBP_ACT_GELU_TANH:
        return 40;
    default:
        return 20;
    }
}

#define PYBP_TEMPLATE "activations.inc"
#include "instantiate.inc"
