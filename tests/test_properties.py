"""Property tests: random shapes, dtypes, activations and losses drawn by
hypothesis, kernels against NumPy float64 references and gradients against
central finite differences."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pybp import ops

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

sizes = st.sampled_from([1, 2, 3, 5, 7, 8, 13, 17, 31])
dtypes = st.sampled_from([np.float32, np.float64])
seeds = st.integers(0, 2 ** 32 - 1)

EPS = {np.float32: np.finfo(np.float32).eps, np.float64: np.finfo(np.float64).eps}
SELU_SCALE, SELU_ALPHA = 1.0507009873554804934, 1.6732632423543772848
_erfc = np.vectorize(math.erfc)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * _erfc(-x / math.sqrt(2)),
    "gelu_tanh": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                  * (x + 0.044715 * x ** 3))),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(0, x),
    "softmax": _softmax,
}


def _huber(d, delta=1.0):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _log_softmax(p):
    shifted = p - p.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


LOSSES = {
    "mse": lambda t, p: np.mean((p - t) ** 2),
    "mae": lambda t, p: np.mean(np.abs(p - t)),
    "huber": lambda t, p: np.mean(_huber(p - t)),
    "binary_crossentropy": lambda t, p: np.mean(np.logaddexp(0, p) - t * p),
    "categorical_crossentropy": lambda t, p: np.mean(-(t * _log_softmax(p)).sum(axis=1)),
}


def data(seed, shape, dtype, scale=1.0):
    """Normal values kept at least 0.05 from zero, where relu-like kinks sit."""
    x = np.random.default_rng(seed).normal(scale=scale, size=shape)
    x = np.where(np.abs(x) < 0.05, 0.05 + np.abs(x), x)
    return x.astype(dtype)


@SETTINGS
@given(m=sizes, k=sizes, n=sizes, dtype=dtypes, ta=st.booleans(), tb=st.booleans(),
       seed=seeds)
def test_matmul_matches_numpy(m, k, n, dtype, ta, tb, seed):
    a = data(seed, (k, m) if ta else (m, k), dtype)
    b = data(seed + 1, (n, k) if tb else (k, n), dtype)
    got = ops.matmul(a, b, transpose_a=ta, transpose_b=tb)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    want = (a64.T if ta else a64) @ (b64.T if tb else b64)
    scale = (np.abs(a64.T if ta else a64) @ np.abs(b64.T if tb else b64)).max()
    assert got.dtype == dtype
    assert np.abs(got - want).max() <= 4 * k * EPS[dtype] * scale


@SETTINGS
@given(batch=sizes, n_in=sizes, n_out=sizes, dtype=dtypes,
       name=st.sampled_from(sorted(ACTIVATIONS)), seed=seeds)
def test_dense_forward_matches_numpy(batch, n_in, n_out, dtype, name, seed):
    x = data(seed, (batch, n_in), dtype)
    w = data(seed + 1, (n_in, n_out), dtype, scale=0.5)
    b = data(seed + 2, (n_out,), dtype)
    got = ops.dense_forward(x, w, b, activation=name)
    z = x.astype(np.float64) @ w.astype(np.float64) + b
    want = ACTIVATIONS[name](z)
    tol = 8 * (n_in + 1) * EPS[dtype] * (1 + np.abs(x).max() * np.abs(w).sum(axis=0).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


@SETTINGS
@given(rows=sizes, cols=sizes, dtype=dtypes, name=st.sampled_from(sorted(ACTIVATIONS)),
       seed=seeds)
def test_activation_matches_numpy(rows, cols, dtype, name, seed):
    x = data(seed, (rows, cols), dtype, scale=3.0)
    got = ops.activation(name, x)
    want = ACTIVATIONS[name](x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=8 * cols * EPS[dtype],
                               atol=8 * EPS[dtype])


def numeric_gradient(f, x, eps=1e-6):
    """Central differences of the scalar function f at x (float64)."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f(x)
        x[idx] = old - eps
        down = f(x)
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


@SETTINGS
@given(rows=sizes, cols=sizes, name=st.sampled_from(sorted(ACTIVATIONS)), seed=seeds)
def test_activation_gradient_matches_finite_differences(rows, cols, name, seed):
    x = data(seed, (rows, cols), np.float64, scale=2.0)
    # One positive input keeps relu's gradient from being zero everywhere.
    x[0, 0] = abs(x[0, 0])
    dy = data(seed + 1, (rows, cols), np.float64)
    y = ops.activation(name, x)
    got = ops.activation_grad(name, dy, y, x=x)
    want = numeric_gradient(lambda v: float(np.sum(dy * ops.activation(name, v))), x)
    if name == "softmax" and cols == 1:
        # A softmax of one column is the constant 1: its gradient is 0.
        np.testing.assert_allclose(got, 0, atol=1e-12)
        return
    assert np.abs(got).max() > 0
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@SETTINGS
@given(batch=sizes, k=sizes, dtype=dtypes, name=st.sampled_from(sorted(LOSSES)),
       weighted=st.booleans(), seed=seeds)
