"""Numerics at the extremes, and training that diverges.

A training step either completes with finite weights and optimizer state,
or changes nothing: a NaN or infinite loss, or an update that would make a
weight or a state value NaN or infinite, refuses the step. "The weights from
before that step" are therefore the weights after the last completed step.
"""

import warnings

import numpy as np
import pytest

from pybp import callbacks, errors, layers, ops, optimizers
from pybp.models import Sequential

DTYPES = [np.float32, np.float64]
CROSS_ENTROPIES = ["binary_crossentropy", "categorical_crossentropy"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_cross_entropy_finite_for_huge_logits(name, dtype):
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype)
    target = np.array([[1.0, 0.0], [1.0, 0.0]], dtype)
    value, grad = ops.loss(name, target, logits)
    assert np.isfinite(value)
    assert np.isfinite(grad).all()
    # The second row is confidently wrong: a large loss, not inf.
    assert value > 100
    assert np.abs(grad).max() > 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_cross_entropy_finite_for_huge_logits(dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], dtype)
    value, grad = ops.loss("sparse_categorical_crossentropy", np.array([0, 0]), logits)
    assert np.isfinite(value)
    assert value > 100
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh", "softplus", "elu",
                                  "selu", "gelu", "gelu_tanh"])
def test_activation_and_gradient_finite_at_extremes(name, dtype):
    x = np.array([[-1000.0, 1000.0], [-80.0, 80.0]], dtype)
    y = ops.activation(name, x)
    assert np.isfinite(y).all()
    dx = ops.activation_grad(name, np.ones_like(x), y, x=x)
    assert np.isfinite(dx).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_reaches_exact_zero_and_one(dtype):
    y = ops.activation("sigmoid", np.array([[-1000.0, 1000.0]], dtype))
    np.testing.assert_array_equal(y, [[0.0, 1.0]])
    dx = ops.activation_grad("sigmoid", np.ones_like(y), y)
    np.testing.assert_array_equal(dx, [[0.0, 0.0]])


def saturated_classifier(dtype, activation, units, loss):
    """A model whose logits are +-1000: probabilities of exactly 0 and 1."""
    model = Sequential([layers.Input((2,)), layers.Dense(units, activation=activation)],
                       dtype=dtype, seed=0)
    model.compile(optimizers.SGD(learning_rate=1e-3), loss)
    model.build(2)
    kernel = np.full((2, units), -1000.0)
    kernel[:, 0] = 1000.0
    model.set_weights([kernel, np.zeros(units)])
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation, units, loss, y", [
    ("sigmoid", 1, "binary_crossentropy", [[0.0], [1.0]]),
    ("softmax", 2, "categorical_crossentropy", [[0.0, 1.0], [1.0, 0.0]]),
    ("softmax", 2, "sparse_categorical_crossentropy", [1, 0]),
], ids=["binary", "categorical", "sparse"])
def test_saturated_model_loss_and_step_finite(dtype, activation, units, loss, y):
    model = saturated_classifier(dtype, activation, units, loss)
    x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    probs = model.predict(x)
    assert set(np.unique(probs)) <= {0.0, 1.0}
    value = model.evaluate(x, np.array(y))
    assert np.isfinite(value)
    assert value > 100
    model.train_on_batch(x, np.array(y))
    for w in model.get_weights():
        assert np.isfinite(w).all()


def linear_model(lr=1e-2, optimizer="sgd", dtype="float32"):
    """y = w x with w = 1 and no bias: every step is easy to follow."""
    model = Sequential([layers.Input((1,)),
                        layers.Dense(1, use_bias=False, kernel_initializer="ones")],
                       dtype=dtype, seed=0)
    opt = (optimizers.SGD(learning_rate=lr) if optimizer == "sgd"
           else optimizers.Adam(learning_rate=lr))
    model.compile(opt, "mse")
    return model


class BatchLosses(callbacks.Callback):
    """Record each batch's loss; its batch hook also makes fit run per batch."""

    def __init__(self):
        super().__init__()
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def weights_after(x, y, steps, **model_args):
    """The weights after the first `steps` one-row steps of a fresh model."""
    model = linear_model(**model_args)
    model.build(1)
    for i in range(steps):
        model.train_on_batch(x[i:i + 1], y[i:i + 1])
    return model.get_weights()


# x rows of one step each; the step at `bad` fails, those before succeed.
DIVERGING = {
    # Batch 3 holds 1e30: its prediction squared overflows float32, so
    # the loss itself is infinite.
    "infinite_loss": (np.array([[1.0], [2.0], [1e30], [1.0]]), 2, {}),
    # Batch 1 has a zero gradient. Batch 2 has a finite loss (1e10) but
    # lr * gradient overflows, so its update would make the weight -inf.
    "update_overflow": (np.array([[0.0], [1e5], [1.0]]), 1, {"lr": 1e30}),
    # Batch 2's squared gradient (about 1e40) overflows Adam's second
    # moment in float32 while the weight would stay finite.
    "adam_state_overflow": (np.array([[1.0], [1e19], [1.0]]), 1,
                            {"optimizer": "adam", "lr": 1e-3}),
}


