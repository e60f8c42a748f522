"""Sequential: training, the founding objective, gradients, determinism."""

import io

import numpy as np
import pytest

import pybp
from pybp import (callbacks, constraints, errors, layers, losses, optimizers,
                  regularizers)
from pybp.models import Sequential

ACTIVATIONS = ["linear", "relu", "leaky_relu", "elu", "selu", "gelu",
               "gelu_tanh", "sigmoid", "tanh", "softplus"]


def make_regression(n=64, d=5, k=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d, k))
    y = np.tanh(x @ w) + 0.1 * rng.normal(size=(n, k))
    return x, y


def forward_numpy(model, x):
    """Plain NumPy forward of a model of Dense layers, in float64."""
    out = np.asarray(x, np.float64)
    for layer in model.dense_layers:
        out = out @ layer.kernel.astype(np.float64)
        if layer.bias is not None:
            out = out + layer.bias
        out = layer.activation(out)
    return out


def sgd_gradients(model, x, y, lr=1e-3):
    """Return the gradient of the loss by one plain SGD step: (w - w') / lr."""
    before = model.get_weights()
    model.train_on_batch(x, y)
    after = model.get_weights()
    model.set_weights(before)
    return [(b - a) / lr for b, a in zip(before, after)]


def numeric_gradients(model, x, y, eps=1e-6):
    """Central differences of evaluate()'s loss (data loss plus penalty)."""
    weights = model.get_weights()
    grads = []
    for i, w in enumerate(weights):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            for sign in (1, -1):
                trial = [v.copy() for v in weights]
                trial[i][idx] += sign * eps
                model.set_weights(trial)
                g[idx] += sign * model.evaluate(x, y) / (2 * eps)
        grads.append(g)
    model.set_weights(weights)
    return grads


def test_founding_objective_is_mse_plus_l2():
    # J = 1/m sum (y - f(x))^2 + lambda sum w^2 over kernels, not biases.
    lam = 0.01
    x, y = make_regression(n=37, d=4)
    model = Sequential([layers.Dense(3, activation="tanh",
                                     kernel_regularizer=regularizers.L2(lam)),
                        layers.Dense(1, kernel_regularizer=regularizers.L2(lam))],
                       dtype="float64", seed=1)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-3), loss="mse")
    model.build(4)
    f = forward_numpy(model, x)
    kernels = [layer.kernel for layer in model.dense_layers]
    expected = np.mean((y - f) ** 2) + lam * sum(np.sum(w ** 2) for w in kernels)
    assert model.evaluate(x, y) == pytest.approx(expected, rel=1e-12)
    reported = model.train_on_batch(x, y)
    assert reported == pytest.approx(expected, rel=1e-12)


def test_founding_objective_gradient_matches_hand_formula():
    lam = 0.05
    x, y = make_regression(n=23, d=3)
    model = Sequential([layers.Dense(1, kernel_regularizer=regularizers.L2(lam))],
                       dtype="float64", seed=2)
    lr = 1e-3
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    model.build(3)
    w, b = model.get_weights()
    residual = x @ w + b - y
    grad_w = 2 / len(x) * x.T @ residual + 2 * lam * w
    grad_b = 2 / len(x) * residual.sum(axis=0)
    got_w, got_b = sgd_gradients(model, x, y, lr)
    np.testing.assert_allclose(got_w, grad_w, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(got_b, grad_b, rtol=1e-7, atol=1e-10)
    assert np.abs(grad_w).max() > 0


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("regularized", [False, True])
def test_model_gradient_matches_finite_differences(activation, regularized):
    x, y = make_regression(n=7, d=3, k=2, seed=3)
    reg = regularizers.L1L2(l1=0.01, l2=0.02) if regularized else None
    # Random biases keep pre-activations off relu's kink at exactly 0, where
    # finite differences straddle two slopes.
    bias = "random_normal"
    model = Sequential([layers.Dense(4, activation=activation, kernel_regularizer=reg,
                                     bias_regularizer=reg, bias_initializer=bias),
                        layers.Dense(3, activation=activation, kernel_regularizer=reg,
                                     bias_initializer=bias),
                        layers.Dense(2, bias_initializer=bias)], dtype="float64",
                       seed=4)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-4), loss="mse")
    model.build(3)
    got = sgd_gradients(model, x, y, lr=1e-4)
    want = numeric_gradients(model, x, y)
    for g, n in zip(got, want):
        assert np.abs(n).max() > 0
        np.testing.assert_allclose(g, n, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss, last, target", [
    ("mse", "linear", "real"),
    ("mae", "linear", "real"),
    (losses.Huber(delta=0.3), "linear", "real"),
    ("binary_crossentropy", "sigmoid", "binary"),
    (losses.BinaryCrossentropy(from_logits=True), "linear", "binary"),
    ("categorical_crossentropy", "softmax", "onehot"),
    (losses.CategoricalCrossentropy(from_logits=True), "linear", "onehot"),
    ("sparse_categorical_crossentropy", "softmax", "labels"),
    (losses.SparseCategoricalCrossentropy(from_logits=True), "linear", "labels"),
])
def test_loss_gradient_through_model(loss, last, target):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(9, 4))
    k = 3
    labels = rng.integers(0, k, size=9)
    y = {"real": rng.normal(size=(9, k)), "binary": (rng.random((9, k)) > 0.5) * 1.0,
         "onehot": np.eye(k)[labels], "labels": labels}[target]
    model = Sequential([layers.Dense(5, activation="tanh"),
                        layers.Dense(k, activation=last)], dtype="float64", seed=6)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-4), loss=loss)
    model.build(4)
    got = sgd_gradients(model, x, y, lr=1e-4)
    want = numeric_gradients(model, x, y)
    for g, n in zip(got, want):
        assert np.abs(n).max() > 0
        np.testing.assert_allclose(g, n, rtol=2e-4, atol=1e-6)


