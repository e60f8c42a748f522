"""Metrics: functions of a whole array, and stateful classes over an epoch.

A metric object accumulates sums over the batches of an epoch with
``update_state`` and reports the value over all samples seen with
``result``, so the epoch value does not depend on how the data was split
into batches. Sums are kept in float64. ``sample_weight`` weights rows.
"""

import math

import numpy as np

from pybp._registry import Configurable, Registry, check_int, check_real
from pybp.errors import InvalidArgumentError, ShapeError

__all__ = ["Accuracy", "BinaryAccuracy", "MeanAbsoluteError", "MeanMetric",
           "MeanSquaredError", "Metric", "R2Score", "RootMeanSquaredError",
           "TopKAccuracy", "accuracy", "binary_accuracy", "deserialize", "get", "mae",
           "mse", "names", "r2", "rmse", "serialize", "top_k_accuracy"]


def _as_2d(name, arr):
    arr = np.asarray(arr)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    return arr


def _row_weights(sample_weight, rows):
    if sample_weight is None:
        return np.ones(rows)
    weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if weight.shape[0] != rows:
        raise ShapeError(f"sample_weight must have one weight per row ({rows}), "
                         f"got shape {np.shape(sample_weight)}")
    return weight


def _true_classes(y_true, rows):
    """Return class indices from integer labels or from one-hot rows."""
    y_true = np.asarray(y_true)
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        labels = np.argmax(y_true, axis=1)
    else:
        labels = y_true.reshape(-1)
    if labels.shape[0] != rows:
        raise ShapeError(f"y_true must have {rows} rows, got shape {y_true.shape}")
    return labels.astype(np.int64)


def _matching_shapes(y_true, y_pred):
    y_true = _as_2d("y_true", y_true).astype(np.float64)
    y_pred = _as_2d("y_pred", y_pred).astype(np.float64)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"y_true and y_pred must have the same shape, got "
                         f"{y_true.shape} and {y_pred.shape}")
    return y_true, y_pred


# ---- per-row scores ----

def _binary_hits(y_true, y_pred, threshold):
    """Return the fraction of elements of each row on the right side of threshold."""
    y_true, y_pred = _matching_shapes(y_true, y_pred)
    return np.mean((y_pred > threshold) == (y_true > 0.5), axis=1)


def _accuracy_hits(y_true, y_pred):
    y_pred = _as_2d("y_pred", y_pred)
    if y_pred.shape[1] == 1:
        return _binary_hits(y_true, y_pred, 0.5)
    labels = _true_classes(y_true, y_pred.shape[0])
    return (np.argmax(y_pred, axis=1) == labels).astype(np.float64)


def _top_k_hits(y_true, y_pred, k):
    y_pred = _as_2d("y_pred", y_pred)
    labels = _true_classes(y_true, y_pred.shape[0])
    rows = np.arange(y_pred.shape[0])
    if np.any((labels < 0) | (labels >= y_pred.shape[1])):
        raise InvalidArgumentError(
            f"class labels must be in [0, {y_pred.shape[1]}), got "
            f"[{labels.min()}, {labels.max()}]")
    # A label counts as found when fewer than k classes score strictly higher.
    true_score = y_pred[rows, labels][:, None]
    higher = np.sum(y_pred > true_score, axis=1)
    return (higher < k).astype(np.float64)


def _squared_errors(y_true, y_pred):
    y_true, y_pred = _matching_shapes(y_true, y_pred)
    return np.mean((y_pred - y_true) ** 2, axis=1)


def _absolute_errors(y_true, y_pred):
    y_true, y_pred = _matching_shapes(y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=1)


# ---- metric classes ----

class Metric(Configurable):
    """Base class of stateful metrics.

    Attributes
    ----------
    name : str
        Key of the metric in the training logs ('accuracy', 'val_accuracy').
    higher_is_better : bool
        Direction of improvement, used by callbacks in mode 'auto'.
    """

    higher_is_better = False

    def __init__(self, name=None):
        self.name = name or self.default_name
        self.reset_state()

    def reset_state(self):
        """Forget all batches seen."""
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch."""
        raise NotImplementedError

    def result(self):
        """Return the metric over all batches since the last reset, as a float."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}