@pytest.mark.parametrize("per_batch", [False, True], ids=["epoch_call", "batch_calls"])
@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_divergence_keeps_last_good_weights(case, per_batch):
    x, bad, model_args = DIVERGING[case]
    y = np.zeros_like(x)
    model = linear_model(**model_args)
    extra = [BatchLosses()] if per_batch else []
    with pytest.raises(errors.DivergenceError) as info:
        model.fit(x, y, batch_size=1, shuffle=False, verbose=0, callbacks=extra)
    assert f"epoch 1, batch {bad + 1}" in str(info.value)
    assert "weights are from before that step" in str(info.value)
    expected = weights_after(x, y, bad, **model_args)
    for got, want in zip(model.get_weights(), expected):
        assert np.isfinite(got).all()
        np.testing.assert_array_equal(got, want)
    assert model.optimizer.iterations == bad
    for state in model._opt_state[0][0].values():
        assert np.isfinite(state).all()


def test_update_overflow_message_names_the_update():
    x, bad, model_args = DIVERGING["update_overflow"]
    model = linear_model(**model_args)
    with pytest.raises(errors.DivergenceError, match="update would have made"):
        model.fit(x, np.zeros_like(x), batch_size=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_train_on_batch_refuses_bad_step(case):
    x, bad, model_args = DIVERGING[case]
    model = linear_model(**model_args)
    model.build(1)
    before = model.get_weights()
    with pytest.raises(errors.DivergenceError):
        model.train_on_batch(x[bad:bad + 1], np.zeros((1, 1)))
    np.testing.assert_array_equal(model.get_weights()[0], before[0])
    # The model still trains on sane data afterwards.
    model.train_on_batch(np.ones((1, 1)), np.zeros((1, 1)))
    assert np.isfinite(model.get_weights()[0]).all()


@pytest.mark.parametrize("case", sorted(DIVERGING))
def test_terminate_on_nan_stops_quietly(case):
    x, bad, model_args = DIVERGING[case]
    y = np.zeros_like(x)
    model = linear_model(**model_args)
    recorder = BatchLosses()
    with pytest.warns(RuntimeWarning, match="training stopped"):
        history = model.fit(x, y, batch_size=1, epochs=3, shuffle=False, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN(raise_error=False),
                                       recorder])
    assert len(history.history["loss"]) == 1
    assert np.isnan(history.history["loss"][0])
    assert len(recorder.losses) == bad + 1
    assert np.isfinite(recorder.losses[:bad]).all()
    assert not np.isfinite(recorder.losses[bad])
    expected = weights_after(x, y, bad, **model_args)
    np.testing.assert_array_equal(model.get_weights()[0], expected[0])


def test_terminate_on_nan_can_raise():
    x, bad, model_args = DIVERGING["infinite_loss"]
    model = linear_model(**model_args)
    with pytest.raises(errors.DivergenceError):
        model.fit(x, np.zeros_like(x), batch_size=1, shuffle=False, verbose=0,
                  callbacks=[callbacks.TerminateOnNaN(raise_error=True)])
    assert np.isfinite(model.get_weights()[0]).all()


def test_diverged_model_fits_again_after_lower_learning_rate():
    x, bad, model_args = DIVERGING["update_overflow"]
    model = linear_model(**model_args)
    with pytest.raises(errors.DivergenceError):
        model.fit(x, np.zeros_like(x), batch_size=1, shuffle=False, verbose=0)
    model.optimizer.learning_rate = 1e-12
    history = model.fit(x, np.zeros_like(x), batch_size=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def fit_without_warnings(model, x, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(x, y, verbose=0, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_constant_column_and_identical_targets_stay_finite(dtype):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    x[:, 1] = 5.0
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"),
                        layers.Dense(1)], dtype=dtype, seed=0)
    model.compile("adam", "mse", metrics=["r2", "mae"])
    history = fit_without_warnings(model, x, np.full(20, 3.0), epochs=3,
                                   validation_split=0.2)
    for values in history.history.values():
        assert np.isfinite(values).all()
    for w in model.get_weights():
        assert np.isfinite(w).all()


# Every row has class 0; a softmax over one unit is rejected at compile, so
# the softmax models keep a second, never-seen class.
@pytest.mark.parametrize("loss, activation, units", [
    ("sparse_categorical_crossentropy", "softmax", 2),
    ("binary_crossentropy", "sigmoid", 1),
    ("categorical_crossentropy", "softmax", 2),
])
def test_single_class_stays_finite(loss, activation, units):
    x = np.random.default_rng(2).normal(size=(12, 3))
    y = np.zeros((12, 1))
    if loss == "categorical_crossentropy":
        y = np.tile([1.0, 0.0], (12, 1))
    model = Sequential([layers.Input((3,)), layers.Dense(units, activation=activation)],
                       seed=0)
    model.compile("sgd", loss)
    history = fit_without_warnings(model, x, y, epochs=2)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.predict(x)).all()
