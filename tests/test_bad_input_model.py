"""Sequential on bad input: compile, fit, predict, evaluate, train_on_batch.

The model API converts what it can (lists, Fortran order, strides, other
numeric dtypes, read-only arrays) with one copy and rejects the rest with a
pybp error that names the argument, the rule and the value.
"""

import numpy as np
import pytest

from pybp import callbacks, errors, layers, optimizers
from pybp.models import Sequential

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3))
Y = RNG.normal(size=(10, 2))
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])


def regressor(dtype="float32", optimizer="sgd"):
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"),
                        layers.Dense(2)], dtype=dtype, seed=0)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def classifier(loss="sparse_categorical_crossentropy", units=3, activation="softmax"):
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                        layers.Dense(units, activation=activation)], seed=0)
    model.compile(optimizer="sgd", loss=loss)
    return model


def fit(model, x, y, **kwargs):
    return model.fit(x, y, verbose=0, **kwargs)


# (name, call, error class, words the message must contain)
REJECTED = [
    ("x_zero_rows", lambda: fit(regressor(), X[:0], Y[:0]),
     errors.ShapeError, ["x is empty", "0 rows"]),
    ("x_zero_columns", lambda: fit(regressor(), X[:, :0], Y),
     errors.ShapeError, ["x has 0 columns"]),
    ("x_one_sample_1d", lambda: fit(regressor(), X[0], Y[0]),
     errors.ShapeError, ["x is 1-D", "reshape(1, -1)"]),
    ("x_3d", lambda: fit(regressor(), X.reshape(10, 3, 1), Y),
     errors.ShapeError, ["x must be 2-D", "(10, 3, 1)"]),
    ("x_features_vs_model", lambda: fit(regressor(), np.ones((10, 4)), Y),
     errors.ShapeError, ["x has 4 features", "takes 3"]),
    ("y_rows_vs_x", lambda: fit(regressor(), X, Y[:5]),
     errors.ShapeError, ["y has 5 rows", "x has 10"]),
    ("y_more_outputs", lambda: fit(regressor(), X, np.ones((10, 3))),
     errors.ShapeError, ["y has 3 columns", "2 units"]),
    ("y_fewer_outputs", lambda: fit(regressor(), X, np.ones((10, 1))),
     errors.ShapeError, ["y has 1 columns", "2 units"]),
    ("y_1d_for_two_outputs", lambda: fit(regressor(), X, np.ones(10)),
     errors.ShapeError, ["y is 1-D", "2 outputs"]),
    ("label_above_classes", lambda: fit(classifier(), X, np.where(LABELS == 2, 3, 0)),
     errors.LabelError, ["label 3", "[0, 2]"]),
    ("label_negative", lambda: fit(classifier(), X, -np.ones(10)),
     errors.LabelError, ["label -1", "row 0"]),
    ("label_fraction", lambda: fit(classifier(), X, np.full(10, 0.5)),
     errors.LabelError, ["integer class labels", "0.5"]),
    ("label_nan", lambda: fit(classifier(), X, np.full(10, np.nan)),
     errors.NonFiniteError, ["y contains nan"]),
    ("binary_target_above_one", lambda: fit(
        classifier("binary_crossentropy", 1, "sigmoid"), X, np.full(10, 2.0)),
     errors.LabelError, ["[0, 1]", "got 2.0 at row 0"]),
    ("categorical_target_negative", lambda: fit(
        classifier("categorical_crossentropy"), X, -np.eye(3)[LABELS]),
     errors.LabelError, ["[0, 1]", "-1.0"]),
    ("x_nan", lambda: fit(regressor(), np.where(X > 1, np.nan, X), Y),
     errors.NonFiniteError, ["x contains nan", "row", "column"]),
    ("x_inf", lambda: fit(regressor(), np.where(X > 1, np.inf, X), Y),
     errors.NonFiniteError, ["x contains inf"]),
    ("y_minus_inf", lambda: fit(regressor(), X, np.where(Y > 1, -np.inf, Y)),
     errors.NonFiniteError, ["y contains -inf"]),
    ("x_beyond_float32", lambda: fit(regressor(), np.full((10, 3), 1e39), Y),
     errors.InvalidArgumentError, ["1e+39", "float32 range"]),
    ("x_object", lambda: fit(regressor(), X.astype(object), Y),
     errors.DTypeError, ["x must hold numbers", "object"]),
    ("x_strings", lambda: fit(regressor(), X.astype(str), Y),
     errors.DTypeError, ["x must hold numbers", "<U"]),
    ("x_complex", lambda: fit(regressor(), X + 1j, Y),
     errors.DTypeError, ["x must hold numbers", "complex128"]),
    ("x_ragged_list", lambda: fit(regressor(), [[1, 2, 3], [1, 2]], Y[:2]),
     errors.ShapeError, ["x must be a rectangular array", "ragged"]),
    ("x_none", lambda: fit(regressor(), None, Y),
     errors.InvalidArgumentError, ["x is required", "None"]),
    ("batch_size_zero", lambda: fit(regressor(), X, Y, batch_size=0),
     errors.InvalidArgumentError, ["batch_size must be a positive integer", "0"]),
    ("batch_size_negative", lambda: fit(regressor(), X, Y, batch_size=-4),
     errors.InvalidArgumentError, ["batch_size must be a positive integer", "-4"]),
    ("batch_size_float", lambda: fit(regressor(), X, Y, batch_size=2.5),
     errors.InvalidArgumentError, ["batch_size must be a positive integer", "2.5"]),
    ("epochs_negative", lambda: fit(regressor(), X, Y, epochs=-1),
     errors.InvalidArgumentError, ["epochs must be an integer >= 0", "-1"]),
    ("validation_split_one", lambda: fit(regressor(), X, Y, validation_split=1.0),
     errors.InvalidArgumentError, ["validation_split must be in [0, 1)", "1.0"]),
    ("sample_weight_negative", lambda: fit(regressor(), X, Y,
                                           sample_weight=-np.ones(10)),
     errors.InvalidArgumentError, ["sample_weight must be >= 0", "-1.0 at row 0"]),
    ("sample_weight_nan", lambda: fit(regressor(), X, Y,
                                      sample_weight=np.full(10, np.nan)),
     errors.NonFiniteError, ["sample_weight contains nan"]),
    ("sample_weight_rows", lambda: fit(regressor(), X, Y, sample_weight=np.ones(9)),
     errors.ShapeError, ["sample_weight must have shape (10,)", "(9,)"]),
    ("predict_1d", lambda: regressor().predict(np.ones(3)),
     errors.ShapeError, ["x is 1-D", "reshape"]),
    ("predict_zero_rows", lambda: regressor().predict(np.ones((0, 3))),
     errors.ShapeError, ["x is empty"]),
    ("predict_features", lambda: regressor().predict(np.ones((2, 5))),
     errors.ShapeError, ["x has 5 features", "takes 3"]),
    ("predict_nan", lambda: regressor().predict(np.full((2, 3), np.nan)),
     errors.NonFiniteError, ["x contains nan"]),
    ("predict_batch_size_zero", lambda: regressor().predict(X, batch_size=0),
     errors.InvalidArgumentError, ["batch_size must be a positive integer", "0"]),
    ("evaluate_rows", lambda: fit(regressor(), X, Y).model.evaluate(X, Y[:3]),
     errors.ShapeError, ["y has 3 rows", "x has 10"]),
    ("train_on_batch_zero_rows", lambda: regressor().train_on_batch(X[:0], Y[:0]),
     errors.ShapeError, ["x is empty"]),
    ("train_on_batch_outputs", lambda: regressor().train_on_batch(X, np.ones((10, 5))),
     errors.ShapeError, ["y has 5 columns", "2 units"]),
    ("train_on_batch_uncompiled", lambda: Sequential([layers.Dense(2)]).train_on_batch(
        X, Y),
     errors.NotFittedError, ["compile"]),
    ("fit_uncompiled", lambda: Sequential([layers.Dense(2)]).fit(X, Y),
     errors.NotFittedError, ["compile"]),
    ("compile_without_loss", lambda: Sequential([layers.Dense(2)]).compile("sgd"),
     errors.InvalidArgumentError, ["loss is required"]),
    ("compile_unknown_loss", lambda: Sequential([layers.Dense(2)]).compile(
        "sgd", loss="hinge"),
     errors.InvalidArgumentError, ["unknown loss 'hinge'", "valid names", "mse"]),
    ("compile_unknown_optimizer", lambda: Sequential([layers.Dense(2)]).compile(
        "lbfgs", loss="mse"),
     errors.InvalidArgumentError, ["unknown optimizer 'lbfgs'", "valid names", "adam"]),
    ("compile_unknown_metric", lambda: Sequential([layers.Dense(2)]).compile(
        "sgd", loss="mse", metrics=["f1"]),
     errors.InvalidArgumentError, ["unknown metric 'f1'", "valid names", "accuracy"]),
    ("compile_loss_activation_mismatch", lambda: Sequential(
        [layers.Dense(3, activation="relu")]).compile(
        "sgd", loss="sparse_categorical_crossentropy"),
     errors.InvalidArgumentError, ["expects probabilities", "'softmax'", "'relu'"]),
    ("unknown_activation", lambda: layers.Dense(3, activation="swish2"),
     errors.InvalidArgumentError, ["unknown activation 'swish2'", "valid names", "relu"]),
    ("units_zero", lambda: layers.Dense(0),
     errors.InvalidArgumentError, ["units must be a positive integer", "0"]),
    ("learning_rate_negative", lambda: optimizers.SGD(learning_rate=-0.1),
     errors.InvalidArgumentError, ["learning_rate must be > 0", "-0.1"]),
    ("learning_rate_nan", lambda: optimizers.Adam(learning_rate=float("nan")),
     errors.InvalidArgumentError, ["learning_rate must be finite", "nan"]),
    ("momentum_one", lambda: optimizers.SGD(momentum=1.0),
     errors.InvalidArgumentError, ["momentum must be in [0, 1)", "1.0"]),
    ("momentum_negative", lambda: optimizers.SGD(momentum=-0.1),
     errors.InvalidArgumentError, ["momentum must be in [0, 1)", "-0.1"]),
    ("dropout_one", lambda: layers.Dropout(1.0),
     errors.InvalidArgumentError, ["rate must be in [0, 1)", "1.0"]),
    ("dropout_negative", lambda: layers.Dropout(-0.1),
     errors.InvalidArgumentError, ["rate must be in [0, 1)", "-0.1"]),
    ("dtype_unknown", lambda: Sequential(dtype="float16"),
     errors.InvalidArgumentError, ["dtype must be 'float32' or 'float64'", "float16"]),
]


