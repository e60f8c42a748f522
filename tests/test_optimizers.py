"""Optimizer updates against the NumPy formulas over several steps."""

import numpy as np
import pytest

import pybp
from pybp import ops

DTYPES = [np.float32, np.float64]
SHAPES = [(1,), (7,), (13, 5), (3, 1, 17)]
STEPS = 5
RTOL = {np.float32: 2e-5, np.float64: 1e-12}


def sgd_ref(w, g, v, lr, momentum, nesterov):
    if v is None:
        return w - lr * g, None
    v = momentum * v - lr * g
    if nesterov:
        return w + momentum * v - lr * g, v
    return w + v, v


def adam_ref(w, g, m, v, lr, beta1, beta2, eps, step, weight_decay):
    w = w - lr * weight_decay * w
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    rate = lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
    return w - rate * m / (np.sqrt(v) + eps), m, v


def rmsprop_ref(w, g, s, mom, lr, rho, momentum, eps):
    s = rho * s + (1 - rho) * g * g
    d = lr * g / np.sqrt(s + eps)
    if momentum > 0:
        mom = momentum * mom + d
        d = mom
    return w - d, s, mom


def adagrad_ref(w, g, acc, lr, eps):
    acc = acc + g * g
    return w - lr * g / np.sqrt(acc + eps), acc


def gradients(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(STEPS)]


def start(shape, dtype):
    return np.random.default_rng(99).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True), (0.5, True)]
)
def test_sgd_matches_numpy(momentum, nesterov, shape, dtype):
    w = start(shape, dtype)
    v = np.zeros(shape, dtype) if momentum else None
    w_ref = w.astype(np.float64)
    v_ref = None if v is None else v.astype(np.float64)
    for g in gradients(shape, dtype):
        ops.sgd_update(w, g, v, lr=0.05, momentum=momentum, nesterov=nesterov)
        w_ref, v_ref = sgd_ref(
            w_ref, g.astype(np.float64), v_ref, 0.05, momentum, nesterov
        )
    np.testing.assert_allclose(w, w_ref, rtol=RTOL[dtype], atol=RTOL[dtype])
    if v is not None:
        np.testing.assert_allclose(v, v_ref, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_adam_matches_numpy(weight_decay, shape, dtype):
    w = start(shape, dtype)
    m, v = np.zeros(shape, dtype), np.zeros(shape, dtype)
    w_ref, m_ref, v_ref = (
        w.astype(np.float64),
        m.astype(np.float64),
        v.astype(np.float64),
    )
    for step, g in enumerate(gradients(shape, dtype), start=1):
        ops.adam_update(w, g, m, v, 0.01, 0.9, 0.999, 1e-7, step, weight_decay)
        w_ref, m_ref, v_ref = adam_ref(
            w_ref,
            g.astype(np.float64),
            m_ref,
            v_ref,
            0.01,
            0.9,
            0.999,
            1e-7,
            step,
            weight_decay,
        )
    for got, expected in [(w, w_ref), (m, m_ref), (v, v_ref)]:
        np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.0, 0.8])
def test_rmsprop_matches_numpy(momentum, shape, dtype):
    w = start(shape, dtype)
    s = np.zeros(shape, dtype)
    mom = np.zeros(shape, dtype) if momentum else None
    w_ref, s_ref = w.astype(np.float64), s.astype(np.float64)
    mom_ref = np.zeros(shape)
    for g in gradients(shape, dtype):
        ops.rmsprop_update(w, g, s, mom, 0.01, 0.9, momentum, 1e-7)
        w_ref, s_ref, mom_ref = rmsprop_ref(
            w_ref, g.astype(np.float64), s_ref, mom_ref, 0.01, 0.9, momentum, 1e-7
        )
    np.testing.assert_allclose(w, w_ref, rtol=RTOL[dtype], atol=RTOL[dtype])
    np.testing.assert_allclose(s, s_ref, rtol=RTOL[dtype], atol=RTOL[dtype])
    if mom is not None:
        np.testing.assert_allclose(mom, mom_ref, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_adagrad_matches_numpy(shape, dtype):
    w = start(shape, dtype)
    acc = np.full(shape, 0.1, dtype)
    w_ref, acc_ref = w.astype(np.float64), acc.astype(np.float64)
    for g in gradients(shape, dtype):
        ops.adagrad_update(w, g, acc, 0.1, 1e-7)
        w_ref, acc_ref = adagrad_ref(w_ref, g.astype(np.float64), acc_ref, 0.1, 1e-7)
    np.testing.assert_allclose(w, w_ref, rtol=RTOL[dtype], atol=RTOL[dtype])
    np.testing.assert_allclose(acc, acc_ref, rtol=RTOL[dtype], atol=RTOL[dtype])


def test_updates_change_every_parameter():
    shape = (4, 6)
    g = gradients(shape, np.float64)[0]
    w0 = start(shape, np.float64)
    updates = [
        lambda w: ops.sgd_update(w, g, None, lr=0.1),
        lambda w: ops.adam_update(
            w, g, np.zeros(shape), np.zeros(shape), 0.01, 0.9, 0.999, 1e-7, 1
        ),
        lambda w: ops.rmsprop_update(w, g, np.zeros(shape), None, 0.01, 0.9, 0.0, 1e-7),
        lambda w: ops.adagrad_update(w, g, np.zeros(shape), 0.1, 1e-7),
    ]
    for update in updates:
        w = w0.copy()
        update(w)
        assert np.all(w != w0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_give_same_bits(dtype):
    # 400000 parameters: enough work for Adam to use two threads.
    shape = (400, 1000)
    g = gradients(shape, dtype)[0]
    before = pybp.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            pybp.set_num_threads(threads)
            w, m, v = (
                start(shape, dtype),
                np.zeros(shape, dtype),
                np.zeros(shape, dtype),
            )
            ops.adam_update(w, g, m, v, 0.01, 0.9, 0.999, 1e-7, 3, 0.01)
            results.append((w, m, v))
    finally:
        pybp.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
