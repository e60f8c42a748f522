"""Initializers: statistics on large shapes, orthogonality, seeds, configs."""

import math

import numpy as np
import pytest

from pybp import initializers
from pybp.errors import InvalidArgumentError, ShapeError

SHAPE = (400, 300)
FAN_IN, FAN_OUT = SHAPE

# name -> (expected stddev, uniform limit or None)
VARIANCE_SCALING = {
    "glorot_uniform": (math.sqrt(2 / (FAN_IN + FAN_OUT)),
                       math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": (math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "he_uniform": (math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    "he_normal": (math.sqrt(2 / FAN_IN), None),
    "lecun_uniform": (math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    "lecun_normal": (math.sqrt(1 / FAN_IN), None),
}


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_statistics(name):
    stddev, limit = VARIANCE_SCALING[name]
    w = initializers.get(name)(SHAPE, dtype="float64", rng=np.random.default_rng(0))
    assert w.shape == SHAPE
    # 120000 samples: the sample mean and stddev are within a few 1e-3 * stddev.
    assert abs(w.mean()) < 0.02 * stddev
    assert w.std() == pytest.approx(stddev, rel=0.02)
    if limit is not None:
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit
    else:
        # Truncated at 2 standard deviations of the untruncated normal.
        assert np.abs(w).max() <= 2 * stddev / 0.87962566103423978


def test_random_normal_statistics():
    init = initializers.RandomNormal(mean=1.0, stddev=0.5)
    w = init(SHAPE, rng=np.random.default_rng(1))
    assert w.mean() == pytest.approx(1.0, abs=0.01)
    assert w.std() == pytest.approx(0.5, rel=0.02)


def test_truncated_normal_statistics():
    w = initializers.TruncatedNormal(stddev=0.5)(SHAPE, dtype="float64",
                                                  rng=np.random.default_rng(1))
    assert np.abs(w).max() <= 1.0
    # A normal cut at 2 sigma keeps 0.87963 of its stddev.
    assert w.std() == pytest.approx(0.5 * 0.87962566103423978, rel=0.02)


def test_random_uniform_range_and_mean():
    w = initializers.RandomUniform(-0.2, 0.6)(SHAPE, rng=np.random.default_rng(2))
    assert w.min() >= -0.2
    assert w.max() < 0.6
    assert w.mean() == pytest.approx(0.2, abs=0.005)


@pytest.mark.parametrize("build, value", [
    (initializers.Zeros, 0.0), (initializers.Ones, 1.0),
    (lambda: initializers.Constant(2.5), 2.5)])
def test_constant_initializers(build, value):
    w = build()((3, 7))
    np.testing.assert_array_equal(w, value)


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (17, 17), (4, 3, 6)])
def test_orthogonal_is_orthogonal(shape):
    w = initializers.Orthogonal(gain=2.0)(shape, dtype="float64",
                                          rng=np.random.default_rng(3))
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])
    small = min(flat.shape)
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)


def test_orthogonal_rejects_vector():
    with pytest.raises(ShapeError, match="2 or more dimensions"):
        initializers.Orthogonal()((5,))


ALL_NAMES = ["zeros", "ones", "constant", "random_normal", "random_uniform",
             "truncated_normal", "glorot_uniform", "glorot_normal", "he_uniform",
             "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
             "variance_scaling"]


def test_names_cover_keras_names():
    assert set(ALL_NAMES) == set(initializers.names())


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_and_shape(name, dtype):
    w = initializers.get(name)((5, 3), dtype=dtype)
    assert w.dtype == np.dtype(dtype)
    assert w.shape == (5, 3)
    assert w.flags.c_contiguous


@pytest.mark.parametrize("name", ALL_NAMES)
def test_same_rng_seed_same_values(name):
    init = initializers.get(name)
    a = init((6, 4), rng=np.random.default_rng(42))
    b = init((6, 4), rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [initializers.GlorotUniform, initializers.HeNormal,
                                 initializers.RandomNormal, initializers.Orthogonal])
def test_seed_without_rng_is_deterministic(cls):
    a = cls(seed=7)((8, 5))
    np.testing.assert_array_equal(a, cls(seed=7)((8, 5)))
    assert not np.array_equal(a, cls(seed=8)((8, 5)))


def test_rng_advances_between_calls():
    rng = np.random.default_rng(0)
    init = initializers.get("glorot_uniform")
    assert not np.array_equal(init((4, 4), rng=rng), init((4, 4), rng=rng))


@pytest.mark.parametrize("shape, fans", [((3, 5), (3, 5)), ((7,), (7, 7)),
                                         ((2, 3, 4, 5), (24, 30)), ((), (1, 1))])
def test_compute_fans(shape, fans):
    assert initializers.compute_fans(shape) == fans


@pytest.mark.parametrize("init", [
    initializers.Constant(0.3), initializers.RandomNormal(0.1, 0.2, seed=3),
    initializers.RandomUniform(-1, 2, seed=4), initializers.TruncatedNormal(seed=1),
    initializers.GlorotUniform(seed=5), initializers.HeNormal(seed=6),
    initializers.LecunUniform(), initializers.Orthogonal(gain=0.5, seed=2),
    initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=9)],
    ids=repr)
def test_config_round_trip(init):
    rebuilt = type(init).from_config(init.get_config())
    assert rebuilt == init
    np.testing.assert_array_equal(rebuilt((6, 4), rng=np.random.default_rng(1)),
                                  init((6, 4), rng=np.random.default_rng(1)))
    assert initializers.get(initializers.serialize(init)) == init


def test_get_instance_unchanged():
    init = initializers.HeUniform(seed=1)
    assert initializers.get(init) is init


@pytest.mark.parametrize("build, error, match", [
    (lambda: initializers.RandomNormal(stddev=-1), InvalidArgumentError,
     r"stddev must be >= 0, got -1.0"),
    (lambda: initializers.RandomUniform(1.0, 0.0), InvalidArgumentError,
     r"maxval must be >= 1.0, got 0.0"),
    (lambda: initializers.GlorotUniform(seed=-3), InvalidArgumentError,
     r"seed must be >= 0, got -3"),
    (lambda: initializers.VarianceScaling(mode="fan_sum"), InvalidArgumentError,
     r"mode must be one of 'fan_in', 'fan_out', 'fan_avg', got 'fan_sum'"),
    (lambda: initializers.get("xavier"), InvalidArgumentError,
     r"unknown initializer 'xavier'; valid names: "),
    (lambda: initializers.Zeros()((2, 2), dtype="int32"), InvalidArgumentError,
     r"dtype must be a float dtype, got int32"),
    (lambda: initializers.Zeros()((2, -1)), ShapeError, r"negative sizes"),
    (lambda: initializers.Ones()((2, 2), rng=3), InvalidArgumentError,
     r"rng must be a numpy.random.Generator"),
])
def test_bad_arguments_raise(build, error, match):
    with pytest.raises(error, match=match):
        build()
