"""Activation objects: codes, names, configs, NumPy references."""

import math

import numpy as np
import pytest

from pybp import activations
from pybp.errors import InvalidArgumentError

# name -> (C code, alpha, needs_preactivation)
EXPECTED = {
    "linear": (0, 0.0, False),
    "relu": (1, 0.0, False),
    "leaky_relu": (2, 0.2, False),
    "elu": (3, 1.0, False),
    "selu": (4, 0.0, False),
    "gelu_tanh": (5, 0.0, True),
    "gelu": (6, 0.0, True),
    "sigmoid": (7, 0.0, False),
    "tanh": (8, 0.0, False),
    "softplus": (9, 0.0, False),
    "softmax": (10, 0.0, False),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attributes_by_name(name):
    act = activations.get(name)
    code, alpha, needs_preactivation = EXPECTED[name]
    assert act.name == name
    assert act.code == code
    assert act.alpha == alpha
    assert act.needs_preactivation is needs_preactivation


@pytest.mark.parametrize("identifier", [None, "identity", "linear", "Linear"])
def test_identity_aliases(identifier):
    act = activations.get(identifier)
    assert act.code == 0
    assert act.name == "linear"


def test_gelu_approximate_is_tanh_form():
    assert activations.GELU(approximate=True) == activations.get("gelu_tanh")
    assert activations.GELU() == activations.get("gelu")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_config_round_trip(name):
    act = activations.get(name)
    rebuilt = type(act).from_config(act.get_config())
    assert rebuilt == act
    assert rebuilt.code == act.code
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_array_equal(rebuilt(x), act(x))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_serialize_deserialize(name):
    act = activations.get(name)
    spec = activations.serialize(act)
    assert set(spec) == {"class_name", "config"}
    assert activations.get(spec) == act
    assert activations.deserialize(spec) == act


def test_get_returns_instance_unchanged():
    act = activations.LeakyReLU(alpha=0.1)
    assert activations.get(act) is act


def test_custom_alpha_kept():
    assert activations.LeakyReLU(alpha=0.05).alpha == 0.05
    assert activations.ELU(alpha=0.5).alpha == 0.5
    spec = activations.serialize(activations.ELU(alpha=0.5))
    assert activations.get(spec).alpha == 0.5


def _erf_gelu(v):
    return 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0)))


SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717

SCALAR_REFERENCES = {
    "linear": lambda v: v,
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v > 0 else 0.2 * v,
    "elu": lambda v: v if v > 0 else math.exp(v) - 1.0,
    "selu": lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * (math.exp(v) - 1)),
    "gelu": _erf_gelu,
    "gelu_tanh": lambda v: 0.5 * v * (1 + math.tanh(
        math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))),
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
    "tanh": math.tanh,
    "softplus": lambda v: math.log(1.0 + math.exp(v)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_REFERENCES))
def test_elementwise_values(name):
    x = np.random.default_rng(1).normal(scale=2.0, size=(7, 5))
    want = np.vectorize(SCALAR_REFERENCES[name])(x)
    np.testing.assert_allclose(activations.get(name)(x), want, rtol=1e-12, atol=1e-14)


def test_softmax_rows_sum_to_one_and_stable():
    x = np.array([[1000.0, 999.0, -1000.0], [0.0, 0.0, 0.0]])
    y = activations.get("softmax")(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[1], 1.0 / 3.0)
    e = np.exp([1.0, 0.0])
    np.testing.assert_allclose(y[0, :2], e / e.sum())


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_large_inputs_stay_finite(name):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    assert np.all(np.isfinite(activations.get(name)(x)))


def test_float32_input_gives_float32():
    x = np.linspace(-2, 2, 10, dtype=np.float32)
    for name in EXPECTED:
        assert activations.get(name)(x).dtype == np.float32, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("shape", [(1, 3), (3, 1), (3, 7), (5, 13)])
def test_derivative_matches_finite_differences(name, shape):
    act = activations.get(name)
    rng = np.random.default_rng(sum(shape))
    # Keep inputs away from 0, where relu-like functions have a kink.
    x = rng.uniform(0.2, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    x[0, 0] = abs(x[0, 0])
    dy = rng.normal(size=shape)
    if name == "softmax" and shape[1] == 1:
        pytest.skip("softmax of one column is constant")
    y = act(x)
    got = act.derivative(dy, y, x)
    h = 1e-6
    want = np.zeros_like(x)
    for index in np.ndindex(*shape):
        step = np.zeros_like(x)
        step[index] = h
        want[index] = np.sum(dy * (act(x + step) - act(x - step))) / (2 * h)
    assert np.any(got != 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_gelu_derivative_needs_preactivation():
    with pytest.raises(InvalidArgumentError, match="pre-activation"):
        activations.get("gelu").derivative(np.ones(3), np.ones(3))


@pytest.mark.parametrize("build, match", [
    (lambda: activations.LeakyReLU(alpha=-0.1), r"alpha must be >= 0, got -0.1"),
    (lambda: activations.ELU(alpha=0), r"alpha must be > 0, got 0.0"),
    (lambda: activations.LeakyReLU(alpha="x"), r"alpha must be a real number"),
    (lambda: activations.GELU(approximate=1), r"approximate must be True or False"),
    (lambda: activations.get("relux"),
     r"unknown activation 'relux'; valid names: .*relu"),
    (lambda: activations.get(3), r"activation must be a name"),
    (lambda: activations.get({"class_name": "Nope"}), r"unknown activation class"),
])
def test_bad_arguments_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()


def test_names_lists_every_kernel_name():
    assert set(EXPECTED) | {"identity"} == set(activations.names())
