/*
 * internal.h - definitions shared by the C sources but not part of the API.
 */
#ifndef PYBP_INTERNAL_H
#define PYBP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pybp.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads the kernels may use; set by pybp_set_num_threads. */
extern int pybp_num_threads;

/* Instruction set whose kernels are in use; set by pybp_set_isa. */
extern int pybp_isa;

/*
 * A product or element-wise pass smaller than this many floating-point
 * operations runs on one thread: below it, starting a parallel region on
 * this class of machine costs more than the split saves.
 */
#define PYBP_PARALLEL_MIN_FLOPS 1000000.0

/* Threads to use for a task of the given floating-point operations. */
static inline int pybp_threads_for(double flops)
{
    if (flops < PYBP_PARALLEL_MIN_FLOPS)
        return 1;
    return pybp_num_threads;
}

/* Return 1 if a and b are >= 0 and a * b fits in int64_t, else 0: a call
 * whose element count would overflow is invalid, never wrapped. */
static inline int pybp_size_ok(int64_t a, int64_t b)
{
    return a >= 0 && b >= 0 && (b == 0 || a <= INT64_MAX / b);
}

#define PYBP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define PYBP_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