def test_xor_learned_by_two_four_one():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = Sequential([layers.Dense(4, activation="tanh"),
                        layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05),
                  loss="binary_crossentropy")
    model.fit(x, y, epochs=500, batch_size=4, verbose=0)
    pred = model.predict(x)[:, 0]
    np.testing.assert_array_equal(pred > 0.5, y > 0.5)


def train_small(seed, threads=None, dropout=0.0, epochs=3):
    x, y = make_regression(n=200, d=6, k=2, seed=7)
    if threads is not None:
        pybp.set_num_threads(threads)
    stack = [layers.Dense(16, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(2))
    model = Sequential(stack, seed=seed)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    return model, history, model.predict(x)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_same_seed_gives_bitwise_same_model(dropout):
    a, ha, pa = train_small(11, dropout=dropout)
    b, hb, pb = train_small(11, dropout=dropout)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(wa, wb)
    assert ha.history["loss"] == hb.history["loss"]
    assert np.array_equal(pa, pb)


def test_same_seed_same_model_for_one_and_two_threads():
    before = pybp.get_num_threads()
    try:
        a, ha, pa = train_small(12, threads=1, dropout=0.2)
        b, hb, pb = train_small(12, threads=2, dropout=0.2)
    finally:
        pybp.set_num_threads(before)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(wa, wb)
    assert ha.history["loss"] == hb.history["loss"]
    assert np.array_equal(pa, pb)


def test_different_seeds_give_different_weights():
    a, _, _ = train_small(1, epochs=1)
    b, _, _ = train_small(2, epochs=1)
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


class BatchCounter(callbacks.Callback):
    """Counts batch hooks; its presence forces one C call per batch."""

    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def fit_with(callback_list, metrics=(), epochs=2):
    x, y = make_regression(n=100, d=4, seed=8)
    model = Sequential([layers.Dense(8, activation="tanh"), layers.Dense(1)], seed=3)
    model.compile(optimizer="sgd", loss="mse", metrics=list(metrics))
    history = model.fit(x, y, epochs=epochs, batch_size=7, verbose=0,
                        callbacks=callback_list)
    return model.get_weights(), history.history


@pytest.mark.parametrize("metrics", [(), ("mae", "r2")])
def test_fit_epoch_path_equals_batch_path(metrics):
    # Without batch callbacks a whole epoch is one C call; a callback with a
    # batch hook forces one call per batch. Both must train identically.
    counter = BatchCounter()
    weights_epoch, history_epoch = fit_with([], metrics)
    weights_batch, history_batch = fit_with([counter], metrics)
    progress = callbacks.ProgressBar(verbose=1, stream=FakeTerminal())
    weights_chunks, history_chunks = fit_with([progress], metrics)
    assert counter.batches == 2 * 15
    for wa, wb, wc in zip(weights_epoch, weights_batch, weights_chunks):
        assert np.array_equal(wa, wb)
        assert np.array_equal(wa, wc)
    assert history_epoch["loss"] == history_batch["loss"] == history_chunks["loss"]
    for name in metrics:
        np.testing.assert_allclose(history_epoch[name], history_batch[name], rtol=1e-6)


def test_dropout_inactive_in_predict_and_scales_in_training():
    x = np.ones((1000, 1), np.float64)
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones"),
                        layers.Dropout(0.5)], dtype="float64", seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-9), loss="mse")
    np.testing.assert_array_equal(model.predict(x[:3]), np.ones((3, 1)))
    # With targets of zero the mse of the dropped outputs is mean(mask^2):
    # (1 / 0.5)^2 times the kept share, so about 2.
    loss = model.train_on_batch(x, np.zeros((1000, 1)))
    assert 1.7 < loss < 2.3


