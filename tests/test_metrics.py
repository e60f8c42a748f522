"""Metrics: epoch values accumulated over batches against whole-array NumPy."""

import math

import numpy as np
import pytest

from pybp import metrics
from pybp.errors import InvalidArgumentError, ShapeError

RNG = np.random.default_rng(11)
N = 103
LABELS = RNG.integers(0, 8, size=N)
SCORES = RNG.normal(size=(N, 8))
TARGETS = RNG.normal(size=(N, 3))
PREDICTIONS = TARGETS + 0.7 * RNG.normal(size=(N, 3))
WEIGHTS = RNG.uniform(0.1, 2.0, size=N)


def _batched(metric, y_true, y_pred, sample_weight=None, batch=10):
    metric.reset_state()
    for start in range(0, len(y_pred), batch):
        rows = slice(start, start + batch)
        weight = None if sample_weight is None else sample_weight[rows]
        metric.update_state(y_true[rows], y_pred[rows], sample_weight=weight)
    return metric.result()


def _r2_reference(y, p, w=None):
    w = np.ones(len(y)) if w is None else w
    mean = np.sum(w[:, None] * y, axis=0) / w.sum()
    residual = np.sum(w[:, None] * (y - p) ** 2, axis=0)
    total = np.sum(w[:, None] * (y - mean) ** 2, axis=0)
    return float(np.mean(1 - residual / total))


CASES = {
    "accuracy": (LABELS, SCORES,
                 lambda y, p, w: np.average(p.argmax(1) == y, weights=w)),
    "top_k_accuracy": (LABELS, SCORES, lambda y, p, w: np.average(
        [y[i] in np.argsort(-p[i])[:5] for i in range(len(y))], weights=w)),
    "mse": (TARGETS, PREDICTIONS,
            lambda y, p, w: np.average(np.mean((y - p) ** 2, axis=1), weights=w)),
    "mae": (TARGETS, PREDICTIONS,
            lambda y, p, w: np.average(np.mean(np.abs(y - p), axis=1), weights=w)),
    "rmse": (TARGETS, PREDICTIONS, lambda y, p, w: math.sqrt(
        np.average(np.mean((y - p) ** 2, axis=1), weights=w))),
    "r2": (TARGETS, PREDICTIONS, _r2_reference),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("batch", [1, 7, 10, N])
def test_batched_equals_whole_data(name, batch):
    y, p, reference = CASES[name]
    metric = metrics.get(name)
    assert metric.name == name
    want = reference(y, p, None)
    assert 0 < want < 1
    assert _batched(metric, y, p, batch=batch) == pytest.approx(want, rel=1e-10)
    function = getattr(metrics, name)
    assert function(y, p) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weighted_batched_equals_whole_data(name):
    y, p, reference = CASES[name]
    want = reference(y, p, WEIGHTS)
    got = _batched(metrics.get(name), y, p, sample_weight=WEIGHTS, batch=9)
    assert got == pytest.approx(want, rel=1e-10)


def test_r2_differs_from_mean_of_batch_scores():
    # Batches with different target means: per-batch R2 averaging is wrong.
    y = np.concatenate([np.zeros(50), np.ones(50) * 10]) + RNG.normal(size=100)
    p = y + RNG.normal(size=100)
    metric = metrics.R2Score()
    got = _batched(metric, y, p, batch=50)
    per_batch = np.mean([metrics.r2(y[:50], p[:50]), metrics.r2(y[50:], p[50:])])
    assert got == pytest.approx(_r2_reference(y[:, None], p[:, None]), rel=1e-12)
    assert abs(got - per_batch) > 0.1


def test_r2_constant_target():
    y = np.full((4, 1), 3.0)
    assert metrics.r2(y, y) == 1.0
    assert metrics.r2(y, y + 1) == 0.0


def test_accuracy_one_hot_targets():
    onehot = np.eye(8)[LABELS]
    assert metrics.accuracy(onehot, SCORES) == metrics.accuracy(LABELS, SCORES)
    assert metrics.accuracy(LABELS[:, None], SCORES) == metrics.accuracy(LABELS, SCORES)


def test_accuracy_single_output_thresholds_at_half():
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    p = np.array([[0.2], [0.7], [0.4], [0.6]])
    assert metrics.accuracy(y, p) == 0.5


def test_binary_accuracy_threshold():
    y = np.array([[0, 1], [1, 0]], dtype=float)
    p = np.array([[0.1, 0.8], [0.65, 0.3]])
    assert metrics.binary_accuracy(y, p) == 1.0
    assert metrics.binary_accuracy(y, p, threshold=0.7) == 0.75


def test_top_k_counts_ties_as_found():
    p = np.array([[0.5, 0.5, 0.0]])
    assert metrics.top_k_accuracy([1], p, k=1) == 1.0
    assert metrics.top_k_accuracy([2], p, k=2) == 0.0
    assert metrics.top_k_accuracy([2], p, k=3) == 1.0


def test_reset_state_forgets_batches():
    metric = metrics.get("mae")
    metric.update_state(np.zeros(3), np.ones(3))
    metric.reset_state()
    metric.update_state(np.zeros(2), np.full(2, 4.0))
    assert metric.result() == 4.0


def test_empty_metric_result_is_zero():
    for name in CASES:
        assert metrics.get(name).result() == 0.0


@pytest.mark.parametrize("identifier, cls, name", [
    ("acc", metrics.Accuracy, "acc"),
    ("mean_squared_error", metrics.MeanSquaredError, "mean_squared_error"),
    ("RMSE", metrics.RootMeanSquaredError, "rmse"),
    ("Accuracy", metrics.Accuracy, "accuracy"),
    ({"class_name": "TopKAccuracy", "config": {"k": 2, "name": "top2"}},
     metrics.TopKAccuracy, "top2"),
])
def test_get_sets_log_name(identifier, cls, name):
    metric = metrics.get(identifier)
    assert type(metric) is cls
    assert metric.name == name


@pytest.mark.parametrize("metric", [
    metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3),
    metrics.TopKAccuracy(k=2, name="top2"), metrics.MeanSquaredError(),
    metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError(), metrics.R2Score()],
    ids=repr)
def test_config_round_trip(metric):
    rebuilt = type(metric).from_config(metric.get_config())
    assert rebuilt == metric
    assert rebuilt.name == metric.name
    assert metrics.get(metrics.serialize(metric)) == metric


@pytest.mark.parametrize("name, higher", [("accuracy", True), ("r2", True),
                                          ("mse", False), ("mae", False)])
def test_direction(name, higher):
    assert metrics.get(name).higher_is_better is higher


@pytest.mark.parametrize("build, error, match", [
    (lambda: metrics.TopKAccuracy(k=0), InvalidArgumentError, r"k must be >= 1, got 0"),
    (lambda: metrics.get("f1"), InvalidArgumentError, r"unknown metric 'f1'"),
    (lambda: metrics.mse(np.ones((2, 3)), np.ones((2, 2))), ShapeError, "same shape"),
    (lambda: metrics.mse(np.ones(3), np.ones(3), sample_weight=np.ones(2)), ShapeError,
     r"one weight per row \(3\)"),
    (lambda: metrics.top_k_accuracy([7], np.ones((1, 3))), InvalidArgumentError,
     r"class labels must be in \[0, 3\)"),
])
def test_bad_arguments_raise(build, error, match):
    with pytest.raises(error, match=match):
        build()
