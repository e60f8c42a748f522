"""Microbenchmarks of the element-wise passes of a training step, per
instruction set, and of whole training steps (pytest-benchmark).

Run with ``python -m pytest bench/test_step_kernels_bench.py``; ``pytest
tests`` does not collect them. The element-wise shapes are those of a
784-256-128-10 network with minibatches of 128. The whole steps are two
workloads run through ``Sequential.fit`` (one C call per epoch):

- mnist_mlp: 784-256-128-10 relu, sparse softmax cross-entropy, Adam, batch 128;
- small_regression: 8-64-64-1 tanh, MSE with L2 on the kernels, SGD, batch 32.

Each benchmark of a step runs one epoch; divide by the batches per epoch
(``STEPS``) for the time of one step.
"""

import numpy as np
import pytest

from pybp import _native, layers, optimizers, regularizers
from pybp.models import Sequential

BATCH, N_IN, N_HIDDEN = 128, 784, 256
N_PARAMETERS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
STEPS = 20


@pytest.fixture(params=_native.supported_isas())
def isa(request):
    """Run the benchmark with each instruction set the CPU supports."""
    before = _native.get_isa()
    _native.set_isa(request.param)
    yield request.param
    _native.set_isa(before)


def hidden_output(name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, N_HIDDEN)).astype(np.float32)
    y = np.empty_like(x)
    _native.activation_forward(name, x, y)
    return x, y


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_activation_forward_per_isa(benchmark, isa, name):
    x, y = hidden_output(name)
    benchmark(_native.activation_forward, name, x, y)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_activation_backward_per_isa(benchmark, isa, name):
    _, y = hidden_output(name)
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    dx = np.empty_like(dy)
    benchmark(_native.activation_backward, name, dy, dx, y=y)


def test_dense_backward_relu_per_isa(benchmark, isa):
    """A hidden layer: relu derivative, dw, column sums for db and dx."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, N_HIDDEN)).astype(np.float32)
    w = rng.standard_normal((N_HIDDEN, 128)).astype(np.float32) / 16
    y = np.maximum(x[:, :128], 0)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dz, dx = np.empty_like(dy), np.empty_like(x)
    dw, db = np.empty_like(w), np.empty(128, np.float32)
    benchmark(_native.dense_backward, x, w, None, y, dy, dz, dx, dw, db, "relu")


def test_adam_per_isa(benchmark, isa):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(N_PARAMETERS).astype(np.float32)
    g = rng.standard_normal(N_PARAMETERS).astype(np.float32)
    m, v = np.zeros_like(w), np.zeros_like(w)
    benchmark(_native.adam, w, g, m, v, 0.001, 0.9, 0.999, 1e-7, 10)


def test_sgd_per_isa(benchmark, isa):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(N_PARAMETERS).astype(np.float32)
    g = rng.standard_normal(N_PARAMETERS).astype(np.float32)
    benchmark(_native.sgd, w, g, None, 0.01)


def mnist_mlp():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS * 128, 784)).astype(np.float32)
    y = rng.integers(0, 10, len(x))
    model = Sequential([layers.Input((784,)), layers.Dense(256, "relu"),
                        layers.Dense(128, "relu"), layers.Dense(10, "softmax")],
                       seed=0)
    model.compile(optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    return model, x, y, 128


def small_regression():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS * 32, 8)).astype(np.float32)
    y = rng.standard_normal((len(x), 1)).astype(np.float32)
    dense = [layers.Dense(units, activation, kernel_regularizer=regularizers.L2(1e-4))
             for units, activation in [(64, "tanh"), (64, "tanh"), (1, None)]]
    model = Sequential([layers.Input((8,)), *dense], seed=0)
    model.compile(optimizers.SGD(0.01), "mse")
    return model, x, y, 32


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("workload", [mnist_mlp, small_regression],
                         ids=["mnist_mlp", "small_regression"])
def test_training_epoch(benchmark, workload, threads):
    model, x, y, batch_size = workload()
    before = _native.get_num_threads()
    _native.set_num_threads(threads)
    try:
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        benchmark(model.fit, x, y, batch_size=batch_size, epochs=1, verbose=0)
    finally:
        _native.set_num_threads(before)
