/*
 * dense.c - float and double instances of the dense layer kernels.
 */
#include "kernels.h"

#define PYBP_TEMPLATE "dense.inc"
#include "instantiate.inc"
