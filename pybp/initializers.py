"""Weight initializers: ``init(shape, dtype, rng)`` returns a new array.

The model passes its own ``numpy.random.Generator`` as ``rng`` so that one
model seed fixes every weight. Without ``rng`` an initializer draws from
``numpy.random.default_rng(seed)``, so a seeded initializer returns the same
values on every call.

For an (inputs, units) kernel fan_in = shape[0] and fan_out = shape[1]. A
1-D shape uses its length for both; for more dimensions the leading ones
multiply into a receptive field: fan_in = shape[-2] * field and fan_out =
shape[-1] * field.
"""

import math

import numpy as np

from pybp._registry import Configurable, Registry, check_choice, check_real, check_seed
from pybp.errors import InvalidArgumentError, ShapeError

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
           "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
           "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
           "Zeros", "compute_fans", "deserialize", "get", "names", "serialize"]

# Standard deviation of a standard normal truncated to [-2, 2]; dividing by
# it gives a truncated sample the intended standard deviation.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """Return (fan_in, fan_out) of a weight of ``shape``."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


def _check_shape(shape):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise ShapeError(f"shape must be a tuple of integers, got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ShapeError(f"shape must not have negative sizes, got {shape}")
    return shape


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise InvalidArgumentError(f"dtype must be a float dtype, got {dtype}")
    return dtype


def _truncated_normal(rng, shape, mean, stddev):
    """Draw from a normal cut at 2 standard deviations, redrawing outliers."""
    sample = rng.standard_normal(shape)
    outside = np.abs(sample) > 2.0
    while np.any(outside):
        sample[outside] = rng.standard_normal(int(np.count_nonzero(outside)))
        outside = np.abs(sample) > 2.0
    return mean + stddev * sample


class Initializer(Configurable):
    """Base class of initializers.

    Subclasses implement ``sample(shape, rng)`` returning float64 values;
    ``__call__`` checks the arguments, chooses the generator and casts.
    """

    seed = None

    def __call__(self, shape, dtype="float32", rng=None):
        """Return a new array of ``shape`` and ``dtype``.

        Parameters
        ----------
        shape : tuple of int
        dtype : float dtype
        rng : numpy.random.Generator, optional
            Source of random numbers; default ``default_rng(seed)``.
        """
        shape = _check_shape(shape)
        dtype = _check_dtype(dtype)
        if rng is None:
            rng = np.random.default_rng(self.seed)
        elif not isinstance(rng, np.random.Generator):
            raise InvalidArgumentError(
                f"rng must be a numpy.random.Generator or None, got {rng!r}")
        return np.ascontiguousarray(self.sample(shape, rng), dtype=dtype)

    def sample(self, shape, rng):
        raise NotImplementedError


class Zeros(Initializer):
    """All zeros."""

    def sample(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones."""

    def sample(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    """Every element equal to ``value``."""

    def __init__(self, value=0.0):
        self.value = check_real("value", value)

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal distribution with ``mean`` and ``stddev``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = check_real("mean", mean)
        self.stddev = check_real("stddev", stddev, low=0)
        self.seed = check_seed("seed", seed)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal with ``mean`` and ``stddev``, redrawn beyond 2 ``stddev`` of the mean."""

    def sample(self, shape, rng):
        return _truncated_normal(rng, shape, self.mean, self.stddev)


class RandomUniform(Initializer):
    """Uniform distribution on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = check_real("minval", minval)
        self.maxval = check_real("maxval", maxval, low=self.minval)
        self.seed = check_seed("seed", seed)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Zero-mean values with variance ``scale / n``, n chosen by ``mode``.

    ``mode`` 'fan_in', 'fan_out' or 'fan_avg' (the mean of both) sets n.
    'uniform' draws from [-limit, limit] with limit = sqrt(3 * scale / n);
    'truncated_normal' from a normal cut at 2 standard deviations and
    rescaled to keep the variance; 'untruncated_normal' from a plain normal.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None):
        self.scale = check_real("scale", scale, low=0, low_open=True)
        self.mode = check_choice("mode", mode, ("fan_in", "fan_out", "fan_avg"))
        self.distribution = check_choice(
            "distribution", distribution,
            ("uniform", "truncated_normal", "untruncated_normal"))
        self.seed = check_seed("seed", seed)

    def variance(self, shape):
        """Return the target variance for a weight of ``shape``."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, n)

    def sample(self, shape, rng):
        variance = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0,
                                     math.sqrt(variance) / _TRUNCATED_STDDEV)
        return rng.normal(0.0, math.sqrt(variance), shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}


def _variance_scaling_preset(class_name, scale, mode, distribution, doc):
    """Return a VarianceScaling subclass with fixed scale, mode and distribution."""

    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(class_name, (VarianceScaling,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                 "__module__": __name__})


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).")
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(6 / fan_in).")
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev sqrt(2 / fan_in).")
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(3 / fan_in).")
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev sqrt(1 / fan_in).")


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain``.

    The shape is flattened to (prod(shape[:-1]), shape[-1]); the rows (or
    the columns, whichever are fewer) come out orthonormal.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = check_real("gain", gain)
        self.seed = check_seed("seed", seed)

    def sample(self, shape, rng):
        if len(shape) < 2:
            raise ShapeError(f"Orthogonal needs a shape of 2 or more dimensions, "
                             f"got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        if rows == 0 or cols == 0:
            return np.zeros(shape)
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        # Sign fix so that q is uniformly distributed over orthogonal matrices.
        q *= np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


_registry = Registry("initializer")
_registry.register(Zeros, "zeros")
_registry.register(Ones, "ones")
_registry.register(Constant, "constant")
_registry.register(RandomNormal, "random_normal")
_registry.register(TruncatedNormal, "truncated_normal")
_registry.register(RandomUniform, "random_uniform")
_registry.register(VarianceScaling, "variance_scaling")
_registry.register(GlorotUniform, "glorot_uniform")
_registry.register(GlorotNormal, "glorot_normal")
_registry.register(HeUniform, "he_uniform")
_registry.register(HeNormal, "he_normal")
_registry.register(LecunUniform, "lecun_uniform")
_registry.register(LecunNormal, "lecun_normal")
_registry.register(Orthogonal, "orthogonal")

get, serialize, deserialize, names = _registry.module_functions(Initializer)
