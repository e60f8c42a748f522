"""Dense layer forward and backward against NumPy and finite differences."""

import numpy as np
import numpy_reference as ref
import pytest

import pybp
from pybp import ops

DTYPES = [np.float32, np.float64]
# (batch, n_in, n_out): sizes of 1 and primes.
SHAPES = [(1, 1, 1), (1, 5, 3), (7, 1, 2), (13, 11, 17), (4, 31, 1), (29, 3, 37)]
EPS = {np.float32: 6e-8, np.float64: 1.2e-16}


def random_layer(batch, n_in, n_out, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    w = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
    b = (0.1 * rng.standard_normal(n_out)).astype(dtype)
    return x, w, b


def tolerance(dtype, reduction):
    """An absolute tolerance for sums of `reduction` terms of order 1."""
    return 20 * EPS[dtype] * max(reduction, 1) + 10 * EPS[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_forward_matches_numpy(name, shape, dtype):
    n_in = shape[1]
    x, w, b = random_layer(*shape, dtype)
    y, z = ops.dense_forward(x, w, b, activation=name, return_preactivation=True)
    pre = x.astype(np.float64) @ w.astype(np.float64) + b
    tol = tolerance(dtype, n_in)
    assert y.dtype == dtype
    np.testing.assert_allclose(z, pre, rtol=0, atol=tol)
    # The activation of float32 z can move by its slope (at most about 1.2).
    np.testing.assert_allclose(y, ref.activation(name, z), rtol=tol, atol=2 * tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_without_bias(dtype):
    x, w, _ = random_layer(6, 5, 4, dtype)
    y = ops.dense_forward(x, w, None, activation="tanh")
    expected = np.tanh(x.astype(np.float64) @ w)
    np.testing.assert_allclose(y, expected, atol=tolerance(dtype, 5))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_backward_matches_numpy(name, shape, dtype):
    batch, _, n_out = shape
    x, w, b = random_layer(*shape, dtype)
    dy = np.random.default_rng(9).standard_normal((batch, n_out)).astype(dtype)
    y, z = ops.dense_forward(x, w, b, activation=name, return_preactivation=True)
    dx, dw, db = ops.dense_backward(dy, x, w, y, activation=name, z=z)
    dz = ref.activation_grad(name, z, dy)
    np.testing.assert_allclose(
        dw, x.T.astype(np.float64) @ dz, atol=tolerance(dtype, batch) * 4, rtol=0
    )
    np.testing.assert_allclose(
        db, dz.sum(axis=0), atol=tolerance(dtype, batch) * 4, rtol=0
    )
    np.testing.assert_allclose(
        dx, dz @ w.T.astype(np.float64), atol=tolerance(dtype, n_out) * 4, rtol=0
    )


def test_backward_skips_dx_and_db():
    x, w, b = random_layer(5, 4, 3, np.float64)
    y = ops.dense_forward(x, w, b)
    dy = np.ones_like(y)
    dx, dw, db = ops.dense_backward(dy, x, w, y, need_dx=False, use_bias=False)
    assert dx is None
    assert db is None
    _, dw_all, _ = ops.dense_backward(dy, x, w, y)
    np.testing.assert_array_equal(dw, dw_all)


def test_backward_dz_may_overwrite_dy():
    x, w, b = random_layer(5, 4, 3, np.float64)
    y = ops.dense_forward(x, w, b, activation="sigmoid")
    dy = np.random.default_rng(1).standard_normal(y.shape)
    dx, dw, db = ops.dense_backward(dy, x, w, y, activation="sigmoid")
    dx2, dw2, db2 = np.empty_like(x), np.empty_like(w), np.empty_like(b)
    pybp._native.dense_backward(x, w, None, y, dy, dy, dx2, dw2, db2, "sigmoid")
    np.testing.assert_array_equal(dx2, dx)
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 2, 1), (5, 1, 3)])
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_backward_matches_finite_differences(name, shape):
    x, w, b = random_layer(*shape, np.float64, seed=3)
    r = np.random.default_rng(4).standard_normal((shape[0], shape[2]))

    def objective():
        return float((ops.dense_forward(x, w, b, activation=name) * r).sum())

    y, z = ops.dense_forward(x, w, b, activation=name, return_preactivation=True)
    dx, dw, db = ops.dense_backward(r, x, w, y, activation=name, z=z)
    num_dx, num_dw, num_db = ref.central_difference(objective, [x, w, b])
    for analytic, numeric in [(dx, num_dx), (dw, num_dw), (db, num_db)]:
        if not (name == "softmax" and shape[2] == 1):
            assert np.any(analytic != 0)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


STACKS = [
    ("tanh", "gelu", "linear"),
    ("elu", "sigmoid", "softmax"),
    ("selu", "gelu_tanh", "softplus"),
    ("leaky_relu", "relu", "linear"),
]
LOSSES = [
    "mse",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
]


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("activations", STACKS)
def test_three_layer_stack_gradient(activations, loss_name):
    rng = np.random.default_rng(5)
    sizes = [5, 7, 4, 3]
    batch = 6
    x = rng.standard_normal((batch, sizes[0]))
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))
        params.append(0.1 * rng.standard_normal(n_out))
    if loss_name == "sparse_categorical_crossentropy":
        target = rng.integers(0, sizes[-1], size=batch)
    else:
        target = rng.uniform(0, 1, size=(batch, sizes[-1]))

    def forward():
        h, cache = x, []
        for layer, name in enumerate(activations):
            w, b = params[2 * layer], params[2 * layer + 1]
            y, z = ops.dense_forward(
                h, w, b, activation=name, return_preactivation=True
            )
            cache.append((h, z, y))
            h = y
        return h, cache

    def objective():
        return ops.loss(loss_name, target, forward()[0], delta=0.3)[0]

    out, cache = forward()
    _, dy = ops.loss(loss_name, target, out, delta=0.3)
    grads = [None] * len(params)
    for layer in reversed(range(len(activations))):
        h, z, y = cache[layer]
        dy, grads[2 * layer], grads[2 * layer + 1] = ops.dense_backward(
            dy,
            h,
            params[2 * layer],
            y,
            activation=activations[layer],
            z=z,
            need_dx=layer > 0,
        )
    numeric = ref.central_difference(objective, params)
    for analytic, expected in zip(grads, numeric):
        assert np.any(analytic != 0)
        np.testing.assert_allclose(analytic, expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "tanh", "softmax", "gelu"])
def test_threads_give_same_bits(name, dtype):
    # Large enough that the activation, backward and column sums go parallel.
    x, w, b = random_layer(1536, 24, 700, dtype, seed=7)
    dy = np.random.default_rng(8).standard_normal((1536, 700)).astype(dtype)
    before = pybp.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            pybp.set_num_threads(threads)
            y, z = ops.dense_forward(
                x, w, b, activation=name, return_preactivation=True
            )
            grads = ops.dense_backward(dy, x, w, y, activation=name, z=z)
            results.append((y, z) + grads)
    finally:
        pybp.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
