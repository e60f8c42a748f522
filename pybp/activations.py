"""Activation functions as configurable objects.

Each object names one C activation kernel through ``code`` (the values of
``enum pybp_activation`` in csrc/pybp.h) and ``alpha``, and carries a NumPy
float64 reference of the function and of its derivative for tests. Models
pass ``code`` and ``alpha`` to the fused kernels; nothing here calls C.
"""

import math

import numpy as np

from pybp._registry import Configurable, Registry, check_bool, check_real
from pybp.errors import InvalidArgumentError

__all__ = ["ELU", "GELU", "SELU", "Activation", "LeakyReLU", "Linear", "ReLU",
           "Sigmoid", "Softmax", "Softplus", "Tanh", "deserialize", "get",
           "names", "serialize"]

# Values of enum pybp_activation.
IDENTITY, RELU, LEAKY_RELU, ELU_CODE, SELU_CODE = 0, 1, 2, 3, 4
GELU_TANH, GELU_EXACT, SIGMOID, TANH, SOFTPLUS, SOFTMAX = 5, 6, 7, 8, 9, 10

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_CUBIC = 0.044715


# NumPy has no erf; math.erf element by element is slow but exact.
_erf = np.vectorize(math.erf, otypes=[np.float64])


class Activation(Configurable):
    """Base class: an element-wise or row-wise function applied after a layer.

    Attributes
    ----------
    name : str
        The name that ``get`` accepts and ``pybp.ops.activation`` takes.
    code : int
        The C enum value of the kernel.
    alpha : float
        Slope of leaky_relu, alpha of elu; 0.0 for the others.
    needs_preactivation : bool
        True when the backward pass reads the pre-activation ``x`` and not
        only the output ``y`` (the gelu forms), so the model keeps ``z``.
    """

    name = "linear"
    code = IDENTITY
    alpha = 0.0
    needs_preactivation = False

    def __call__(self, x):
        """Return the activation of float array ``x`` (NumPy reference)."""
        return np.array(x, dtype=np.result_type(x, np.float32), copy=True)

    def derivative(self, dy, y, x=None):
        """Return ``dy * act'`` from the output ``y`` (and ``x`` for gelu)."""
        return np.array(dy, copy=True)


class Linear(Activation):
    """Identity: y = x."""


class ReLU(Activation):
    """y = max(x, 0)."""

    name = "relu"
    code = RELU

    def __call__(self, x):
        return np.maximum(x, 0)

    def derivative(self, dy, y, x=None):
        return dy * (y > 0)


class LeakyReLU(Activation):
    """y = x for x > 0, alpha * x otherwise."""

    name = "leaky_relu"
    code = LEAKY_RELU

    def __init__(self, alpha=0.2):
        self.alpha = check_real("alpha", alpha, low=0)

    def get_config(self):
        return {"alpha": self.alpha}

    def __call__(self, x):
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * x)

    def derivative(self, dy, y, x=None):
        return dy * np.where(y > 0, 1.0, self.alpha)


class ELU(Activation):
    """y = x for x > 0, alpha * (exp(x) - 1) otherwise."""

    name = "elu"
    code = ELU_CODE

    def __init__(self, alpha=1.0):
        self.alpha = check_real("alpha", alpha, low=0, low_open=True)

    def get_config(self):
        return {"alpha": self.alpha}

    def __call__(self, x):
        x = np.asarray(x)
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def derivative(self, dy, y, x=None):
        # For x <= 0, d/dx alpha * (e^x - 1) = y + alpha.
        return dy * np.where(y > 0, 1.0, y + self.alpha)


class SELU(Activation):
    """Scaled ELU with the fixed constants of self-normalizing networks."""

    name = "selu"
    code = SELU_CODE

    def __call__(self, x):
        x = np.asarray(x)
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))

    def derivative(self, dy, y, x=None):
        return dy * np.where(y > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA)


class GELU(Activation):
    """y = x * Phi(x), exact with erf, or the tanh form if ``approximate``."""

    needs_preactivation = True

    def __init__(self, approximate=False):
        self.approximate = check_bool("approximate", approximate)

    @property
    def name(self):
        return "gelu_tanh" if self.approximate else "gelu"

    @property
    def code(self):
        return GELU_TANH if self.approximate else GELU_EXACT

    def get_config(self):
        return {"approximate": self.approximate}

    def __call__(self, x):
        x = np.asarray(x, dtype=np.result_type(x, np.float32))
        if self.approximate:
            inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x**3)
            return 0.5 * x * (1.0 + np.tanh(inner))
        return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(x.dtype)

    def derivative(self, dy, y, x=None):
        if x is None:
            raise InvalidArgumentError("gelu derivative needs the pre-activation; pass x")
        x = np.asarray(x, dtype=np.float64)
        if self.approximate:
            inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x**3)
            t = np.tanh(inner)
            dinner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_CUBIC * x**2)
            return dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * dinner)
        cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
        return dy * (cdf + x * pdf)


class Sigmoid(Activation):
    """y = 1 / (1 + exp(-x))."""

    name = "sigmoid"
    code = SIGMOID

    def __call__(self, x):
        x = np.asarray(x)
        # exp of a non-positive number only, so large |x| cannot overflow.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
            np.result_type(x, np.float32))

    def derivative(self, dy, y, x=None):
        return dy * y * (1.0 - y)


class Tanh(Activation):
    """y = tanh(x)."""

    name = "tanh"
    code = TANH

    def __call__(self, x):
        return np.tanh(x)

    def derivative(self, dy, y, x=None):
        return dy * (1.0 - y * y)


class Softplus(Activation):
    """y = log(1 + exp(x))."""

    name = "softplus"
    code = SOFTPLUS

    def __call__(self, x):
        x = np.asarray(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def derivative(self, dy, y, x=None):
        # sigmoid(x) = 1 - exp(-y).
        return dy * -np.expm1(-y)


class Softmax(Activation):
    """Softmax over each row (the last axis)."""

    name = "softmax"
    code = SOFTMAX

    def __call__(self, x):
        x = np.asarray(x)
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    def derivative(self, dy, y, x=None):
        return y * (dy - np.sum(dy * y, axis=-1, keepdims=True))


_registry = Registry("activation")
_registry.register(Linear, "linear", "identity")
_registry.register(ReLU, "relu")
_registry.register(LeakyReLU, "leaky_relu")
_registry.register(ELU, "elu")
_registry.register(SELU, "selu")
_registry.register(GELU, "gelu")
_registry.register(GELU, "gelu_tanh", approximate=True)
_registry.register(Sigmoid, "sigmoid")
_registry.register(Tanh, "tanh")
_registry.register(Softplus, "softplus")
_registry.register(Softmax, "softmax")

get, serialize, deserialize, names = _registry.module_functions(Activation, none=Linear)
