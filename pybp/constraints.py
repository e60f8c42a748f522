"""Weight constraints, applied to a weight after each optimizer update.

For an (inputs, units) kernel, ``axis=0`` takes norms over the inputs, so
each output unit's incoming weight vector is constrained. ``code`` and the
numeric attributes name the constraint for a C implementation: none 0,
max_norm 1, non_neg 2, unit_norm 3, min_max_norm 4.
"""

import numpy as np

from pybp._registry import Configurable, Registry, check_int, check_real

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
           "deserialize", "get", "names", "serialize"]

NONE, MAX_NORM, NON_NEG, UNIT_NORM, MIN_MAX_NORM = 0, 1, 2, 3, 4



class Constraint(Configurable):
    """Base class: ``constraint(w)`` returns the constrained weights.

    Attributes
    ----------
    code : int
        The constraint's number for a C implementation.
    axis : int
        Axis the norms are taken over.
    min_value, max_value, rate : float
        Norm bounds and the rate of MinMaxNorm; unused ones are 0.0, and
        ``rate`` is 1.0.
    """

    code = NONE
    axis = 0
    min_value = 0.0
    max_value = 0.0
    rate = 1.0

    def __call__(self, w):
        return np.array(w, copy=True)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def _rescale(w, norms, desired):
    """Scale each vector of ``w`` from norm ``norms`` to ``desired``.

    A zero vector has no direction and stays zero.
    """
    scale = np.divide(desired, norms, out=np.zeros_like(norms), where=norms > 0)
    return (w * scale).astype(w.dtype)


def _check_axis(axis):
    return check_int("axis", axis)


class MaxNorm(Constraint):
    """Scale each weight vector down so its L2 norm is at most ``max_value``."""

    code = MAX_NORM

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_real("max_value", max_value, low=0, low_open=True)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, np.minimum(norms, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    code = NON_NEG

    def __call__(self, w):
        w = np.asarray(w)
        return np.where(w < 0, np.zeros((), dtype=w.dtype), w)


class UnitNorm(Constraint):
    """Scale each weight vector to L2 norm 1."""

    code = UNIT_NORM

    def __init__(self, axis=0):
        self.axis = _check_axis(axis)
        self.min_value = self.max_value = 1.0

    def __call__(self, w):
        w = np.asarray(w)
        return _rescale(w, _norms(w, self.axis), 1.0)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each weight vector's norm into [min_value, max_value].

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) *
    norm``, so ``rate`` = 1 enforces the bounds at once and a smaller rate
    moves toward them step by step.
    """

    code = MIN_MAX_NORM

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_real("min_value", min_value, low=0)
        self.max_value = check_real("max_value", max_value, low=self.min_value)
        self.rate = check_real("rate", rate, low=0, high=1, low_open=True)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        w = np.asarray(w)
        norms = _norms(w, self.axis)
        clipped = np.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return _rescale(w, norms, desired)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


_registry = Registry("constraint")
_registry.register(MaxNorm, "max_norm")
_registry.register(NonNeg, "non_neg")
_registry.register(UnitNorm, "unit_norm")
_registry.register(MinMaxNorm, "min_max_norm")

get, serialize, deserialize, names = _registry.module_functions(Constraint, none=True)