def test_loss_matches_numpy(batch, k, dtype, name, weighted, seed):
    rng = np.random.default_rng(seed)
    p = data(seed, (batch, k), dtype, scale=2.0)
    if name in ("binary_crossentropy", "categorical_crossentropy"):
        t = np.eye(k)[rng.integers(0, k, batch)] if name.startswith("cat") \
            else rng.integers(0, 2, (batch, k))
    else:
        t = rng.normal(size=(batch, k))
    t = t.astype(dtype)
    sw = rng.random(batch).astype(dtype) if weighted else None
    value, grad = ops.loss(name, t, p, sample_weight=sw)
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    if sw is None:
        want = LOSSES[name](t64, p64)
    else:
        # Each row is weighted; the sum is still divided by the batch.
        rows = np.array([LOSSES[name](t64[i:i + 1], p64[i:i + 1]) for i in range(batch)])
        want = np.mean(rows * sw)
    assert np.isfinite(value)
    assert abs(value - want) <= 16 * batch * k * EPS[dtype] * max(1.0, abs(want))
    assert grad.shape == p.shape
    assert np.isfinite(grad).all()


@SETTINGS
@given(batch=sizes, k=sizes, name=st.sampled_from(sorted(LOSSES) + ["sparse"]),
       seed=seeds)
def test_loss_gradient_matches_finite_differences(batch, k, name, seed):
    rng = np.random.default_rng(seed)
    p = data(seed, (batch, k), np.float64, scale=2.0)
    if name == "sparse":
        name, t = "sparse_categorical_crossentropy", rng.integers(0, k, batch)
    elif name in ("binary_crossentropy", "categorical_crossentropy"):
        t = np.eye(k)[rng.integers(0, k, batch)]
    else:
        # Targets at least 0.1 from the predictions, away from the kinks of
        # mae and huber.
        t = p + np.where(rng.random((batch, k)) < 0.5, -1, 1) * (0.1 + rng.random((batch, k)))
    value, grad = ops.loss(name, t, p)
    want = numeric_gradient(lambda v: ops.loss(name, t, v)[0], p)
    if name in ("categorical_crossentropy", "sparse_categorical_crossentropy") and k == 1:
        np.testing.assert_allclose(grad, 0, atol=1e-12)
        return
    assert np.abs(grad).max() > 0
    np.testing.assert_allclose(grad, want, rtol=1e-6, atol=1e-8)


@SETTINGS
@given(batch=sizes, n_in=sizes, n_out=sizes, name=st.sampled_from(sorted(ACTIVATIONS)),
       seed=seeds)
def test_dense_backward_matches_finite_differences(batch, n_in, n_out, name, seed):
    x = data(seed, (batch, n_in), np.float64)
    w = data(seed + 1, (n_in, n_out), np.float64, scale=0.5)
    b = data(seed + 2, (n_out,), np.float64)
    # Keep the first unit of the first row active (pre-activation >= 0.5), so
    # relu cannot make every gradient zero.
    b[0] = abs(x[0] @ w[:, 0]) + 0.5
    dy = data(seed + 3, (batch, n_out), np.float64)
    y, z = ops.dense_forward(x, w, b, activation=name, return_preactivation=True)
    dx, dw, db = ops.dense_backward(dy, x, w, y, activation=name, z=z)

    def objective(x_, w_, b_):
        return float(np.sum(dy * ops.dense_forward(x_, w_, b_, activation=name)))

    grads = {"x": (dx, numeric_gradient(lambda v: objective(v, w, b), x)),
             "w": (dw, numeric_gradient(lambda v: objective(x, v, b), w)),
             "b": (db, numeric_gradient(lambda v: objective(x, w, v), b))}
    constant = name == "softmax" and n_out == 1
    for arg, (got, want) in grads.items():
        if constant:
            np.testing.assert_allclose(got, 0, atol=1e-12, err_msg=arg)
            continue
        assert np.abs(got).max() > 0, arg
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7 * n_in * n_out,
                                   err_msg=arg)
