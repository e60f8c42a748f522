/*
 * network.c - a whole training step, an epoch of steps, and inference over
 * a network plan (struct pybp_net in pybp.h), for float and double.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels.h"

/* splitmix64's finalizer: a bijective mix of 64 bits. */
static inline uint64_t net_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A key for the dropout stream of one layer at one step. */
static inline uint64_t net_stream_key(uint64_t seed, int64_t step, int layer)
{
    return net_mix64(net_mix64(seed + 0x9e3779b97f4a7c15ULL * (uint64_t)step) +
                     (uint64_t)layer);
}

/*
 * A uniform number in [0, 1) that depends only on the key and the element
 * index, so masks are the same whatever the thread count.
 */
static inline double net_uniform(uint64_t key, uint64_t i)
{
    return (double)(net_mix64(key ^ net_mix64(i)) >> 11) * 0x1.0p-53;
}

/* Return 1 if the optimizer of the plan has the state arrays it needs. */
static int net_state_ok(const struct pybp_net *net, const void *s0,
                        const void *s1)
{
    switch (net->optimizer) {
    case PYBP_OPT_SGD:
        return s0 != NULL || net->momentum == 0;
    case PYBP_OPT_ADAM:
        return s0 != NULL && s1 != NULL;
    case PYBP_OPT_RMSPROP:
        return s0 != NULL && (s1 != NULL || net->momentum == 0);
    default:
        return s0 != NULL;
    }
}

/* Check the parts of a plan every call relies on. */
static int net_check(const struct pybp_net *net, int64_t batch, int training)
{
    if (net == NULL || net->n_layers < 1 || net->layers == NULL || batch < 1)
        return PYBP_ERR_INVALID;
    if (net->dtype != PYBP_FLOAT32 && net->dtype != PYBP_FLOAT64)
        return PYBP_ERR_INVALID;
    if (training && (batch > net->max_batch || net->x_buf == NULL ||
                     net->t_buf == NULL || net->scratch == NULL))
        return PYBP_ERR_INVALID;
    for (int l = 0; l < net->n_layers; l++) {
        const struct pybp_layer *L = &net->layers[l];
        if (L->n_in < 1 || L->n_out < 1 || L->w == NULL ||
            !pybp_size_ok(L->n_in, L->n_out) ||
            !pybp_size_ok(PYBP_MAX(batch, net->max_batch), L->n_out))
            return PYBP_ERR_INVALID;
        if (l > 0 && L->n_in != net->layers[l - 1].n_out)
            return PYBP_ERR_INVALID;
        if (!training)
            continue;
        if (L->dw == NULL || L->y == NULL || L->dy == NULL)
            return PYBP_ERR_INVALID;
        if (L->b != NULL && L->db == NULL)
            return PYBP_ERR_INVALID;
        if (L->dropout < 0 || L->dropout >= 1)
            return PYBP_ERR_INVALID;
        if (L->dropout > 0 && (L->mask == NULL || L->dropped == NULL))
            return PYBP_ERR_INVALID;
        if ((L->activation == PYBP_ACT_GELU ||
             L->activation == PYBP_ACT_GELU_TANH) && L->z == NULL)
            return PYBP_ERR_INVALID;
        if (!net_state_ok(net, L->w_state0, L->w_state1) ||
            (L->b != NULL && !net_state_ok(net, L->b_state0, L->b_state1)))
            return PYBP_ERR_INVALID;
    }
    return PYBP_OK;
}

/* Return 1 if the constraint can make a weight larger in magnitude. */
static int net_constraint_grows(int kind)
{
    return kind == PYBP_CON_UNIT_NORM || kind == PYBP_CON_MIN_MAX_NORM;
}

/* Mark every bound of the plan unknown: between calls, the caller may
 * have changed any parameter or state. */
static void net_forget_bounds(struct pybp_net *net)
{
    for (int l = 0; l < net->n_layers; l++)
        for (int i = 0; i < 3; i++)
            net->layers[l].w_bound[i] = net->layers[l].b_bound[i] = NAN;
}

#define PYBP_TEMPLATE "network.inc"
#include "instantiate.inc"

int pybp_net_train_step(struct pybp_net *net, int64_t batch, int64_t n_rows,
                        const void *x, const void *target,
                        const void *sample_weight, const int64_t *index,
                        double *loss, double *penalty)
{
    int rc = net_check(net, batch, 1);
    if (rc != PYBP_OK)
        return rc;
    if (x == NULL || target == NULL || loss == NULL || penalty == NULL ||
        (index == NULL && batch > n_rows))
        return PYBP_ERR_INVALID;
    net_forget_bounds(net);
    if (net->dtype == PYBP_FLOAT32)
        return pybp_net_train_step_f32(net, batch, n_rows, x, target,
                                       sample_weight, index, loss, penalty);
    return pybp_net_train_step_f64(net, batch, n_rows, x, target,
                                   sample_weight, index, loss, penalty);
}

int pybp_net_train_epoch(struct pybp_net *net, int64_t n_rows,
                         int64_t n_order, int64_t batch_size, const void *x,
                         const void *target, const void *sample_weight,
                         const int64_t *order, const double *lr,
                         double *losses, void *outputs, int64_t *done)
{
    if (batch_size < 1 || n_rows < 1 || n_order < 1 || order == NULL ||
        losses == NULL || done == NULL || x == NULL || target == NULL)
        return PYBP_ERR_INVALID;
    int rc = net_check(net, PYBP_MIN(batch_size, n_order), 1);
    if (rc != PYBP_OK)
        return rc;
    net_forget_bounds(net);
    if (net->dtype == PYBP_FLOAT32)
        return pybp_net_train_epoch_f32(net, n_rows, n_order, batch_size, x,
                                        target,
                                        sample_weight, order, lr, losses,
                                        outputs, done);
    return pybp_net_train_epoch_f64(net, n_rows, n_order, batch_size, x, target,
                                    sample_weight, order, lr, losses, outputs,
                                    done);
}

int pybp_net_predict(const struct pybp_net *net, int64_t batch,
                     const void *x, void *out, void *work0, void *work1,
                     int logits)
{
    int rc = net_check(net, batch, 0);
    if (rc != PYBP_OK)
        return rc;
    if (x == NULL || out == NULL ||
        (net->n_layers > 1 && work0 == NULL) ||
        (net->n_layers > 2 && work1 == NULL))
        return PYBP_ERR_INVALID;
    if (net->dtype == PYBP_FLOAT32)
        return pybp_net_predict_f32(net, batch, x, out, work0, work1, logits);
    return pybp_net_predict_f64(net, batch, x, out, work0, work1, logits);
}
