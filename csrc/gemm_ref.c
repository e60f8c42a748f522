/*
 * gemm_ref.c - float and double instances of the reference matrix multiply.
 */
#include "internal.h"

#define PYBP_TEMPLATE "gemm_ref.inc"
#include "instantiate.inc"