def test_y_of_shape_n_and_n1_train_the_same():
    x, y = make_regression(n=50, d=3)
    weights = []
    for target in (y[:, 0], y):
        model = Sequential([layers.Dense(1)], seed=0)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, target, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        assert np.array_equal(a, b)


def test_integer_and_bool_inputs_are_accepted():
    x = np.arange(20).reshape(10, 2)
    y = (x[:, 0] % 2 == 0)
    model = Sequential([layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.predict(x).dtype == np.float32


@pytest.mark.parametrize("bad, where", [(np.nan, "row 3, column 1"),
                                         (np.inf, "row 3, column 1")])
def test_nonfinite_x_names_row_and_column(bad, where):
    x, y = make_regression(n=10, d=2)
    x[3, 1] = bad
    model = Sequential([layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(errors.NonFiniteError, match=where):
        model.fit(x, y, verbose=0)


def test_one_dimensional_x_hints_reshape():
    model = Sequential([layers.Input(3), layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(errors.ShapeError, match="reshape"):
        model.fit(np.ones(3), np.ones(1), verbose=0)


def test_object_and_string_x_raise():
    model = Sequential([layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(errors.DTypeError, match="numbers"):
        model.fit(np.array([["a", "b"]]), np.ones(1), verbose=0)
    with pytest.raises(errors.DTypeError, match="numbers"):
        model.fit(np.array([[1, None]], dtype=object), np.ones(1), verbose=0)


def test_label_outside_classes_raises():
    model = Sequential([layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(errors.LabelError, match="label 3 at row 1"):
        model.fit(np.ones((3, 2)), np.array([0, 3, 1]), verbose=0)


@pytest.mark.parametrize("last, loss", [
    ("linear", "categorical_crossentropy"),
    ("softmax", losses.CategoricalCrossentropy(from_logits=True)),
    ("linear", "binary_crossentropy"),
    ("softmax", "binary_crossentropy"),
])
def test_compile_rejects_mismatched_output_and_loss(last, loss):
    model = Sequential([layers.Dense(3, activation=last)])
    with pytest.raises(errors.InvalidArgumentError, match="last layer"):
        model.compile(optimizer="adam", loss=loss)


def test_divergence_stops_with_weights_from_before():
    x, y = make_regression(n=64, d=3)
    y = y * 1e30
    model = Sequential([layers.Dense(8), layers.Dense(1)], seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e10), loss="mse")
    with pytest.raises(errors.DivergenceError, match="epoch 1, batch"):
        model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    for w in model.get_weights():
        assert np.isfinite(w).all()


def test_save_load_resumes_bitwise(tmp_path):
    x, y = make_regression(n=80, d=4, k=2, seed=9)
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dropout(0.2),
                        layers.Dense(2)], seed=5)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.metadata["mean"] = np.arange(4.0)
    model.metadata["note"] = "standardised"
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = pybp.load_model(path)
    assert loaded.metadata["note"] == "standardised"
    np.testing.assert_array_equal(loaded.metadata["mean"], np.arange(4.0))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    model.train_on_batch(x[:16], y[:16])
    loaded.train_on_batch(x[:16], y[:16])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(a, b)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(a, b)


def test_evaluate_and_predict_shapes():
    x, y = make_regression(n=30, d=3, k=2)
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    assert set(model.history.history) >= {"loss", "mae", "val_loss", "val_mae"}
    assert model.predict(x, batch_size=7).shape == (30, 2)
    np.testing.assert_array_equal(model.predict(x, batch_size=7), model.predict(x))
    loss, mae = model.evaluate(x, y)
    assert loss > 0
    assert mae > 0
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_summary_lists_layers(capsys):
    model = Sequential([layers.Input(5), layers.Dense(4, name="hidden"),
                        layers.Dense(1, name="out")])
    model.build()
    model.summary()
    text = capsys.readouterr().out
    assert "hidden (Dense)" in text
    assert "Total params: 29" in text


def test_batch_larger_than_data_runs_one_short_batch():
    x, y = make_regression(n=5, d=2)
    model = Sequential([layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=100, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.optimizer.iterations == 2


@pytest.mark.parametrize("clip", [{"clipvalue": 0.01}, {"clipnorm": 0.01}])
def test_gradient_clipping_in_the_step(clip):
    x, y = make_regression(n=20, d=3)
    model = Sequential([layers.Dense(1)], dtype="float64", seed=0)
    lr = 1.0
    model.compile(optimizer=optimizers.SGD(learning_rate=lr, **clip), loss="mse")
    model.build(3)
    w, b = model.get_weights()
    residual = x @ w + b - y
    grads = [2 / len(x) * x.T @ residual, 2 / len(x) * residual.sum(axis=0)]
    model.train_on_batch(x, y)
    for before, after, g in zip((w, b), model.get_weights(), grads):
        np.testing.assert_allclose(before - after, model.optimizer.clip_gradient(g) * lr,
                                   rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("optimizer", [
    optimizers.SGD(learning_rate=0.05),
    optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    optimizers.Adam(learning_rate=0.01),
    optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
    optimizers.RMSprop(learning_rate=0.01, momentum=0.5),
    optimizers.Adagrad(learning_rate=0.1),
])
def test_resume_exact_for_every_optimizer(optimizer, tmp_path):
    x, y = make_regression(n=40, d=3, k=1, seed=10)
    model = Sequential([layers.Dense(6, activation="elu",
                                     kernel_constraint="max_norm",
                                     kernel_regularizer=regularizers.L2(1e-3)),
                        layers.Dense(1)], seed=1)
    model.compile(optimizer=optimizer, loss=losses.Huber(delta=0.5))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = pybp.load_model(tmp_path / "m.npz")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations
    model.train_on_batch(x[:8], y[:8])
    loaded.train_on_batch(x[:8], y[:8])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(a, b)


def test_layer_and_model_configs_round_trip():
    model = Sequential([layers.Input(4),
                        layers.Dense(3, activation="leaky_relu", use_bias=False,
                                     kernel_initializer="he_normal",
                                     kernel_regularizer=regularizers.L1L2(0.1, 0.2),
                                     kernel_constraint="non_neg", name="first"),
                        layers.Dropout(0.25),
                        layers.Dense(2, activation="softmax",
                                     bias_constraint="unit_norm")],
                       dtype="float64", seed=3)
    config = model.get_config()
    again = Sequential.from_config(config)
    assert again.get_config() == config
    for layer in model.layers:
        assert type(layer).from_config(layer.get_config()).get_config() == \
            layer.get_config()


@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(0.3), constraints.NonNeg(), constraints.UnitNorm(),
    constraints.MinMaxNorm(min_value=0.5, max_value=0.8, rate=0.7),
])
def test_constraints_in_step_match_numpy(constraint):
    x, y = make_regression(n=30, d=5, k=3, seed=11)

    def model_with(kernel_constraint, bias_constraint):
        m = Sequential([layers.Dense(3, kernel_constraint=kernel_constraint,
                                     bias_constraint=bias_constraint,
                                     bias_initializer="random_normal")],
                       dtype="float64", seed=4)
        m.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="mse")
        m.build(5)
        return m

    free = model_with(None, None)
    free.train_on_batch(x, y)
    kernel, bias = free.get_weights()
    held = model_with(constraint, constraint)
    held.train_on_batch(x, y)
    got_kernel, got_bias = held.get_weights()
    np.testing.assert_allclose(got_kernel, constraint(kernel), rtol=1e-6, atol=1e-7)
    # A bias is one row: each element is its own "column".
    np.testing.assert_allclose(got_bias, constraint(bias[None, :])[0], rtol=1e-6,
                               atol=1e-7)


def test_sample_weight_gradient_matches_finite_differences():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(9, 4))
    labels = rng.integers(0, 3, size=9)
    weights = rng.uniform(0.1, 2.0, size=9)
    model = Sequential([layers.Dense(5, activation="gelu"),
                        layers.Dense(3, activation="softmax")], dtype="float64", seed=6)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-4),
                  loss="sparse_categorical_crossentropy")
    model.build(4)
    before = model.get_weights()
    model.train_on_batch(x, labels, sample_weight=weights)
    got = [(b - a) / 1e-4 for b, a in zip(before, model.get_weights())]
    model.set_weights(before)
    eps = 1e-6
    for i, w in enumerate(before):
        numeric = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            values = []
            for sign in (1, -1):
                trial = [v.copy() for v in before]
                trial[i][idx] += sign * eps
                model.set_weights(trial)
                values.append(model.evaluate(x, labels, sample_weight=weights))
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        assert np.abs(numeric).max() > 0
        np.testing.assert_allclose(got[i], numeric, rtol=2e-4, atol=1e-6)


def test_class_weight_equals_matching_sample_weight():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(40, 3))
    labels = rng.integers(0, 3, size=40)
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    results = []
    for kwargs in ({"class_weight": class_weight},
                   {"sample_weight": np.array([class_weight[c] for c in labels])}):
        model = Sequential([layers.Dense(3, activation="softmax")], seed=0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, labels, epochs=2, batch_size=8, verbose=0, **kwargs)
        results.append(model.get_weights())
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_save_weights_round_trip(tmp_path):
    x, y = make_regression(n=30, d=3, k=2)
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save_weights(tmp_path / "w.npz")
    other = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)], seed=9)
    other.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    # A full model file carries the same weights.
    model.save(tmp_path / "m.npz")
    third = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)], seed=5)
    third.load_weights(tmp_path / "m.npz")
    np.testing.assert_array_equal(third.predict(x), model.predict(x))