@pytest.mark.parametrize("call, error, words", [case[1:] for case in REJECTED],
                         ids=[case[0] for case in REJECTED])
def test_bad_input_raises(call, error, words, assert_rejected):
    assert_rejected(call, error, words, kinds=(ValueError, TypeError, RuntimeError))


def trained_weights(x, y, **kwargs):
    model = regressor()
    fit(model, x, y, shuffle=False, batch_size=4, epochs=2, **kwargs)
    return model.get_weights()


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("convert", [
    lambda a: a.tolist(),
    np.asfortranarray,
    lambda a: np.repeat(a, 2, axis=0)[::2],
    read_only,
    lambda a: a.astype(np.float32),
], ids=["list", "fortran", "strided", "read_only", "float32"])
def test_fit_converts_input_like_c_array(convert):
    expected = trained_weights(X, Y)
    got = trained_weights(convert(X), convert(Y))
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("convert", [
    lambda a: a.tolist(), np.asfortranarray, read_only,
    lambda a: np.repeat(a, 2, axis=1)[:, ::2],
], ids=["list", "fortran", "read_only", "strided"])
def test_predict_converts_input_like_c_array(convert):
    model = regressor()
    np.testing.assert_array_equal(model.predict(convert(X)), model.predict(X))


def test_integer_and_bool_input_accepted():
    model = regressor()
    history = fit(model, (X > 0), Y)
    assert np.isfinite(history.history["loss"]).all()


class BatchRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)


def test_batch_larger_than_data_is_one_batch():
    model = regressor()
    cb = BatchRecorder()
    history = fit(model, X, Y, batch_size=1000, callbacks=[cb])
    assert cb.batches == [0]
    assert len(history.history["loss"]) == 1


def test_zero_epochs_trains_nothing():
    model = regressor()
    model.build(3)
    before = model.get_weights()
    history = fit(model, X, Y, epochs=0)
    assert history.history == {}
    for b, a in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype, value", [("float32", 3e38), ("float64", 1e300)])
def test_values_near_dtype_limit_never_give_nan_weights(dtype, value):
    # Either training works or it stops with a clear error; the weights
    # stay finite either way.
    model = regressor(dtype)
    x = np.full((10, 3), value)
    try:
        history = fit(model, x, Y)
    except errors.DivergenceError as exc:
        assert "epoch 1, batch 1" in str(exc)
    else:
        assert np.isfinite(history.history["loss"]).all()
    for w in model.get_weights():
        assert np.isfinite(w).all()


@pytest.mark.parametrize("target", [3e38, -3e38])
def test_targets_near_float32_limit_never_give_nan_weights(target):
    model = regressor()
    with pytest.raises(errors.DivergenceError, match="epoch 1, batch 1"):
        fit(model, X, np.full((10, 2), target))
    for w in model.get_weights():
        assert np.isfinite(w).all()


def test_absurd_units_raise_memory_error():
    model = Sequential([layers.Input((3,)), layers.Dense(2 ** 40)])
    with pytest.raises((MemoryError, ValueError)):
        model.build()
    assert not model.built


def test_all_zero_sample_weights_train_to_zero_loss():
    model = regressor()
    history = fit(model, X, Y, sample_weight=np.zeros(10))
    assert history.history["loss"] == [0.0]
