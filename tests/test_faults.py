"""Interrupts, threads, memory growth and sizes beyond 32 bits."""

import threading

import numpy as np
import pytest

from pybp import callbacks, errors, layers
from pybp._native import ffi, lib
from pybp.io import load_model
from pybp.models import Sequential

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 10))
Y = RNG.normal(size=(64, 2))


def model(seed=0, dtype="float32"):
    m = Sequential([layers.Input((10,)), layers.Dense(16, activation="relu"),
                    layers.Dropout(0.1), layers.Dense(2)], dtype=dtype, seed=seed)
    m.compile("adam", "mse")
    return m


class InterruptAt(callbacks.Callback):
    """Raise KeyboardInterrupt at the end of one batch, as Ctrl-C would."""

    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            raise KeyboardInterrupt


class StopAt(callbacks.Callback):
    def __init__(self, batch):
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.model.stop_training = True


def test_interrupted_fit_leaves_usable_model(tmp_path):
    interrupted = model()
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(X, Y, batch_size=8, verbose=0, callbacks=[InterruptAt(3)])
    # The same four steps, ended cleanly: the weights of a finished step.
    stopped = model()
    stopped.fit(X, Y, batch_size=8, verbose=0, callbacks=[StopAt(3)])
    for a, b in zip(interrupted.get_weights(), stopped.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert interrupted.optimizer.iterations == 4
    np.testing.assert_array_equal(interrupted.predict(X), stopped.predict(X))
    path = tmp_path / "interrupted.npz"
    interrupted.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), interrupted.predict(X))
    history = interrupted.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_from_threads_matches_serial(dtype):
    m = model(dtype=dtype)
    m.fit(X, Y, epochs=2, verbose=0)
    inputs = [RNG.normal(size=(n, 10)) for n in (1, 7, 64, 300, 1000, 3, 33, 129)]
    expected = [m.predict(x) for x in inputs]
    results = [None] * len(inputs)
    barrier = threading.Barrier(len(inputs))

    def work(i):
        barrier.wait()
        for _ in range(20):
            out = m.predict(inputs[i])
            if results[i] is None:
                results[i] = out
            elif not np.array_equal(out, results[i]):
                results[i] = "differs between calls"

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        assert not isinstance(got, str), got
        np.testing.assert_array_equal(got, want)


class Rendezvous(callbacks.Callback):
    """Hold the first batch until another thread has made its attempt."""

    def __init__(self, started, attempted):
        super().__init__()
        self.started, self.attempted = started, attempted

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.started.set()
            self.attempted.wait(timeout=30)


@pytest.mark.parametrize("second", ["fit", "train_on_batch"])
def test_concurrent_training_raises(second):
    m = model()
    m.build(10)
    started, attempted = threading.Event(), threading.Event()
    outcome = {}

    def first():
        outcome["first"] = m.fit(X, Y, batch_size=8, verbose=0,
                                 callbacks=[Rendezvous(started, attempted)])

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(timeout=30)
    try:
        if second == "fit":
            m.fit(X, Y, verbose=0)
        else:
            m.train_on_batch(X, Y)
    except errors.PybpError as exc:
        outcome["second"] = exc
    finally:
        attempted.set()
        thread.join()
    assert "already running" in str(outcome["second"])
    assert np.isfinite(outcome["first"].history["loss"]).all()
    assert m.optimizer.iterations == 8


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no VmRSS in /proc/self/status")


def test_predict_memory_flat():
    m = model()
    x = np.ones((1, 10))
    for _ in range(2000):
        m.predict(x)
    before = rss_kib()
    for _ in range(100_000):
        m.predict(x)
    growth = rss_kib() - before
    assert growth < 20 * 1024, f"RSS grew by {growth} KiB"


def test_fit_memory_flat():
    m = model()
    m.fit(X, Y, epochs=5, verbose=0)
    before = rss_kib()
    m.fit(X, Y, epochs=100, batch_size=8, verbose=0)
    m.fit(X, Y, epochs=20, batch_size=8, verbose=0, callbacks=[StopAt(10 ** 9)])
    growth = rss_kib() - before
    assert growth < 20 * 1024, f"RSS grew by {growth} KiB"


BIG = 2 ** 32
BUFFER = np.zeros(16, np.float32)
PTR = ffi.cast("float *", ffi.from_buffer(BUFFER))
VALUE = ffi.new("double *")

# C calls whose sizes wrap around in 32 bits or overflow int64 when
# multiplied; each must return PYBP_ERR_INVALID before touching memory.
LARGE_CALLS = {
    "gemm_lda_below_k": lambda: lib.pybp_gemm_f32(
        0, 0, 2, 2, BIG + 4, 1.0, PTR, BIG + 3, PTR, 2, 0.0, PTR, 2),
    "gemm_ldc_below_n": lambda: lib.pybp_gemm_f32(
        0, 0, 2, BIG + 1, 1, 1.0, PTR, 1, PTR, BIG + 1, 0.0, PTR, BIG),
    "gemm_rows_times_ld_overflow": lambda: lib.pybp_gemm_f32(
        0, 0, 2 ** 62, 4, 4, 1.0, PTR, 4, PTR, 4, 0.0, PTR, 4),
    "gemm_negative_size": lambda: lib.pybp_gemm_f32(
        0, 0, -1, 2, 2, 1.0, PTR, 2, PTR, 2, 0.0, PTR, 2),
    "activation_rows_times_cols": lambda: lib.pybp_activation_forward_f32(
        lib.PYBP_ACT_RELU, 0.0, BIG, BIG, PTR, PTR),
    "activation_backward_rows_times_cols": lambda: lib.pybp_activation_backward_f32(
        lib.PYBP_ACT_RELU, 0.0, BIG, BIG, PTR, PTR, PTR, PTR),
    "dense_forward_sizes": lambda: lib.pybp_dense_forward_f32(
        BIG, BIG, BIG, PTR, PTR, ffi.NULL, lib.PYBP_ACT_RELU, 0.0, ffi.NULL, PTR),
    "dense_backward_sizes": lambda: lib.pybp_dense_backward_f32(
        BIG, BIG, BIG, PTR, PTR, ffi.NULL, PTR, PTR, lib.PYBP_ACT_RELU, 0.0, PTR,
        ffi.NULL, PTR, ffi.NULL),
    "loss_batch_times_k": lambda: lib.pybp_loss_f32(
        lib.PYBP_LOSS_MSE, 0.0, BIG, BIG, PTR, PTR, ffi.NULL, VALUE, PTR),
    "sgd_negative_count": lambda: lib.pybp_sgd_f32(-1, PTR, PTR, ffi.NULL, 0.1, 0.0, 0),
}


@pytest.mark.parametrize("name", sorted(LARGE_CALLS))
def test_large_sizes_rejected_in_c(name):
    assert LARGE_CALLS[name]() == lib.PYBP_ERR_INVALID
    np.testing.assert_array_equal(BUFFER, 0)


def test_net_predict_rejects_overflowing_layer():
    layer = ffi.new("struct pybp_layer *")
    layer.n_in, layer.n_out = BIG, BIG
    layer.w = ffi.cast("void *", PTR)
    net = ffi.new("struct pybp_net *")
    net.dtype = lib.PYBP_FLOAT32
    net.n_layers = 1
    net.layers = layer
    rc = lib.pybp_net_predict(net, BIG, PTR, PTR, PTR, PTR, 0)
    assert rc == lib.PYBP_ERR_INVALID