def test_load_weights_rejects_other_shapes(tmp_path):
    model = Sequential([layers.Dense(4), layers.Dense(2)], seed=0)
    model.build(3)
    model.save_weights(tmp_path / "w.npz")
    wider = Sequential([layers.Dense(5), layers.Dense(2)], seed=0)
    with pytest.raises(errors.ModelFileError, match="layer0.kernel"):
        wider.load_weights(tmp_path / "w.npz")
    other_inputs = Sequential([layers.Dense(4), layers.Dense(2)], seed=0)
    other_inputs.build(7)
    with pytest.raises(errors.ShapeError, match="3 inputs"):
        other_inputs.load_weights(tmp_path / "w.npz")


def test_model_checkpoint_weights_only(tmp_path):
    x, y = make_regression(n=30, d=3)
    model = Sequential([layers.Dense(2), layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "w{epoch:02d}.npz"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(str(path), monitor="loss", save_weights_only=True)])
    assert (tmp_path / "w01.npz").exists()
    assert (tmp_path / "w02.npz").exists()


def test_pickle_and_deepcopy_keep_the_model():
    import copy
    import pickle

    x, y = make_regression(n=40, d=3, k=1)
    model = Sequential([layers.Dense(5, activation="relu"), layers.Dropout(0.1),
                        layers.Dense(1)], seed=2)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_array_equal(other.predict(x), model.predict(x))
        a = copy.deepcopy(model)
        a.fit(x, y, epochs=1, batch_size=8, verbose=0)
        other.fit(x, y, epochs=1, batch_size=8, verbose=0)
        for wa, wb in zip(a.get_weights(), other.get_weights()):
            assert np.array_equal(wa, wb)