class MeanMetric(Metric):
    """A metric that is the weighted mean of a per-row score."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def row_scores(self, y_true, y_pred):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        scores = self.row_scores(y_true, y_pred)
        weight = _row_weights(sample_weight, scores.shape[0])
        self.total += float(np.sum(scores * weight))
        self.count += float(np.sum(weight))

    def result(self):
        return self.total / self.count if self.count else 0.0


class Accuracy(MeanMetric):
    """Fraction of rows whose predicted class is the true class.

    With more than one output column the predicted class is the argmax of
    the row, and targets are integer labels or one-hot rows. With one
    output column, predictions above 0.5 count as class 1.
    """

    default_name = "accuracy"
    higher_is_better = True

    def row_scores(self, y_true, y_pred):
        return _accuracy_hits(y_true, y_pred)


class BinaryAccuracy(MeanMetric):
    """Fraction of elements with (y_pred > threshold) == (y_true > 0.5)."""

    default_name = "binary_accuracy"
    higher_is_better = True

    def __init__(self, threshold=0.5, name=None):
        self.threshold = check_real("threshold", threshold)
        super().__init__(name)

    def row_scores(self, y_true, y_pred):
        return _binary_hits(y_true, y_pred, self.threshold)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class TopKAccuracy(MeanMetric):
    """Fraction of rows whose true class is among the k highest predictions.

    Ties count in the label's favour: it is found when fewer than ``k``
    classes score strictly higher.
    """

    default_name = "top_k_accuracy"
    higher_is_better = True

    def __init__(self, k=5, name=None):
        self.k = check_int("k", k, low=1)
        super().__init__(name)

    def row_scores(self, y_true, y_pred):
        return _top_k_hits(y_true, y_pred, self.k)

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class MeanSquaredError(MeanMetric):
    """Mean of (y_pred - y_true)^2 over all elements."""

    default_name = "mse"

    def row_scores(self, y_true, y_pred):
        return _squared_errors(y_true, y_pred)


class MeanAbsoluteError(MeanMetric):
    """Mean of |y_pred - y_true| over all elements."""

    default_name = "mae"

    def row_scores(self, y_true, y_pred):
        return _absolute_errors(y_true, y_pred)


class RootMeanSquaredError(MeanSquaredError):
    """Square root of the mean squared error over the whole epoch."""

    default_name = "rmse"

    def result(self):
        return math.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination 1 - SS_res / SS_tot, averaged over outputs.

    SS_tot is taken around the mean of all targets of the epoch, never
    averaged per batch. Each batch's weighted mean and sum of squares are
    merged into the running ones with the pairwise update
    ss = ss_a + ss_b + delta^2 * w_a * w_b / (w_a + w_b), which stays
    accurate where sum(y^2) - sum(y)^2 / n would cancel. An output whose
    targets are all equal scores 1.0 if predicted exactly, else 0.0.
    """

    default_name = "r2"
    higher_is_better = True

    def reset_state(self):
        self.weight = 0.0
        self.mean = None
        self.total_ss = None
        self.residual_ss = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _matching_shapes(y_true, y_pred)
        weight = _row_weights(sample_weight, y_true.shape[0])[:, None]
        batch_weight = float(np.sum(weight))
        if batch_weight == 0:
            return
        batch_mean = np.sum(weight * y_true, axis=0) / batch_weight
        batch_ss = np.sum(weight * (y_true - batch_mean) ** 2, axis=0)
        batch_residual = np.sum(weight * (y_true - y_pred) ** 2, axis=0)
        if self.mean is None:
            self.weight = batch_weight
            self.mean, self.total_ss = batch_mean, batch_ss
            self.residual_ss = batch_residual
            return
        if batch_mean.shape != self.mean.shape:
            raise ShapeError(f"y_true must have {self.mean.shape[0]} columns as in "
                             f"earlier batches, got {batch_mean.shape[0]}")
        total = self.weight + batch_weight
        delta = batch_mean - self.mean
        self.mean = self.mean + delta * (batch_weight / total)
        self.total_ss = (self.total_ss + batch_ss
                         + delta**2 * (self.weight * batch_weight / total))
        self.residual_ss = self.residual_ss + batch_residual
        self.weight = total

    def result(self):
        if self.mean is None:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1.0 - self.residual_ss / self.total_ss
        constant = self.total_ss == 0
        scores[constant] = np.where(self.residual_ss[constant] == 0, 1.0, 0.0)
        return float(np.mean(scores))


# ---- functions of whole arrays ----

def _evaluate(metric, y_true, y_pred, sample_weight):
    metric.update_state(y_true, y_pred, sample_weight)
    return metric.result()


def accuracy(y_true, y_pred, sample_weight=None):
    """Return the accuracy of ``y_pred`` as in :class:`Accuracy`."""
    return _evaluate(Accuracy(), y_true, y_pred, sample_weight)


def binary_accuracy(y_true, y_pred, threshold=0.5, sample_weight=None):
    """Return the binary accuracy as in :class:`BinaryAccuracy`."""
    return _evaluate(BinaryAccuracy(threshold), y_true, y_pred, sample_weight)


def top_k_accuracy(y_true, y_pred, k=5, sample_weight=None):
    """Return the top-k accuracy as in :class:`TopKAccuracy`."""
    return _evaluate(TopKAccuracy(k), y_true, y_pred, sample_weight)


def mse(y_true, y_pred, sample_weight=None):
    """Return the mean squared error over all elements."""
    return _evaluate(MeanSquaredError(), y_true, y_pred, sample_weight)


def mae(y_true, y_pred, sample_weight=None):
    """Return the mean absolute error over all elements."""
    return _evaluate(MeanAbsoluteError(), y_true, y_pred, sample_weight)


def rmse(y_true, y_pred, sample_weight=None):
    """Return the root mean squared error over all elements."""
    return _evaluate(RootMeanSquaredError(), y_true, y_pred, sample_weight)


def r2(y_true, y_pred, sample_weight=None):
    """Return the coefficient of determination, averaged over outputs."""
    return _evaluate(R2Score(), y_true, y_pred, sample_weight)


_registry = Registry("metric")
_registry.register(Accuracy, "accuracy", "acc")
_registry.register(BinaryAccuracy, "binary_accuracy")
_registry.register(TopKAccuracy, "top_k_accuracy")
_registry.register(MeanSquaredError, "mse", "mean_squared_error")
_registry.register(MeanAbsoluteError, "mae", "mean_absolute_error")
_registry.register(RootMeanSquaredError, "rmse", "root_mean_squared_error")
_registry.register(R2Score, "r2", "r2_score")

_get, serialize, deserialize, names = _registry.module_functions(Metric)


def get(identifier):
    """Return a new metric from a name, a config dict or an instance.

    A metric named by a string takes that string as its log key, so
    ``get('acc').name == 'acc'``.
    """
    metric = _get(identifier)
    if isinstance(identifier, str) and identifier.lower() in names():
        metric.name = identifier.lower()
    return metric
