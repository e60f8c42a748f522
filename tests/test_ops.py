"""pybp.ops: output dtypes, matmul, and a table of rejected inputs."""

import numpy as np
import pytest

import pybp
from pybp import _native, errors, ops


def arr(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def read_only(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "transpose_a,transpose_b",
    [(False, False), (True, False), (False, True), (True, True)],
)
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (7, 3, 5), (13, 17, 1), (2, 29, 31)])
def test_matmul_matches_numpy(m, n, k, transpose_a, transpose_b, dtype):
    a = arr((k, m) if transpose_a else (m, k), dtype)
    b = arr((n, k) if transpose_b else (k, n), dtype, seed=1)
    c = ops.matmul(a, b, transpose_a, transpose_b, alpha=0.5)
    op_a = a.T if transpose_a else a
    op_b = b.T if transpose_b else b
    expected = 0.5 * (op_a.astype(np.float64) @ op_b)
    assert c.dtype == dtype
    tol = 1e-5 * k if dtype == np.float32 else 1e-13 * k
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)


def test_matmul_accumulates_with_beta():
    a, b = arr((3, 4)), arr((4, 5), seed=1)
    out = arr((3, 5), seed=2)
    expected = a @ b + 2.0 * out
    ops.matmul(a, b, beta=2.0, out=out)
    np.testing.assert_allclose(out, expected, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_keep_input_dtype(dtype):
    x, w, b = arr((4, 3), dtype), arr((3, 2), dtype), arr((2,), dtype)
    y = ops.dense_forward(x, w, b)
    dx, dw, db = ops.dense_backward(np.ones_like(y), x, w, y)
    assert y.dtype == dtype
    assert dx.dtype == dw.dtype == db.dtype == dtype
    assert ops.activation("tanh", x).dtype == dtype
    assert ops.loss("mse", y, y)[1].dtype == dtype


def test_dense_forward_writes_out():
    x, w = arr((4, 3)), arr((3, 2))
    out = np.empty((4, 2))
    assert ops.dense_forward(x, w, out=out) is out


x32, x64 = arr((4, 3), np.float32), arr((4, 3))
w32, w64 = arr((3, 2), np.float32), arr((3, 2))
sq = arr((3, 3))
labels = np.array([0, 1, 2, 1])
p4x3 = arr((4, 3), seed=3)
nan_t = p4x3.copy()
nan_t[1, 2] = np.nan
state = np.zeros(6)

# (case id, call, exception class, message pattern)
BAD_INPUTS = [
    (
        "int_dtype",
        lambda: ops.activation("relu", np.ones((2, 3), np.int32)),
        errors.DTypeError,
        r"x must have dtype float32 or float64, got int32",
    ),
    (
        "list_input",
        lambda: ops.activation("relu", [[1.0, 2.0]]),
        errors.DTypeError,
        r"x must be a numpy.ndarray .*numpy.asarray\(x, dtype=numpy",
    ),
    (
        "mixed_dtypes_dense",
        lambda: ops.dense_forward(x32, w64),
        errors.DTypeError,
        r"w has dtype float64 but x has dtype float32",
    ),
    (
        "mixed_dtypes_bias",
        lambda: ops.dense_forward(x64, w64, np.zeros(2, np.float32)),
        errors.DTypeError,
        r"b has dtype float32 but x has dtype float64",
    ),
    (
        "mixed_dtypes_loss",
        lambda: ops.loss("mse", x32, x64),
        errors.DTypeError,
        r"y_pred has dtype float64 but y_true has dtype float32",
    ),
    (
        "mixed_dtypes_matmul",
        lambda: ops.matmul(x32, w64),
        errors.DTypeError,
        r"b has dtype float64 but a has dtype float32",
    ),
    (
        "wrong_shape_w",
        lambda: ops.dense_forward(x64, arr((4, 2))),
        errors.ShapeError,
        r"w must have size 3 on axis 0",
    ),
    (
        "wrong_shape_b",
        lambda: ops.dense_forward(x64, w64, np.zeros(3)),
        errors.ShapeError,
        r"b must have size 2 on axis 0",
    ),
    (
        "wrong_ndim_x",
        lambda: ops.dense_forward(np.zeros(3), w64),
        errors.ShapeError,
        r"x must be 2-D",
    ),
    (
        "wrong_shape_out",
        lambda: ops.dense_forward(x64, w64, out=np.zeros((4, 3))),
        errors.ShapeError,
        r"out must have size 2 on axis 1",
    ),
    (
        "non_contiguous",
        lambda: ops.dense_forward(arr((3, 4)).T, w64),
        errors.LayoutError,
        r"x must be C-contiguous",
    ),
    (
        "read_only_out",
        lambda: ops.activation("relu", x64, out=read_only(np.zeros((4, 3)))),
        errors.LayoutError,
        r"out must be writable",
    ),
    (
        "read_only_weights",
        lambda: ops.sgd_update(read_only(np.zeros(6)), state, lr=0.1),
        errors.LayoutError,
        r"w must be writable",
    ),
    (
        "out_aliases_input",
        lambda: ops.dense_forward(sq, sq, out=sq),
        errors.LayoutError,
        r"out must not share memory with x",
    ),
    (
        "state_aliases_gradient",
        lambda: ops.adagrad_update(np.zeros(6), state, state, 0.1, 1e-7),
        errors.LayoutError,
        r"acc must not share memory with g",
    ),
    (
        "mismatched_loss",
        lambda: ops.loss("mse", arr((4, 2)), p4x3),
        errors.ShapeError,
        r"y_true must have size 3 on axis 1",
    ),
    (
        "mismatched_gradient",
        lambda: ops.sgd_update(np.zeros(6), np.zeros(5), lr=0.1),
        errors.ShapeError,
        r"g must have size 6 on axis 0",
    ),
    (
        "mismatched_labels",
        lambda: ops.loss("sparse_categorical_crossentropy", labels[:3], p4x3),
        errors.ShapeError,
        r"y_true must have size 4",
    ),
    (
        "float_labels",
        lambda: ops.loss("sparse_categorical_crossentropy", labels.astype(float), p4x3),
        errors.DTypeError,
        r"y_true must have dtype int64",
    ),
    (
        "nan_in_y_true",
        lambda: ops.loss("mae", nan_t, p4x3),
        errors.NonFiniteError,
        r"y_true contains nan at index \(1, 2\)",
    ),
    (
        "nan_in_y_pred",
        lambda: ops.loss("mae", p4x3, nan_t),
        errors.NonFiniteError,
        r"y_pred contains nan at index \(1, 2\)",
    ),
    (
        "label_out_of_range",
        lambda: ops.loss(
            "sparse_categorical_crossentropy", np.array([0, 3, 1, 1]), p4x3
        ),
        errors.LabelError,
        r"y_true must contain class labels in \[0, 3\), got 3 at index 1",
    ),
    (
        "unknown_activation",
        lambda: ops.activation("swish", x64),
        errors.InvalidArgumentError,
        r"activation must be one of .*'relu'.*got 'swish'",
    ),
    (
        "unknown_dense_activation",
        lambda: ops.dense_forward(x64, w64, activation="ReLU"),
        errors.InvalidArgumentError,
        r"activation must be one of",
    ),
    (
        "unknown_loss",
        lambda: ops.loss("hinge", p4x3, p4x3),
        errors.InvalidArgumentError,
        r"loss must be one of .*'mse'.*got 'hinge'",
    ),
    (
        "gelu_backward_without_x",
        lambda: ops.activation_grad("gelu", x64, x64),
        errors.InvalidArgumentError,
        r"'gelu' needs x, the pre-activation",
    ),
    (
        "relu_backward_without_y",
        lambda: ops.activation_grad("relu", x64, None),
        errors.InvalidArgumentError,
        r"'relu' needs y",
    ),
    (
        "negative_alpha",
        lambda: ops.activation("leaky_relu", x64, alpha=-0.1),
        errors.InvalidArgumentError,
        r"alpha must be >= 0, got -0.1",
    ),
    (
        "nan_alpha",
        lambda: ops.activation("elu", x64, alpha=float("nan")),
        errors.InvalidArgumentError,
        r"alpha must be finite",
    ),
    (
        "negative_lr",
        lambda: ops.sgd_update(np.zeros(6), state, lr=-0.1),
        errors.InvalidArgumentError,
        r"lr must be > 0, got -0.1",
    ),
    (
        "zero_lr",
        lambda: ops.adagrad_update(np.zeros(6), state, np.zeros(6), 0, 1e-7),
        errors.InvalidArgumentError,
        r"lr must be > 0, got 0.0",
    ),
    (
        "momentum_one",
        lambda: ops.sgd_update(np.zeros(6), state, np.zeros(6), lr=0.1, momentum=1.0),
        errors.InvalidArgumentError,
        r"momentum must be in \[0, 1\), got 1.0",
    ),
    (
        "momentum_without_velocity",
        lambda: ops.sgd_update(np.zeros(6), state, lr=0.1, momentum=0.9),
        errors.InvalidArgumentError,
        r"needs a velocity array",
    ),
    (
        "beta1_zero",
        lambda: ops.adam_update(
            np.zeros(6), state, np.zeros(6), np.zeros(6), 0.1, 0.0, 0.999, 1e-7, 1
        ),
        errors.InvalidArgumentError,
        r"beta1 must be in \(0, 1\), got 0.0",
    ),
    (
        "beta2_one",
        lambda: ops.adam_update(
            np.zeros(6), state, np.zeros(6), np.zeros(6), 0.1, 0.9, 1.0, 1e-7, 1
        ),
        errors.InvalidArgumentError,
        r"beta2 must be in \(0, 1\), got 1.0",
    ),
    (
        "eps_zero",
        lambda: ops.adam_update(
            np.zeros(6), state, np.zeros(6), np.zeros(6), 0.1, 0.9, 0.999, 0.0, 1
        ),
        errors.InvalidArgumentError,
        r"eps must be > 0, got 0.0",
    ),
    (
        "step_zero",
        lambda: ops.adam_update(
            np.zeros(6), state, np.zeros(6), np.zeros(6), 0.1, 0.9, 0.999, 1e-7, 0
        ),
        errors.InvalidArgumentError,
        r"step must be an integer >= 1, got 0",
    ),
    (
        "negative_weight_decay",
        lambda: ops.adam_update(
            np.zeros(6), state, np.zeros(6), np.zeros(6), 0.1, 0.9, 0.999, 1e-7, 1, -1.0
        ),
        errors.InvalidArgumentError,
        r"weight_decay must be >= 0, got -1.0",
    ),
    (
        "rho_one",
        lambda: ops.rmsprop_update(
            np.zeros(6), state, np.zeros(6), None, 0.1, 1.0, 0.0, 1e-7
        ),
        errors.InvalidArgumentError,
        r"rho must be in \[0, 1\), got 1.0",
    ),
    (
        "huber_delta_zero",
        lambda: ops.loss("huber", p4x3, p4x3, delta=0.0),
        errors.InvalidArgumentError,
        r"delta must be > 0, got 0.0",
    ),
    (
        "lr_string",
        lambda: ops.sgd_update(np.zeros(6), state, lr="0.1"),
        errors.InvalidArgumentError,
        r"lr must be a real number, got str",
    ),
    (
        "beta_without_out",
        lambda: ops.matmul(sq, sq, beta=1.0),
        errors.InvalidArgumentError,
        r"beta must be 0 when out is None",
    ),
    (
        "matmul_inner_sizes",
        lambda: ops.matmul(x64, x64),
        errors.ShapeError,
        r"a and b do not chain",
    ),
]


@pytest.mark.parametrize(
    "call,error,pattern",
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_raises(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert isinstance(info.value, pybp.PybpError)


def test_partial_overlap_rejected():
    buffer = np.zeros(8)
    with pytest.raises(errors.LayoutError, match=r"out must not share memory with x"):
        ops.activation("relu", buffer[:6], out=buffer[2:])


def test_zero_sizes_work():
    x = np.zeros((0, 3))
    w = arr((3, 2))
    assert ops.dense_forward(x, w).shape == (0, 2)
    y = ops.dense_forward(np.zeros((4, 0)), np.zeros((0, 2)), np.ones(2))
    np.testing.assert_array_equal(y, 1.0)
    dx, dw, db = ops.dense_backward(np.zeros((0, 2)), x, w, np.zeros((0, 2)))
    assert dx.shape == (0, 3)
    np.testing.assert_array_equal(dw, 0.0)
    np.testing.assert_array_equal(db, 0.0)
    assert ops.activation("softmax", np.zeros((3, 0))).shape == (3, 0)


lib, ffi = _native.lib, _native.ffi
buf = np.zeros(64)
p = _native.ptr(buf)
labels64 = np.array([0, 1], np.int64)
value = ffi.new("double *")
# (case id, C call); each must return PYBP_ERR_INVALID.
INVALID_C_CALLS = [
    ("unknown_activation", lambda: lib.pybp_activation_forward_f64(11, 0, 2, 2, p, p)),
    ("negative_activation", lambda: lib.pybp_activation_forward_f64(-1, 0, 2, 2, p, p)),
    ("negative_rows", lambda: lib.pybp_activation_forward_f64(1, 0, -1, 2, p, p)),
    ("null_output", lambda: lib.pybp_activation_forward_f64(1, 0, 2, 2, p, ffi.NULL)),
    (
        "negative_leaky_alpha",
        lambda: lib.pybp_activation_forward_f64(2, -1, 2, 2, p, p),
    ),
    (
        "gelu_backward_null_x",
        lambda: lib.pybp_activation_backward_f64(6, 0, 2, 2, ffi.NULL, p, p, p),
    ),
    (
        "relu_backward_null_y",
        lambda: lib.pybp_activation_backward_f64(1, 0, 2, 2, p, ffi.NULL, p, p),
    ),
    (
        "dense_null_weights",
        lambda: lib.pybp_dense_forward_f64(2, 2, 2, p, ffi.NULL, p, 1, 0, p, p),
    ),
    (
        "dense_negative_batch",
        lambda: lib.pybp_dense_forward_f64(-2, 2, 2, p, p, p, 1, 0, p, p),
    ),
    (
        "dense_backward_dx_without_w",
        lambda: lib.pybp_dense_backward_f64(
            2, 2, 2, p, ffi.NULL, p, p, p, 1, 0, p, p, p, p
        ),
    ),
    (
        "unknown_loss",
        lambda: lib.pybp_loss_f64(5, 1.0, 2, 2, p, p, ffi.NULL, value, p),
    ),
    (
        "huber_zero_delta",
        lambda: lib.pybp_loss_f64(2, 0.0, 2, 2, p, p, ffi.NULL, value, p),
    ),
    (
        "loss_null_value",
        lambda: lib.pybp_loss_f64(0, 1.0, 2, 2, p, p, ffi.NULL, ffi.NULL, p),
    ),
    (
        "sparse_negative_classes",
        lambda: lib.pybp_loss_sparse_f64(
            2, -1, _native.ptr(labels64), p, ffi.NULL, value, p
        ),
    ),
    ("sgd_zero_lr", lambda: lib.pybp_sgd_f64(4, p, p, ffi.NULL, 0.0, 0.0, 0)),
    (
        "sgd_momentum_null_velocity",
        lambda: lib.pybp_sgd_f64(4, p, p, ffi.NULL, 0.1, 0.9, 0),
    ),
    (
        "adam_step_zero",
        lambda: lib.pybp_adam_f64(4, p, p, p, p, 0.1, 0.9, 0.999, 1e-7, 0, 0.0),
    ),
    (
        "adam_nan_beta",
        lambda: lib.pybp_adam_f64(
            4, p, p, p, p, 0.1, float("nan"), 0.999, 1e-7, 1, 0.0
        ),
    ),
    (
        "rmsprop_momentum_null_mom",
        lambda: lib.pybp_rmsprop_f64(4, p, p, p, ffi.NULL, 0.1, 0.9, 0.5, 1e-7),
    ),
    ("adagrad_inf_eps", lambda: lib.pybp_adagrad_f64(4, p, p, p, 0.1, float("inf"))),
]


@pytest.mark.parametrize(
    "call",
    [case[1] for case in INVALID_C_CALLS],
    ids=[case[0] for case in INVALID_C_CALLS],
)
def test_c_api_rejects_invalid_arguments(call):
    assert call() == lib.PYBP_ERR_INVALID
