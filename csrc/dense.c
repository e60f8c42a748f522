/*
 * dense.c - float and double instances of the dense layer kernels.
 */
#include "kernels.h"

/* Columns per block of the bias gradient: one block of double sums stays
 * in registers and L1 while the rows stream past. */
#define DB_BLOCK 64

#define PYBP_TEMPLATE "dense.inc"
#include "instantiate.inc"
