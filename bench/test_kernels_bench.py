"""Microbenchmarks of the layer, loss and optimizer kernels (pytest-benchmark).

Run with ``python -m pytest bench/test_kernels_bench.py``; ``pytest tests``
does not collect them. Shapes are those of a 784-256-10 network trained on
MNIST-sized inputs with minibatches of 128.
"""

import numpy as np
import pytest

from pybp import _native

BATCH, N_IN, N_HIDDEN, N_CLASSES = 128, 784, 256, 10


def layer(dtype, n_in=N_IN, n_out=N_HIDDEN):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, n_in)).astype(dtype)
    w = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
    b = np.zeros(n_out, dtype)
    return x, w, b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_forward_relu(benchmark, dtype):
    x, w, b = layer(dtype)
    y = np.empty((BATCH, N_HIDDEN), dtype)
    benchmark(_native.dense_forward, x, w, b, y, None, "relu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_backward_relu(benchmark, dtype):
    x, w, b = layer(dtype)
    y = np.empty((BATCH, N_HIDDEN), dtype)
    _native.dense_forward(x, w, b, y, None, "relu")
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    dz, dw, db = np.empty_like(dy), np.empty_like(w), np.empty_like(b)
    # A first layer: no dx.
    benchmark(_native.dense_backward, x, w, None, y, dy, dz, None, dw, db, "relu")


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu", "softmax"])
def test_activation_forward(benchmark, name):
    x = np.random.default_rng(0).standard_normal((BATCH, N_HIDDEN)).astype(np.float32)
    y = np.empty_like(x)
    benchmark(_native.activation_forward, name, x, y)


@pytest.mark.parametrize(
    "name", ["categorical_crossentropy", "binary_crossentropy", "mse"]
)
def test_loss(benchmark, name):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((BATCH, N_CLASSES)).astype(np.float32)
    target = np.eye(N_CLASSES, dtype=np.float32)[rng.integers(0, N_CLASSES, BATCH)]
    grad = np.empty_like(logits)
    benchmark(_native.loss, name, target, logits, grad)


def test_loss_sparse(benchmark):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((BATCH, N_CLASSES)).astype(np.float32)
    labels = rng.integers(0, N_CLASSES, BATCH)
    grad = np.empty_like(logits)
    benchmark(_native.loss, "sparse_categorical_crossentropy", labels, logits, grad)


def first_layer_parameters():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((N_IN, N_HIDDEN)).astype(np.float32)
    g = rng.standard_normal((N_IN, N_HIDDEN)).astype(np.float32)
    return w, g


def test_sgd_momentum(benchmark):
    w, g = first_layer_parameters()
    v = np.zeros_like(w)
    benchmark(_native.sgd, w, g, v, 0.01, 0.9, False)


def test_adam(benchmark):
    w, g = first_layer_parameters()
    m, v = np.zeros_like(w), np.zeros_like(w)
    benchmark(_native.adam, w, g, m, v, 0.001, 0.9, 0.999, 1e-7, 10)


def test_rmsprop(benchmark):
    w, g = first_layer_parameters()
    s = np.zeros_like(w)
    benchmark(_native.rmsprop, w, g, s, None, 0.001, 0.9, 0.0, 1e-7)
