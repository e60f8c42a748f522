"""Weight penalties: values, gradients against finite differences, configs."""

import numpy as np
import pytest

from pybp import regularizers
from pybp.errors import InvalidArgumentError

REGULARIZERS = [regularizers.L1(0.03), regularizers.L2(0.05),
                regularizers.L1L2(l1=0.02, l2=0.07)]


@pytest.mark.parametrize("name, cls, l1, l2", [
    ("l1", regularizers.L1, 0.01, 0.0),
    ("l2", regularizers.L2, 0.0, 0.01),
    ("l1_l2", regularizers.L1L2, 0.0, 0.0),
])
def test_defaults_by_name(name, cls, l1, l2):
    reg = regularizers.get(name)
    assert type(reg) is cls
    assert reg.l1 == l1
    assert reg.l2 == l2


def test_l2_value_is_exact_sum_of_squares():
    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert regularizers.L2(0.1)(w) == pytest.approx(0.1 * (1 + 4 + 9 + 0.25))
    np.testing.assert_allclose(regularizers.L2(0.1).gradient(w), 0.2 * w)


def test_l1_value_and_sign_gradient():
    w = np.array([1.0, -2.0, 0.0])
    assert regularizers.L1(0.5)(w) == pytest.approx(1.5)
    np.testing.assert_array_equal(regularizers.L1(0.5).gradient(w), [0.5, -0.5, 0.0])


def test_l1l2_is_sum_of_parts():
    w = np.random.default_rng(2).normal(size=(4, 3))
    both = regularizers.L1L2(l1=0.3, l2=0.2)
    assert both(w) == pytest.approx(regularizers.L1(0.3)(w) + regularizers.L2(0.2)(w))


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
@pytest.mark.parametrize("shape", [(1,), (1, 5), (7, 3), (11, 13)])
def test_gradient_matches_finite_differences(reg, shape):
    rng = np.random.default_rng(shape[0] * 31 + len(shape))
    # Away from 0, where |w| has a kink.
    w = rng.uniform(0.1, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    got = reg.gradient(w)
    h = 1e-6
    want = np.zeros_like(w)
    for index in np.ndindex(*shape):
        step = np.zeros_like(w)
        step[index] = h
        want[index] = (reg(w + step) - reg(w - step)) / (2 * h)
    assert np.any(got != 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_gradient_keeps_dtype():
    w = np.ones((2, 3), dtype=np.float32)
    assert regularizers.L1L2(0.1, 0.1).gradient(w).dtype == np.float32


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_config_round_trip(reg):
    rebuilt = type(reg).from_config(reg.get_config())
    assert rebuilt == reg
    w = np.linspace(-1, 1, 6)
    assert rebuilt(w) == reg(w)
    assert regularizers.get(regularizers.serialize(reg)) == reg


def test_get_none_and_instance():
    assert regularizers.get(None) is None
    assert regularizers.serialize(None) is None
    reg = regularizers.L2(0.2)
    assert regularizers.get(reg) is reg


@pytest.mark.parametrize("build, match", [
    (lambda: regularizers.L2(-0.1), r"l2 must be >= 0, got -0.1"),
    (lambda: regularizers.L1L2(l1=float("inf")), r"l1 must be finite"),
    (lambda: regularizers.get("l3"), r"unknown regularizer 'l3'; valid names: l1, "),
])
def test_bad_arguments_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()
