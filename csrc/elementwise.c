/*
 * elementwise.c - the element-wise passes of elementwise.inc for every
 * CPU, vectorized by the compiler at the build's baseline width.
 */
#include "kernels.h"

#define PYBP_VARIANT _generic
#define PYBP_TEMPLATE "elementwise.inc"
#include "instantiate.inc"
