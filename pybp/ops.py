"""NumPy-array functions over the compiled kernels, for hand-written loops.

Every function takes C-contiguous float32 or float64 arrays (all of one
dtype per call) and returns arrays of that dtype. Outputs are allocated
unless ``out`` is given. Weights are (inputs, units), so a dense layer is
``y = activation(x @ w + b)``. Optimizer updates work in place.
"""

import numpy as np

from pybp import _native, errors

__all__ = [
    "activation",
    "activation_grad",
    "adagrad_update",
    "adam_update",
    "dense_backward",
    "dense_forward",
    "loss",
    "matmul",
    "rmsprop_update",
    "sgd_update",
]


def _check_2d(arrays):
    # Check dtype and dimensions before the shapes are used to allocate.
    _native.check_float_dtype(arrays)
    for name, arr in arrays.items():
        if arr is not None:
            _native.check_array(name, arr, ndim=2)


def matmul(a, b, transpose_a=False, transpose_b=False, alpha=1.0, beta=0.0, out=None):
    """Return ``alpha * op(a) @ op(b) + beta * out``, op transposing on request.

    ``beta`` must be 0 unless ``out`` is given, because a new array has no
    values to scale.
    """
    if out is None:
        if beta != 0:
            raise errors.InvalidArgumentError(
                f"beta must be 0 when out is None, got {beta!r}"
            )
        _check_2d({"a": a, "b": b})
        m = a.shape[1] if transpose_a else a.shape[0]
        n = b.shape[0] if transpose_b else b.shape[1]
        out = np.empty((m, n), dtype=a.dtype)
    _native.matmul(a, b, out, transpose_a, transpose_b, alpha, beta)
    return out


def dense_forward(
    x, w, b=None, activation="relu", alpha=None, out=None, return_preactivation=False
):
    """Return ``activation(x @ w + b)`` for x (batch, n_in) and w (n_in, n_out).

    With ``return_preactivation`` return ``(y, z)``, z being ``x @ w + b``,
    which the backward of gelu and gelu_tanh needs.
    """
    _check_2d({"x": x, "w": w})
    shape = (x.shape[0], w.shape[1])
    y = np.empty(shape, dtype=x.dtype) if out is None else out
    z = np.empty(shape, dtype=x.dtype) if return_preactivation else None
    _native.dense_forward(x, w, b, y, z, activation, alpha)
    return (y, z) if return_preactivation else y


def dense_backward(
    dy, x, w, y, activation="relu", z=None, alpha=None, need_dx=True, use_bias=True
):
    """Return ``(dx, dw, db)``, the gradients of a dense layer.

    dy is the gradient of the loss with respect to the layer output y. dx is
    None unless ``need_dx``, db None unless ``use_bias``. gelu and gelu_tanh
    need z, the pre-activation.
    """
    _check_2d({"dy": dy, "x": x})
    dz = np.empty_like(dy)
    dx = np.empty(x.shape, dtype=x.dtype) if need_dx else None
    dw = np.empty((x.shape[1], dy.shape[1]), dtype=x.dtype)
    db = np.empty(dy.shape[1], dtype=x.dtype) if use_bias else None
    _native.dense_backward(x, w, z, y, dy, dz, dx, dw, db, activation, alpha)
    return dx, dw, db


def activation(name, x, alpha=None, out=None):
    """Return activation ``name`` of x, element-wise (softmax: over the last axis).

    ``out`` may be x itself to work in place. alpha is the negative slope of
    leaky_relu (default 0.2) and the alpha of elu (default 1.0).
    """
    _native.check_float_dtype({"x": x})
    if out is None:
        out = np.empty(x.shape, dtype=x.dtype)
    _native.activation_forward(name, x, out, alpha)
    return out


def activation_grad(name, dy, y, x=None, alpha=None):
    """Return ``dy * act'(.)``, the gradient with respect to the activation input.

    y is the activation output; gelu and gelu_tanh read x, the input, instead.
    """
    _native.check_float_dtype({"dy": dy})
    dx = np.empty(dy.shape, dtype=dy.dtype)
    _native.activation_backward(name, dy, dx, y, x, alpha)
    return dx


def loss(name, y_true, y_pred, sample_weight=None, delta=1.0):
    """Return ``(value, grad)``: the loss as a float and its gradient in y_pred.

    ``name`` is one of 'mse', 'mae', 'huber' (with ``delta``),
    'binary_crossentropy', 'categorical_crossentropy' and
    'sparse_categorical_crossentropy'; y_pred contains logits for the last
    three. The sparse loss takes integer class labels of shape (batch,).
    """
    name = _native.loss_name(name)
    _native.check_float_dtype({"y_pred": y_pred})
    if (
        name == _native.SPARSE_LOSS
        and isinstance(y_true, np.ndarray)
        and np.issubdtype(y_true.dtype, np.integer)
    ):
        if y_true.ndim == 2 and y_true.shape[1] == 1:
            y_true = y_true[:, 0]
        y_true = np.ascontiguousarray(y_true, dtype=np.int64)
    grad = np.empty(y_pred.shape, dtype=y_pred.dtype)
    value = _native.loss(name, y_true, y_pred, grad, sample_weight, delta)
    return value, grad


def sgd_update(w, g, velocity=None, lr=0.01, momentum=0.0, nesterov=False):
    """Update w (and velocity) in place by one SGD step."""
    _native.sgd(w, g, velocity, lr, momentum, nesterov)


def adam_update(w, g, m, v, lr, beta1, beta2, eps, step, weight_decay=0.0):
    """Update w, m and v in place by one Adam step; step counts from 1."""
    _native.adam(w, g, m, v, lr, beta1, beta2, eps, step, weight_decay)


def rmsprop_update(w, g, s, mom, lr, rho, momentum, eps):
    """Update w, s and mom in place by one RMSprop step."""
    _native.rmsprop(w, g, s, mom, lr, rho, momentum, eps)


def adagrad_update(w, g, acc, lr, eps):
    """Update w and acc in place by one Adagrad step."""
    _native.adagrad(w, g, acc, lr, eps)
