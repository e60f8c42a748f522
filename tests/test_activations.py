"""Activation forward and backward kernels against NumPy and finite differences."""

import numpy as np
import numpy_reference as ref
import pytest

import pybp
from pybp import ops

SHAPES = [(1, 1), (1, 7), (13, 1), (5, 17), (31, 3), (2, 3, 5)]
DTYPES = [np.float32, np.float64]
# Relative and absolute tolerances of a result that went through float32.
TOL = {np.float32: (2e-5, 2e-6), np.float64: (1e-12, 1e-14)}


def random_input(shape, dtype, seed=0, scale=3.0):
    """Values spread around 0 but at least 0.05 away, clear of the kinks."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-scale, scale, size=shape)
    x = np.where(np.abs(x) < 0.05, x + np.sign(x + 1e-12) * 0.1, x)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_forward_matches_numpy(name, shape, dtype):
    x = random_input(shape, dtype)
    y = ops.activation(name, x)
    rtol, atol = TOL[dtype]
    assert y.dtype == dtype
    assert y.shape == shape
    np.testing.assert_allclose(y, ref.activation(name, x), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_backward_matches_numpy(name, shape, dtype):
    x = random_input(shape, dtype, seed=1)
    dy = random_input(shape, dtype, seed=2)
    y = ops.activation(name, x)
    dx = ops.activation_grad(name, dy, y, x=x)
    rtol, atol = TOL[dtype]
    expected = ref.activation_grad(name, x, dy)
    # float32 y feeds the derivative, so allow a few ulps of y on top.
    np.testing.assert_allclose(dx, expected, rtol=rtol * 4, atol=atol * 4)


@pytest.mark.parametrize(
    "name,alpha",
    [("leaky_relu", 0.01), ("leaky_relu", 0.0), ("elu", 0.5), ("elu", 2.0)],
)
def test_alpha_is_used(name, alpha):
    x = random_input((4, 9), np.float64)
    dy = random_input((4, 9), np.float64, seed=3)
    y = ops.activation(name, x, alpha=alpha)
    np.testing.assert_allclose(y, ref.activation(name, x, alpha), rtol=1e-13)
    dx = ops.activation_grad(name, dy, y, alpha=alpha)
    np.testing.assert_allclose(dx, ref.activation_grad(name, x, dy, alpha), rtol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (2, 7)])
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_backward_matches_finite_differences(name, shape):
    x = random_input(shape, np.float64, seed=4)
    dy = random_input(shape, np.float64, seed=5)
    y = ops.activation(name, x)
    dx = ops.activation_grad(name, dy, y, x=x)
    (numeric,) = ref.central_difference(
        lambda: float((ops.activation(name, x) * dy).sum()), [x]
    )
    if not (name == "softmax" and shape[1] == 1):
        assert np.any(dx != 0)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ref.ACTIVATION_NAMES)
def test_extreme_inputs_stay_finite(name, dtype):
    big = 1e30 if dtype == np.float32 else 1e300
    x = np.array([[-big, -1000.0, -88.0, -30.5, 0.0, 30.5, 88.0, 1000.0, big]], dtype)
    y = ops.activation(name, x)
    dx = ops.activation_grad(name, np.ones_like(x), y, x=x)
    assert np.all(np.isfinite(y))
    assert np.all(np.isfinite(dx))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_limits_are_exact(dtype):
    y = ops.activation("sigmoid", np.array([-1000.0, 1000.0], dtype))
    assert y[0] == 0
    assert y[1] == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows_sum_to_one(dtype):
    x = random_input((6, 11), dtype, scale=50.0)
    y = ops.activation("softmax", x)
    np.testing.assert_allclose(
        y.sum(axis=1), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-14
    )


@pytest.mark.parametrize("name", ["relu", "tanh", "softmax", "gelu"])
def test_forward_in_place(name):
    x = random_input((5, 8), np.float64)
    expected = ops.activation(name, x)
    out = ops.activation(name, x, out=x)
    assert out is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "softmax"])
def test_backward_in_place(name):
    x = random_input((5, 8), np.float64)
    dy = random_input((5, 8), np.float64, seed=1)
    y = ops.activation(name, x)
    expected = ops.activation_grad(name, dy, y)
    pybp._native.activation_backward(name, dy, dy, y=y)
    np.testing.assert_array_equal(dy, expected)


@pytest.mark.parametrize("alias", [None, "identity", "linear"])
def test_linear_aliases(alias):
    x = random_input((3, 4), np.float32)
    np.testing.assert_array_equal(ops.activation(alias, x), x)


# The odd shape leaves each thread's part a partial last vector.
@pytest.mark.parametrize("shape", [(700, 300), (701, 301)])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softmax", "gelu"])
def test_threads_give_same_bits(name, shape):
    x = random_input(shape, np.float32, seed=6)
    dy = random_input(shape, np.float32, seed=7)
    before = pybp.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            pybp.set_num_threads(threads)
            y = ops.activation(name, x)
            results.append((y, ops.activation_grad(name, dy, y, x=x)))
    finally:
        pybp.set_num_threads(before)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_float32_accuracy_on_every_isa(name, isa):
    sweep = np.linspace(-20, 20, 400_001)
    tiny = np.logspace(-30, 1.9, 20_000)
    x = np.concatenate([sweep, tiny, -tiny]).astype(np.float32)
    expected = ref.activation(name, x)
    y = ops.activation(name, x)
    # sigmoid flushes results below the smallest normal float to 0.
    normal = np.abs(expected) > np.finfo(np.float32).tiny
    rel = np.abs(y[normal] - expected[normal]) / np.abs(expected[normal])
    assert rel.max() < 1e-6
    assert np.all(np.abs(y[~normal]) <= np.finfo(np.float32).tiny)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_float32_special_values_on_every_isa(name, isa):
    # Nine values, so the vector loop and the scalar tail both see them.
    x = np.array(
        [np.nan, -np.inf, np.inf, -1000, 1000, 0.0, -0.0, np.nan, -np.inf], np.float32
    )
    y = ops.activation(name, x)
    low, high = (-1.0, 1.0) if name == "tanh" else (0.0, 1.0)
    assert np.isnan(y[0])
    assert np.isnan(y[7])
    for i in (1, 3, 8):
        assert y[i] == low
    for i in (2, 4):
        assert y[i] == high
    assert y[5] == ref.activation(name, np.zeros(1))[0]
