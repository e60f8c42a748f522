"""pybp.ops on bad input: each case raises a named pybp error or is handled.

ops takes NumPy arrays only, C-contiguous, of one float dtype per call, and
never copies: lists, Fortran-ordered and strided arrays are rejected with a
message that shows how to convert them.
"""

import numpy as np
import pytest

from pybp import errors, ops

F32 = np.float32


def arr(*shape, dtype=F32, fill=0.5):
    return np.full(shape, fill, dtype=dtype)


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


SQUARE = arr(4, 4)
ADAM_M = arr(4)

# (name, call, error class, words the message must contain)
REJECTED = [
    ("matmul_list", lambda: ops.matmul([[1.0]], [[1.0]]),
     errors.DTypeError, ["a must be a numpy.ndarray", "list"]),
    ("matmul_1d", lambda: ops.matmul(arr(4), arr(4, 2)),
     errors.ShapeError, ["a must be 2-D", "(4,)"]),
    ("matmul_3d", lambda: ops.matmul(arr(2, 3, 4), arr(4, 2)),
     errors.ShapeError, ["a must be 2-D", "(2, 3, 4)"]),
    ("matmul_inner_mismatch", lambda: ops.matmul(arr(3, 4), arr(3, 4)),
     errors.ShapeError, ["do not chain", "3 x 4"]),
    ("matmul_object", lambda: ops.matmul(arr(3, 4).astype(object), arr(4, 2)),
     errors.DTypeError, ["float32 or float64", "object"]),
    ("matmul_string", lambda: ops.matmul(np.array([["a"]]), arr(1, 1)),
     errors.DTypeError, ["float32 or float64", "<U1"]),
    ("matmul_int", lambda: ops.matmul(np.ones((3, 4), np.int64), arr(4, 2)),
     errors.DTypeError, ["float32 or float64", "int64"]),
    ("matmul_mixed_dtype", lambda: ops.matmul(arr(3, 4), arr(4, 2, dtype=np.float64)),
     errors.DTypeError, ["b has dtype float64", "a has dtype float32"]),
    ("matmul_fortran", lambda: ops.matmul(np.asfortranarray(arr(3, 4)), arr(4, 2)),
     errors.LayoutError, ["a must be C-contiguous", "ascontiguousarray"]),
    ("matmul_strided", lambda: ops.matmul(arr(3, 8)[:, ::2], arr(4, 2)),
     errors.LayoutError, ["a must be C-contiguous"]),
    ("matmul_read_only_out", lambda: ops.matmul(arr(3, 4), arr(4, 2),
                                                out=read_only(arr(3, 2))),
     errors.LayoutError, ["out must be writable", "read-only"]),
    ("matmul_out_aliases_input", lambda: ops.matmul(SQUARE, SQUARE, out=SQUARE),
     errors.LayoutError, ["out must not share memory with a"]),
    ("matmul_out_wrong_shape", lambda: ops.matmul(arr(3, 4), arr(4, 2),
                                                  out=arr(2, 3)),
     errors.ShapeError, ["out must have shape (3, 2)", "(2, 3)"]),
    ("matmul_beta_without_out", lambda: ops.matmul(arr(3, 4), arr(4, 2), beta=1.0),
     errors.InvalidArgumentError, ["beta must be 0 when out is None", "1.0"]),
    ("matmul_nan_alpha", lambda: ops.matmul(arr(3, 4), arr(4, 2), alpha=np.nan),
     errors.InvalidArgumentError, ["alpha must be finite", "nan"]),
    ("activation_unknown", lambda: ops.activation("swishy", arr(2, 2)),
     errors.InvalidArgumentError, ["activation must be one of", "relu", "'swishy'"]),
    ("activation_list", lambda: ops.activation("relu", [1.0, 2.0]),
     errors.DTypeError, ["x must be a numpy.ndarray", "list"]),
    ("activation_strided", lambda: ops.activation("relu", arr(3, 8)[:, ::2]),
     errors.LayoutError, ["x must be C-contiguous"]),
    ("activation_read_only_out", lambda: ops.activation("relu", arr(2, 2),
                                                        out=read_only(arr(2, 2))),
     errors.LayoutError, ["out must be writable"]),
    ("activation_partial_alias", lambda: ops.activation("relu", SQUARE[:2],
                                                        out=SQUARE[1:3]),
     errors.LayoutError, ["out must not share memory with x"]),
    ("activation_negative_alpha", lambda: ops.activation("leaky_relu", arr(2, 2),
                                                         alpha=-1),
     errors.InvalidArgumentError, ["alpha must be >= 0", "-1"]),
    ("activation_grad_missing_y", lambda: ops.activation_grad("relu", arr(2, 2), None),
     errors.InvalidArgumentError, ["needs y", "None"]),
    ("activation_grad_shape", lambda: ops.activation_grad("relu", arr(3, 4), arr(4, 2)),
     errors.ShapeError, ["y must have size 3 on axis 0"]),
    ("dense_forward_w_mismatch", lambda: ops.dense_forward(arr(3, 4), arr(3, 4)),
     errors.ShapeError, ["w must have size 4 on axis 0", "(3, 4)"]),
    ("dense_forward_bias_shape", lambda: ops.dense_forward(arr(3, 4), arr(4, 2),
                                                           arr(3)),
     errors.ShapeError, ["b must have size 2", "(3,)"]),
    ("dense_forward_1d_x", lambda: ops.dense_forward(arr(4), arr(4, 2)),
     errors.ShapeError, ["x must be 2-D", "(4,)"]),
    ("dense_forward_unknown_activation", lambda: ops.dense_forward(
        arr(3, 4), arr(4, 2), activation="bogus"),
     errors.InvalidArgumentError, ["activation must be one of", "'bogus'"]),
    ("dense_backward_dy_shape", lambda: ops.dense_backward(
        arr(3, 3), arr(3, 4), arr(4, 2), arr(3, 2)),
     errors.ShapeError, ["must have size"]),
    ("dense_backward_gelu_without_z", lambda: ops.dense_backward(
        arr(3, 2), arr(3, 4), arr(4, 2), arr(3, 2), activation="gelu"),
     errors.InvalidArgumentError, ["'gelu' needs z", "None"]),
    ("loss_unknown", lambda: ops.loss("hinge", arr(2, 2), arr(2, 2)),
     errors.InvalidArgumentError, ["loss must be one of", "mse", "'hinge'"]),
    ("loss_shape_mismatch", lambda: ops.loss("mse", arr(3, 4), arr(3, 5)),
     errors.ShapeError, ["y_true must have size 5 on axis 1", "(3, 4)"]),
    ("loss_3d", lambda: ops.loss("mse", arr(2, 3, 4), arr(2, 3, 4)),
     errors.ShapeError, ["y_pred must be 1-D or 2-D", "(2, 3, 4)"]),
    ("loss_nan_pred", lambda: ops.loss("mse", arr(2, 2), arr(2, 2, fill=np.nan)),
     errors.NonFiniteError, ["y_pred contains nan", "(0, 0)"]),
    ("loss_inf_true", lambda: ops.loss("mse", arr(2, 2, fill=-np.inf), arr(2, 2)),
     errors.NonFiniteError, ["y_true contains -inf"]),
    ("loss_label_above", lambda: ops.loss("sparse_categorical_crossentropy",
                                          np.array([0, 1, 7]), arr(3, 4)),
     errors.LabelError, ["[0, 4)", "got 7 at index 2"]),
    ("loss_label_negative", lambda: ops.loss("sparse_categorical_crossentropy",
                                             np.array([0, -1, 2]), arr(3, 4)),
     errors.LabelError, ["[0, 4)", "got -1 at index 1"]),
    ("loss_float_labels", lambda: ops.loss("sparse_categorical_crossentropy",
                                           np.array([0.0, 1.0]), arr(2, 4)),
     errors.DTypeError, ["y_true must have dtype int64", "float64"]),
    ("loss_huber_delta_zero", lambda: ops.loss("huber", arr(2, 2), arr(2, 2), delta=0),
     errors.InvalidArgumentError, ["delta must be > 0", "0"]),
    ("loss_weight_shape", lambda: ops.loss("mse", arr(3, 2), arr(3, 2),
                                           sample_weight=arr(2)),
     errors.ShapeError, ["sample_weight must have size 3", "(2,)"]),
    ("loss_weight_negative", lambda: ops.loss("mse", arr(3, 2), arr(3, 2),
                                              sample_weight=arr(3, fill=-1.0)),
     errors.InvalidArgumentError, ["sample_weight must be >= 0", "-1.0 at index 0"]),
    ("loss_weight_nan", lambda: ops.loss("mse", arr(3, 2), arr(3, 2),
                                         sample_weight=arr(3, fill=np.nan)),
     errors.NonFiniteError, ["sample_weight contains nan"]),
    ("sgd_negative_lr", lambda: ops.sgd_update(arr(4), arr(4), lr=-0.1),
     errors.InvalidArgumentError, ["lr must be > 0", "-0.1"]),
    ("sgd_zero_lr", lambda: ops.sgd_update(arr(4), arr(4), lr=0.0),
     errors.InvalidArgumentError, ["lr must be > 0", "0.0"]),
    ("sgd_nan_lr", lambda: ops.sgd_update(arr(4), arr(4), lr=np.nan),
     errors.InvalidArgumentError, ["lr must be finite", "nan"]),
    ("sgd_momentum_one", lambda: ops.sgd_update(arr(4), arr(4), arr(4), momentum=1.0),
     errors.InvalidArgumentError, ["momentum must be in [0, 1)", "1.0"]),
    ("sgd_momentum_negative", lambda: ops.sgd_update(arr(4), arr(4), arr(4),
                                                     momentum=-0.5),
     errors.InvalidArgumentError, ["momentum must be in [0, 1)", "-0.5"]),
    ("sgd_gradient_aliases_w", lambda: ops.sgd_update(SQUARE, SQUARE),
     errors.LayoutError, ["w must not share memory with g"]),
    ("sgd_read_only_w", lambda: ops.sgd_update(read_only(arr(4)), arr(4)),
     errors.LayoutError, ["w must be writable"]),
    ("sgd_shape_mismatch", lambda: ops.sgd_update(arr(4), arr(3)),
     errors.ShapeError, ["g must have size 4", "(3,)"]),
    ("adam_beta1_one", lambda: ops.adam_update(arr(4), arr(4), arr(4), arr(4),
                                               0.1, 1.0, 0.9, 1e-7, 1),
     errors.InvalidArgumentError, ["beta1 must be in (0, 1)", "1.0"]),
    ("adam_step_zero", lambda: ops.adam_update(arr(4), arr(4), arr(4), arr(4),
                                               0.1, 0.9, 0.9, 1e-7, 0),
     errors.InvalidArgumentError, ["step must be an integer >= 1", "0"]),
    ("adam_m_aliases_v", lambda: ops.adam_update(arr(4), arr(4), ADAM_M, ADAM_M,
                                                 0.1, 0.9, 0.9, 1e-7, 1),
     errors.LayoutError, ["m must not share memory with v"]),
    ("rmsprop_rho_one", lambda: ops.rmsprop_update(arr(4), arr(4), arr(4), None,
                                                   0.1, 1.0, 0.0, 1e-7),
     errors.InvalidArgumentError, ["rho must be in [0, 1)", "1.0"]),
    ("adagrad_negative_eps", lambda: ops.adagrad_update(arr(4), arr(4), arr(4),
                                                        0.1, -1e-7),
     errors.InvalidArgumentError, ["eps must be > 0", "-1e-07"]),
]