def test_save_into_missing_folder_names_the_path(tmp_path):
    model = Sequential([layers.Dense(1)], seed=0)
    model.build(2)
    target = tmp_path / "missing" / "m.npz"
    with pytest.raises(FileNotFoundError, match="missing"):
        model.save(target)


def test_saved_file_follows_umask(tmp_path):
    import os

    model = Sequential([layers.Dense(1)], seed=0)
    model.build(2)
    old = os.umask(0o022)
    try:
        model.save(tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644


def test_keras_style_input_declarations():
    for first in (layers.Dense(4, input_shape=(3,)), layers.Dense(4, input_dim=3)):
        model = Sequential([first, layers.Dense(1)])
        assert model.count_params() == 3 * 4 + 4 + 4 + 1
        model.build()
        assert model.input_dim == 3
    model = Sequential([layers.Dense(4), layers.Dense(1)])
    model.build((None, 6))
    assert model.input_dim == 6


def test_count_params_unknown_input_raises():
    model = Sequential([layers.Dense(4)])
    with pytest.raises(errors.NotFittedError, match="input size is unknown"):
        model.count_params()


def test_summary_before_build_shows_unknowns(capsys):
    Sequential([layers.Dense(4), layers.Dense(1)]).summary()
    text = capsys.readouterr().out
    assert "Total params: ?" in text
    Sequential([layers.Input(3), layers.Dense(4), layers.Dense(1)]).summary()
    assert "Total params: 21" in capsys.readouterr().out


def test_single_callback_object_is_accepted():
    counter = BatchCounter()
    x, y = make_regression(n=10, d=2)
    model = Sequential([layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=5, verbose=0, callbacks=counter)
    assert counter.batches == 2


def test_softmax_over_one_unit_is_rejected():
    model = Sequential([layers.Dense(1, activation="softmax")])
    with pytest.raises(errors.InvalidArgumentError, match="at least 2 output units"):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
