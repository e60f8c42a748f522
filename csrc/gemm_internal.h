/*
 * gemm_internal.h - the interface between the blocked loops in gemm.c and
 * the per-instruction-set kernels in gemm_kernels_*.c.
 */
#ifndef PYBP_GEMM_INTERNAL_H
#define PYBP_GEMM_INTERNAL_H

#include "internal.h"

/*
 * Sizes of the two packing buffers of each thread that packs. Every
 * kernel file checks at compile time that its blocks fit, so the buffers
 * can be allocated once at this size and never grown.
 */
#define PYBP_GEMM_PACK_A_BYTES (1024 * 1024)
#define PYBP_GEMM_PACK_B_BYTES (512 * 1024)
/* NOTE: the blocks of every kernel file assume an L2 of at least 1 MiB per
 * core, as on Zen 4 and server cores since Skylake-SP. On 512 KiB L2 (Zen 2,
 * Zen 3) the B block fills all of it; the sizes are not read from the CPU. */

/* Largest micro-tile (MR * NR elements) of any kernel: the edge buffer. */
#define PYBP_GEMM_TILE_MAX 512

/* Alignment of packed panels and edge tiles, in bytes (one cache line). */
#define PYBP_GEMM_ALIGN 64

#define REAL float
#define FN(name) pybp_##name##_f32
#include "gemm_arch.inc"
#undef REAL
#undef FN

#define REAL double
#define FN(name) pybp_##name##_f64
#include "gemm_arch.inc"
#undef REAL
#undef FN

#endif
