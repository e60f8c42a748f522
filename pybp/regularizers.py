"""Weight penalties added to the loss: L1, L2 and both.

``L2(l2)`` adds exactly ``l2 * sum(w**2)`` (gradient ``2 * l2 * w``) and
``L1(l1)`` adds ``l1 * sum(|w|)`` (gradient ``l1 * sign(w)``, 0 at w = 0).
The model adds the penalty of every regularized weight to the reported loss
and the gradient to that weight's gradient.
"""

import numpy as np

from pybp._registry import Configurable, Registry, check_real

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "names",
           "serialize"]


class Regularizer(Configurable):
    """Base class: ``l1 * sum(|w|) + l2 * sum(w**2)``.

    Attributes
    ----------
    l1, l2 : float
        Coefficients, >= 0; a subclass that does not use one keeps it at 0.0.
    """

    l1 = 0.0
    l2 = 0.0

    def __call__(self, w):
        """Return the penalty of weight array ``w`` as a float."""
        w = np.asarray(w, dtype=np.float64)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            penalty += self.l2 * float(np.sum(np.square(w)))
        return penalty

    def gradient(self, w):
        """Return the gradient of the penalty with respect to ``w``."""
        w = np.asarray(w)
        grad = np.zeros_like(w)
        if self.l1:
            grad += self.l1 * np.sign(w)
        if self.l2:
            grad += (2.0 * self.l2) * w
        return grad


def _check_coefficient(name, value):
    return check_real(name, value, low=0)


class L1(Regularizer):
    """Penalty ``l1 * sum(|w|)``."""

    def __init__(self, l1=0.01):
        self.l1 = _check_coefficient("l1", l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty ``l2 * sum(w**2)``."""

    def __init__(self, l2=0.01):
        self.l2 = _check_coefficient("l2", l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Penalty ``l1 * sum(|w|) + l2 * sum(w**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_coefficient("l1", l1)
        self.l2 = _check_coefficient("l2", l2)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


_registry = Registry("regularizer")
_registry.register(L1, "l1")
_registry.register(L2, "l2")
_registry.register(L1L2, "l1_l2", "l1l2")

get, serialize, deserialize, names = _registry.module_functions(Regularizer, none=True)