@pytest.mark.parametrize("call, error, words", [case[1:] for case in REJECTED],
                         ids=[case[0] for case in REJECTED])
def test_bad_input_raises(call, error, words, assert_rejected):
    assert_rejected(call, error, words)


def test_matmul_zero_rows_gives_empty_result():
    out = ops.matmul(arr(0, 4), arr(4, 2))
    assert out.shape == (0, 2)


def test_matmul_zero_inner_size_gives_zeros():
    out = ops.matmul(arr(3, 0), arr(0, 2))
    np.testing.assert_array_equal(out, np.zeros((3, 2), F32))


def test_matmul_propagates_nan_unchecked():
    # matmul is plain arithmetic: NaN goes through, as in NumPy.
    out = ops.matmul(arr(2, 3, fill=np.nan), arr(3, 2))
    assert np.isnan(out).all()


def test_activation_of_empty_array():
    out = ops.activation("relu", arr(0, 3))
    assert out.shape == (0, 3)


def test_activation_in_place_is_allowed():
    x = np.linspace(-1, 1, 12, dtype=F32).reshape(3, 4)
    expected = np.maximum(x, 0)
    out = ops.activation("relu", x, out=x)
    assert out is x
    np.testing.assert_array_equal(x, expected)


def test_softmax_over_last_axis_of_3d():
    x = np.arange(24, dtype=F32).reshape(2, 3, 4)
    out = ops.activation("softmax", x)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-6)


def test_read_only_inputs_accepted():
    a, b = read_only(arr(3, 4)), read_only(arr(4, 2))
    np.testing.assert_allclose(ops.matmul(a, b), np.full((3, 2), 1.0), rtol=1e-6)
    np.testing.assert_array_equal(ops.activation("relu", a), a)
    value, grad = ops.loss("mse", a, a)
    assert value == 0.0


def test_loss_of_empty_batch_is_zero():
    # A mean over no rows is taken as 0, and the gradient is empty.
    value, grad = ops.loss("mse", arr(0, 3), arr(0, 3))
    assert value == 0.0
    assert grad.shape == (0, 3)


def test_sparse_loss_takes_integer_column():
    labels = np.array([[0], [2]], dtype=np.int32)
    value, grad = ops.loss("sparse_categorical_crossentropy", labels, arr(2, 3))
    assert value == pytest.approx(np.log(3), rel=1e-6)
