/*
 * gemm.c - the matrix multiply behind pybp_gemm_f32 and pybp_gemm_f64:
 * argument checks, the packing buffers, and the float and double
 * instances of the blocked loops in gemm.inc.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>

#include "gemm_internal.h"

/*
 * Packing buffers of one calling thread. They are allocated at a fixed
 * size on the thread's first packed product and freed when the thread
 * exits, so a product in steady state allocates nothing. Each OpenMP
 * thread of a product packs into its own buffers.
 */
typedef struct {
    void *a;    /* PYBP_GEMM_PACK_A_BYTES: one packed block of A */
    void *b;    /* PYBP_GEMM_PACK_B_BYTES: one packed block of B */
} pybp_gemm_buffers;

static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;
static int buffers_key_ok;

static void free_buffers(void *p)
{
    pybp_gemm_buffers *buf = p;

    free(buf->a);
    free(buf->b);
    free(buf);
}

static void create_buffers_key(void)
{
    buffers_key_ok = pthread_key_create(&buffers_key, free_buffers) == 0;
}

/* Return the calling thread's packing buffers, or NULL if out of memory. */
static pybp_gemm_buffers *gemm_buffers(void)
{
    pybp_gemm_buffers *buf;

    pthread_once(&buffers_once, create_buffers_key);
    if (!buffers_key_ok)
        return NULL;
    buf = pthread_getspecific(buffers_key);
    if (buf != NULL)
        return buf;
    buf = calloc(1, sizeof *buf);
    if (buf == NULL)
        return NULL;
    buf->a = aligned_alloc(PYBP_GEMM_ALIGN, PYBP_GEMM_PACK_A_BYTES);
    buf->b = aligned_alloc(PYBP_GEMM_ALIGN, PYBP_GEMM_PACK_B_BYTES);
    if (buf->a == NULL || buf->b == NULL ||
        pthread_setspecific(buffers_key, buf) != 0) {
        free_buffers(buf);
        return NULL;
    }
    return buf;
}

/* Return 1 if a rows x cols matrix with leading dimension ld and data at
 * p is a valid operand, else 0. */
static int valid_matrix(const void *p, int64_t rows, int64_t cols, int64_t ld)
{
    if (rows == 0 || cols == 0)
        return 1;
    if (p == NULL || ld < cols)
        return 0;
    /* The last element must be addressable without int64_t overflow. */
    return rows - 1 <= (INT64_MAX - cols) / ld;
}

/* Check the arguments of a product: PYBP_OK or PYBP_ERR_INVALID. */
static int check_gemm_args(int transa, int transb, int64_t m, int64_t n,
                           int64_t k, const void *a, int64_t lda,
                           const void *b, int64_t ldb, const void *c,
                           int64_t ldc)
{
    if ((transa != 0 && transa != 1) || (transb != 0 && transb != 1))
        return PYBP_ERR_INVALID;
    if (m < 0 || n < 0 || k < 0 || lda < 0 || ldb < 0 || ldc < 0)
        return PYBP_ERR_INVALID;
    if (!valid_matrix(a, transa ? k : m, transa ? m : k, lda) ||
        !valid_matrix(b, transb ? n : k, transb ? k : n, ldb) ||
        !valid_matrix(c, m, n, ldc))
        return PYBP_ERR_INVALID;
    return PYBP_OK;
}

/* Set [lo, hi) to the share of thread tid when count items are split
 * into nth near-equal ranges. */
static void split_range(int64_t count, int tid, int nth, int64_t *lo,
                        int64_t *hi)
{
    *lo = count * tid / nth;
    *hi = count * (tid + 1) / nth;
}

#ifdef _OPENMP
#define GEMM_THREAD_NUM() omp_get_thread_num()
#define GEMM_NUM_THREADS() omp_get_num_threads()
#else
#define GEMM_THREAD_NUM() 0
#define GEMM_NUM_THREADS() 1
#endif

#define PYBP_TEMPLATE "gemm.inc"
#include "instantiate.inc"
