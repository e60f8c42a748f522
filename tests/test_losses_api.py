"""Loss objects: kernel codes, expected activations, NumPy reference values."""

import numpy as np
import pytest

from pybp import losses
from pybp.errors import InvalidArgumentError, LabelError, ShapeError

# name -> (class, code, sparse)
EXPECTED = {
    "mse": (losses.MeanSquaredError, 0, False),
    "mean_squared_error": (losses.MeanSquaredError, 0, False),
    "mae": (losses.MeanAbsoluteError, 1, False),
    "huber": (losses.Huber, 2, False),
    "binary_crossentropy": (losses.BinaryCrossentropy, 3, False),
    "categorical_crossentropy": (losses.CategoricalCrossentropy, 4, False),
    "sparse_categorical_crossentropy": (losses.SparseCategoricalCrossentropy, 4, True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attributes_by_name(name):
    loss = losses.get(name)
    cls, code, sparse = EXPECTED[name]
    assert type(loss) is cls
    assert loss.code == code
    assert loss.sparse is sparse
    assert loss.from_logits is False


@pytest.mark.parametrize("cls, expected", [
    (losses.MeanSquaredError, None),
    (losses.MeanAbsoluteError, None),
    (losses.BinaryCrossentropy, "sigmoid"),
    (losses.CategoricalCrossentropy, "softmax"),
    (losses.SparseCategoricalCrossentropy, "softmax"),
])
def test_expects_activation(cls, expected):
    assert cls().expects_activation == expected
    if expected is not None:
        assert cls(from_logits=True).expects_activation == "linear"


def test_huber_param_is_delta():
    assert losses.Huber().param == 1.0
    assert losses.Huber(delta=2.5).param == 2.5
    assert losses.get("mse").param == 0.0


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.Huber(delta=0.7),
    losses.BinaryCrossentropy(from_logits=True), losses.CategoricalCrossentropy(),
    losses.SparseCategoricalCrossentropy(from_logits=True),
])
def test_config_round_trip(loss):
    rebuilt = type(loss).from_config(loss.get_config())
    assert rebuilt == loss
    assert rebuilt.param == loss.param
    assert rebuilt.expects_activation == loss.expects_activation
    assert losses.get(losses.serialize(loss)) == loss


def test_get_instance_unchanged():
    loss = losses.Huber(delta=3.0)
    assert losses.get(loss) is loss


RNG = np.random.default_rng(7)
T = RNG.normal(size=(9, 3))
P = RNG.normal(size=(9, 3))


def test_mse_value():
    assert losses.get("mse")(T, P) == pytest.approx(np.mean((P - T) ** 2), rel=1e-12)


def test_mae_value():
    assert losses.get("mae")(T, P) == pytest.approx(np.mean(np.abs(P - T)), rel=1e-12)


def test_huber_value_both_sides_of_delta():
    t = np.array([[0.0, 0.0, 0.0]])
    p = np.array([[0.5, -2.0, 1.0]])
    # 0.5 * 0.25, 1 * 2 - 0.5, and 0.5 at exactly delta.
    want = (0.125 + 1.5 + 0.5) / 3
    assert losses.Huber(delta=1.0)(t, p) == pytest.approx(want, rel=1e-12)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_binary_crossentropy_logits_and_probabilities_agree():
    target = (RNG.random((9, 2)) > 0.5).astype(float)
    logits = RNG.normal(size=(9, 2))
    p = _sigmoid(logits)
    want = np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p)))
    assert losses.BinaryCrossentropy()(target, p) == pytest.approx(want, rel=1e-10)
    assert losses.BinaryCrossentropy(from_logits=True)(target, logits) == pytest.approx(
        want, rel=1e-10)


def test_categorical_crossentropy_logits_and_probabilities_agree():
    labels = RNG.integers(0, 4, size=11)
    onehot = np.eye(4)[labels]
    logits = RNG.normal(size=(11, 4))
    p = _softmax(logits)
    want = np.mean(-np.log(p[np.arange(11), labels]))
    cce = losses.CategoricalCrossentropy
    assert cce()(onehot, p) == pytest.approx(want, rel=1e-10)
    assert cce(from_logits=True)(onehot, logits) == pytest.approx(want, rel=1e-10)
    sparse = losses.SparseCategoricalCrossentropy
    assert sparse()(labels, p) == pytest.approx(want, rel=1e-10)
    assert sparse(from_logits=True)(labels, logits) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("loss", [losses.BinaryCrossentropy(from_logits=True),
                                  losses.CategoricalCrossentropy(from_logits=True)])
def test_huge_logits_stay_finite(loss):
    target = np.array([[1.0, 0.0], [0.0, 1.0]])
    logits = np.array([[-1000.0, 1000.0], [1000.0, -1000.0]])
    value = loss(target, logits)
    assert np.isfinite(value)
    assert value > 100


def test_probabilities_clipped_at_zero_and_one():
    target = np.array([[1.0], [0.0]])
    value = losses.BinaryCrossentropy()(target, np.array([[0.0], [1.0]]))
    assert np.isfinite(value)
    assert value == pytest.approx(-np.log(1e-7), rel=1e-3)


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_crossentropy",
                                  "categorical_crossentropy"])
def test_sample_weight_scales_rows_divides_by_batch(name):
    loss = losses.get(name)
    target = RNG.random((6, 3))
    pred = RNG.random((6, 3))
    weight = RNG.random(6)
    per_row = np.array([loss(target[i:i + 1], pred[i:i + 1]) for i in range(6)])
    assert loss(target, pred, sample_weight=weight) == pytest.approx(
        np.sum(weight * per_row) / 6, rel=1e-10)
    assert loss(target, pred, sample_weight=np.ones(6)) == pytest.approx(
        loss(target, pred), rel=1e-12)


def test_one_dimensional_inputs_are_columns():
    t = np.array([1.0, 2.0, 3.0])
    p = np.array([1.5, 2.0, 2.0])
    assert losses.get("mse")(t, p) == pytest.approx((0.25 + 1.0) / 3)


@pytest.mark.parametrize("build, error, match", [
    (lambda: losses.Huber(delta=0), InvalidArgumentError,
     r"delta must be > 0, got 0.0"),
    (lambda: losses.BinaryCrossentropy(from_logits="yes"), InvalidArgumentError,
     r"from_logits must be True or False, got 'yes'"),
    (lambda: losses.get("hinge"), InvalidArgumentError,
     r"unknown loss 'hinge'; valid names: .*mse"),
    (lambda: losses.get(None), InvalidArgumentError, r"loss must be given"),
    (lambda: losses.get("mse")(np.ones((2, 3)), np.ones((3, 2))), ShapeError,
     r"same shape"),
    (lambda: losses.get("mse")(np.ones(2), np.ones(2), np.ones(3)), ShapeError,
     r"sample_weight must have one weight per row \(2\)"),
    (lambda: losses.SparseCategoricalCrossentropy()([0, 3], np.full((2, 3), 1 / 3)),
     LabelError, r"class labels must be in \[0, 3\), got \[0, 3\]"),
    (lambda: losses.SparseCategoricalCrossentropy()([0.5, 1], np.full((2, 3), 1 / 3)),
     InvalidArgumentError, r"integer class labels"),
])
def test_bad_arguments_raise(build, error, match):
    with pytest.raises(error, match=match):
        build()
