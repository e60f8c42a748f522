"""Weight constraints: resulting norms, codes and configs."""

import numpy as np
import pytest

from pybp import constraints
from pybp.errors import InvalidArgumentError

RNG = np.random.default_rng(5)


def _column_norms(w):
    return np.sqrt(np.sum(w**2, axis=0))


@pytest.mark.parametrize("name, code", [("max_norm", 1), ("non_neg", 2),
                                        ("unit_norm", 3), ("min_max_norm", 4)])
def test_codes_by_name(name, code):
    assert constraints.get(name).code == code


def test_max_norm_caps_only_long_columns():
    w = RNG.normal(size=(9, 5))
    w[:, 0] *= 0.01
    got = constraints.MaxNorm(max_value=1.0)(w)
    norms = _column_norms(w)
    np.testing.assert_allclose(_column_norms(got), np.minimum(norms, 1.0), rtol=1e-6)
    np.testing.assert_allclose(got[:, 0], w[:, 0], rtol=1e-5)
    # Directions are kept.
    np.testing.assert_allclose(got / _column_norms(got), w / norms, rtol=1e-6)


def test_max_norm_axis_one_is_per_row():
    w = RNG.normal(size=(4, 6)) * 5
    got = constraints.MaxNorm(max_value=2.0, axis=1)(w)
    np.testing.assert_allclose(np.sqrt(np.sum(got**2, axis=1)), 2.0, rtol=1e-6)


def test_non_neg_zeroes_negatives():
    w = np.array([[-1.0, 2.0], [0.5, -0.0]], dtype=np.float32)
    got = constraints.NonNeg()(w)
    np.testing.assert_array_equal(got, [[0.0, 2.0], [0.5, 0.0]])
    assert got.dtype == np.float32


def test_unit_norm_gives_unit_columns():
    w = RNG.normal(size=(7, 3))
    np.testing.assert_allclose(_column_norms(constraints.UnitNorm()(w)), 1.0, rtol=1e-6)


def test_zero_column_stays_zero():
    w = np.zeros((3, 2))
    for name in constraints.names():
        assert np.all(constraints.get(name)(w) == 0), name


def test_min_max_norm_bounds_with_full_rate():
    w = RNG.normal(size=(6, 4))
    w[:, 0] *= 0.01
    w[:, 1] *= 10
    got = constraints.MinMaxNorm(min_value=0.5, max_value=1.5)(w)
    norms = _column_norms(got)
    assert np.all(norms >= 0.5 - 1e-6)
    assert np.all(norms <= 1.5 + 1e-6)


def test_min_max_norm_partial_rate_moves_part_way():
    w = np.array([[3.0], [4.0]])
    got = constraints.MinMaxNorm(min_value=0.0, max_value=1.0, rate=0.5)(w)
    # Norm 5 moves half way to 1.
    assert _column_norms(got)[0] == pytest.approx(3.0, rel=1e-6)


def test_float32_stays_float32():
    w = RNG.normal(size=(3, 3)).astype(np.float32)
    for name in constraints.names():
        assert constraints.get(name)(w).dtype == np.float32, name


@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(3.0, axis=1), constraints.NonNeg(), constraints.UnitNorm(),
    constraints.MinMaxNorm(0.2, 2.0, rate=0.3)], ids=repr)
def test_config_round_trip(constraint):
    rebuilt = type(constraint).from_config(constraint.get_config())
    assert rebuilt == constraint
    assert rebuilt.code == constraint.code
    assert (rebuilt.min_value, rebuilt.max_value, rebuilt.rate) == (
        constraint.min_value, constraint.max_value, constraint.rate)
    w = RNG.normal(size=(4, 5))
    np.testing.assert_array_equal(rebuilt(w), constraint(w))
    assert constraints.get(constraints.serialize(constraint)) == constraint


def test_get_none():
    assert constraints.get(None) is None


@pytest.mark.parametrize("build, match", [
    (lambda: constraints.MaxNorm(0), r"max_value must be > 0, got 0.0"),
    (lambda: constraints.MinMaxNorm(2.0, 1.0), r"max_value must be >= 2.0, got 1.0"),
    (lambda: constraints.MinMaxNorm(rate=0), r"rate must be in \(0, 1\], got 0.0"),
    (lambda: constraints.UnitNorm(axis=0.5), r"axis must be an integer, got 0.5"),
    (lambda: constraints.get("positive"), r"unknown constraint 'positive'"),
])
def test_bad_arguments_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()
