"""Loss functions as configurable objects.

Each object names one C loss kernel through ``code`` (the values of
``enum pybp_loss`` in csrc/pybp.h), ``param`` and ``sparse``, and names the
activation the last layer must have (``expects_activation``) so a model can
fuse that activation into the loss and hand logits to the kernel. Calling an
object computes the loss in NumPy float64, as a reference.

Sample weights weight each row; the weighted sum is still divided by the
number of rows, so weights of 1 give the plain mean.
"""

import numpy as np

from pybp._registry import Configurable, Registry, check_bool, check_real
from pybp.errors import InvalidArgumentError, LabelError, ShapeError

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "Loss",
           "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
           "deserialize", "get", "names", "serialize"]

# Values of enum pybp_loss.
MSE, MAE, HUBER, BCE_LOGITS, CCE_LOGITS = 0, 1, 2, 3, 4

# Probabilities are clipped to [EPSILON, 1 - EPSILON] before a logarithm.
EPSILON = 1e-7


class Loss(Configurable):
    """Base class of losses.

    Attributes
    ----------
    name : str
        The name that ``get`` accepts and ``pybp.ops.loss`` takes.
    code : int
        The C enum value of the kernel.
    param : float
        Huber's delta; 0.0 for the others.
    sparse : bool
        True when targets are integer class labels of shape (batch,).
    from_logits : bool
        True when predictions are logits, False when they are probabilities.
    expects_activation : str or None
        The activation the last layer must have: 'sigmoid' or 'softmax' for a
        cross-entropy on probabilities, 'linear' on logits, None for
        regression losses, which accept any.
    """

    name = None
    code = None
    param = 0.0
    sparse = False
    from_logits = False
    expects_activation = None

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Return the mean loss of a batch as a float (NumPy reference)."""
        y_true, y_pred = self._prepare(y_true, y_pred)
        per_row = self.per_row(y_true, y_pred)
        return _weighted_mean(per_row, sample_weight)

    def _prepare(self, y_true, y_pred):
        y_pred = _as_2d("y_pred", y_pred)
        y_true = _as_2d("y_true", y_true)
        if y_true.shape != y_pred.shape:
            raise ShapeError(f"y_true and y_pred must have the same shape, got "
                             f"{y_true.shape} and {y_pred.shape}")
        return y_true, y_pred

    def per_row(self, y_true, y_pred):
        """Return the loss of each row of 2-D float64 arrays."""
        raise NotImplementedError


class MeanSquaredError(Loss):
    """Mean over all elements of (y_pred - y_true)^2."""

    name = "mse"
    code = MSE

    def per_row(self, y_true, y_pred):
        return np.mean((y_pred - y_true) ** 2, axis=1)


class MeanAbsoluteError(Loss):
    """Mean over all elements of |y_pred - y_true|."""

    name = "mae"
    code = MAE

    def per_row(self, y_true, y_pred):
        return np.mean(np.abs(y_pred - y_true), axis=1)


class Huber(Loss):
    """Quadratic for errors up to ``delta``, linear beyond; mean over elements."""

    name = "huber"
    code = HUBER

    def __init__(self, delta=1.0):
        self.delta = check_real("delta", delta, low=0, low_open=True)
        self.param = self.delta

    def get_config(self):
        return {"delta": self.delta}

    def per_row(self, y_true, y_pred):
        error = np.abs(y_pred - y_true)
        quadratic = 0.5 * error**2
        linear = self.delta * error - 0.5 * self.delta**2
        return np.mean(np.where(error <= self.delta, quadratic, linear), axis=1)


class _Crossentropy(Loss):
    """Shared ``from_logits`` handling of the cross-entropy losses."""

    probability_activation = None

    def __init__(self, from_logits=False):
        self.from_logits = check_bool("from_logits", from_logits)
        if from_logits:
            self.expects_activation = "linear"
        else:
            self.expects_activation = self.probability_activation

    def get_config(self):
        return {"from_logits": self.from_logits}


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy of each element; mean over elements."""

    name = "binary_crossentropy"
    code = BCE_LOGITS
    probability_activation = "sigmoid"

    def per_row(self, y_true, y_pred):
        if self.from_logits:
            # log(1 + e^z) - t z, written so no exp overflows.
            z = y_pred
            loss = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        else:
            p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
            loss = -(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))
        return np.mean(loss, axis=1)


class CategoricalCrossentropy(_Crossentropy):
    """Cross-entropy of one-hot (or soft) targets, summed over each row."""

    name = "categorical_crossentropy"
    code = CCE_LOGITS
    probability_activation = "softmax"

    def per_row(self, y_true, y_pred):
        return -np.sum(y_true * _log_probabilities(y_pred, self.from_logits), axis=1)


class SparseCategoricalCrossentropy(_Crossentropy):
    """Cross-entropy of integer class labels in [0, classes)."""

    name = "sparse_categorical_crossentropy"
    code = CCE_LOGITS
    sparse = True
    probability_activation = "softmax"

    def _prepare(self, y_true, y_pred):
        y_pred = _as_2d("y_pred", y_pred)
        labels = np.asarray(y_true).reshape(-1)
        if labels.shape[0] != y_pred.shape[0]:
            raise ShapeError(f"y_true must contain one label per row of y_pred "
                             f"({y_pred.shape[0]}), got shape {np.shape(y_true)}")
        if labels.size and not np.all(labels == np.round(labels)):
            raise InvalidArgumentError("y_true must contain integer class labels")
        labels = labels.astype(np.int64)
        classes = y_pred.shape[1]
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise LabelError(f"class labels must be in [0, {classes}), got "
                             f"[{labels.min()}, {labels.max()}]")
        return labels, y_pred

    def per_row(self, y_true, y_pred):
        log_p = _log_probabilities(y_pred, self.from_logits)
        return -log_p[np.arange(y_pred.shape[0]), y_true]


def _as_2d(name, arr):
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    return arr


def _log_probabilities(y_pred, from_logits):
    if from_logits:
        shifted = y_pred - np.max(y_pred, axis=1, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    # Rows of probabilities are renormalized to sum to 1, then clipped.
    p = y_pred / np.sum(y_pred, axis=1, keepdims=True)
    return np.log(np.clip(p, EPSILON, 1.0 - EPSILON))


def _weighted_mean(per_row, sample_weight):
    if sample_weight is None:
        return float(np.mean(per_row))
    weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if weight.shape != per_row.shape:
        raise ShapeError(f"sample_weight must have one weight per row "
                         f"({per_row.shape[0]}), got shape {np.shape(sample_weight)}")
    return float(np.sum(per_row * weight) / per_row.shape[0])


_registry = Registry("loss")
_registry.register(MeanSquaredError, "mse", "mean_squared_error")
_registry.register(MeanAbsoluteError, "mae", "mean_absolute_error")
_registry.register(Huber, "huber", "huber_loss")
_registry.register(BinaryCrossentropy, "binary_crossentropy", "bce")
_registry.register(CategoricalCrossentropy, "categorical_crossentropy", "cce")
_registry.register(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy")

get, serialize, deserialize, names = _registry.module_functions(Loss)
