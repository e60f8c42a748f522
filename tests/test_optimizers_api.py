"""Optimizer and learning-rate schedule objects and their reference updates."""

import math

import numpy as np
import pytest

from pybp import optimizers, schedules
from pybp.errors import InvalidArgumentError

DEFAULTS = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adamw": {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9,
              "beta_2": 0.999, "epsilon": 1e-7},
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7},
    "adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1,
                "epsilon": 1e-7},
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_by_name(name):
    opt = optimizers.get(name)
    assert opt.kind == name
    assert opt.iterations == 0
    config = opt.get_config()
    for key, value in DEFAULTS[name].items():
        assert config[key] == value, key
    assert config["clipnorm"] is None
    assert config["clipvalue"] is None


@pytest.mark.parametrize("opt, names", [
    (optimizers.SGD(), ()),
    (optimizers.SGD(momentum=0.9), ("velocity",)),
    (optimizers.Adam(), ("m", "v")),
    (optimizers.AdamW(), ("m", "v")),
    (optimizers.RMSprop(), ("mean_square",)),
    (optimizers.RMSprop(momentum=0.5), ("mean_square", "momentum")),
    (optimizers.Adagrad(), ("accumulator",)),
])
def test_state_names_and_init_state(opt, names):
    assert opt.state_names == names
    param = np.ones((3, 5), dtype=np.float32)
    state = opt.init_state(param)
    assert tuple(state) == names
    for array in state.values():
        assert array.shape == param.shape
        assert array.dtype == param.dtype
        assert array is not param


def test_adagrad_state_starts_at_initial_value():
    state = optimizers.Adagrad(initial_accumulator_value=0.3).init_state(np.zeros(4))
    np.testing.assert_array_equal(state["accumulator"], 0.3)


OPTIMIZERS = [
    optimizers.SGD(learning_rate=0.1),
    optimizers.SGD(learning_rate=0.1, momentum=0.9),
    optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    optimizers.Adam(learning_rate=0.01),
    optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
    optimizers.RMSprop(learning_rate=0.01),
    optimizers.RMSprop(learning_rate=0.01, momentum=0.8),
    optimizers.Adagrad(learning_rate=0.1),
]


def _hand_step(opt, w, g, state, t):
    """One update written out directly from the formulas, in float64."""
    lr = opt.current_learning_rate()
    if opt.kind == "sgd":
        if opt.momentum == 0:
            return w - lr * g
        v = opt.momentum * state["velocity"] - lr * g
        state["velocity"] = v
        if opt.nesterov:
            return w + opt.momentum * v - lr * g
        return w + v
    if opt.kind in ("adam", "adamw"):
        w = w - lr * opt.weight_decay * w
        m = opt.beta_1 * state["m"] + (1 - opt.beta_1) * g
        v = opt.beta_2 * state["v"] + (1 - opt.beta_2) * g * g
        state["m"], state["v"] = m, v
        scale = math.sqrt(1 - opt.beta_2**t) / (1 - opt.beta_1**t)
        return w - lr * scale * m / (np.sqrt(v) + opt.epsilon)
    if opt.kind == "rmsprop":
        s = opt.rho * state["mean_square"] + (1 - opt.rho) * g * g
        state["mean_square"] = s
        d = lr * g / np.sqrt(s + opt.epsilon)
        if opt.momentum > 0:
            state["momentum"] = opt.momentum * state["momentum"] + d
            return w - state["momentum"]
        return w - d
    acc = state["accumulator"] + g * g
    state["accumulator"] = acc
    return w - lr * g / np.sqrt(acc + opt.epsilon)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 11)])
def test_reference_update_matches_formulas(opt, shape):
    opt = type(opt).from_config(opt.get_config())
    rng = np.random.default_rng(len(shape) * 13 + shape[-1])
    w = rng.normal(size=shape)
    state = opt.init_state(w)
    w_hand = w.copy()
    state_hand = {key: value.copy() for key, value in state.items()}
    for t in range(1, 5):
        g = rng.normal(size=shape)
        w_hand = _hand_step(opt, w_hand, g, state_hand, t)
        before = w.copy()
        opt.apply_reference([w], [g], [state])
        assert opt.iterations == t
        assert np.any(w != before)
        np.testing.assert_allclose(w, w_hand, rtol=1e-12, atol=1e-14)
        for key in state:
            np.testing.assert_allclose(state[key], state_hand[key], rtol=1e-12)


def test_update_reference_leaves_iterations():
    opt = optimizers.Adam()
    w = np.ones(3)
    opt.update_reference(w, np.ones(3), opt.init_state(w))
    assert opt.iterations == 0


def test_first_adam_step_moves_by_learning_rate():
    # With bias correction the first step is lr * sign(g), up to epsilon.
    opt = optimizers.Adam(learning_rate=0.01)
    w = np.zeros(4)
    opt.update_reference(w, np.array([3.0, -0.5, 0.2, -7.0]), opt.init_state(w))
    np.testing.assert_allclose(w, [-0.01, 0.01, -0.01, 0.01], rtol=1e-4)


def test_float32_parameters_stay_float32():
    for opt in OPTIMIZERS:
        w = np.ones(5, dtype=np.float32)
        opt.update_reference(w, np.full(5, 0.5, dtype=np.float32), opt.init_state(w))
        assert w.dtype == np.float32


@pytest.mark.parametrize("opt, keys", [
    (optimizers.SGD(momentum=0.5, nesterov=True), {"lr", "momentum", "nesterov"}),
    (optimizers.Adam(), {"lr", "beta1", "beta2", "eps", "step", "weight_decay"}),
    (optimizers.AdamW(), {"lr", "beta1", "beta2", "eps", "step", "weight_decay"}),
    (optimizers.RMSprop(), {"lr", "rho", "momentum", "eps"}),
    (optimizers.Adagrad(), {"lr", "eps"}),
])
def test_kernel_args_keys(opt, keys):
    assert set(opt.kernel_args()) == keys
    assert opt.kernel_args()["lr"] == opt.current_learning_rate()


def test_kernel_args_step_counts_from_one():
    opt = optimizers.AdamW(weight_decay=0.01)
    opt.iterations = 4
    args = opt.kernel_args()
    assert args["step"] == 5
    assert args["weight_decay"] == 0.01
    assert optimizers.Adam().kernel_args()["weight_decay"] == 0.0


def test_schedule_learning_rate_follows_iterations():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule)
    w = np.zeros(2)
    seen = []
    for _ in range(4):
        seen.append(opt.current_learning_rate())
        opt.apply_reference([w], [np.ones(2)], [opt.init_state(w)])
    np.testing.assert_allclose(seen, [0.1 * 0.5 ** (t / 2) for t in range(4)])
    np.testing.assert_allclose(w, -sum(seen))


def test_learning_rate_can_be_reassigned():
    opt = optimizers.SGD()
    opt.learning_rate = 0.5
    assert opt.current_learning_rate() == 0.5
    with pytest.raises(InvalidArgumentError, match="learning_rate must be > 0"):
        opt.learning_rate = 0.0


def test_clipvalue_and_clipnorm():
    g = np.array([3.0, -4.0, 0.5])
    np.testing.assert_array_equal(
        optimizers.SGD(clipvalue=1.0).clip_gradient(g), [1.0, -1.0, 0.5])
    clipped = optimizers.SGD(clipnorm=1.0).clip_gradient(g)
    assert np.linalg.norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped / np.linalg.norm(clipped), g / np.linalg.norm(g))
    small = np.array([0.1, 0.2])
    np.testing.assert_array_equal(optimizers.SGD(clipnorm=1.0).clip_gradient(small),
                                  small)


def test_clipped_update_uses_clipped_gradient():
    opt = optimizers.SGD(learning_rate=1.0, clipvalue=0.5)
    w = np.zeros(2)
    opt.update_reference(w, np.array([2.0, -0.25]), {})
    np.testing.assert_array_equal(w, [-0.5, 0.25])


@pytest.mark.parametrize("opt", OPTIMIZERS + [
    optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 100), clipnorm=2.0),
    optimizers.SGD(clipvalue=0.5)], ids=repr)
def test_config_round_trip(opt):
    rebuilt = type(opt).from_config(opt.get_config())
    assert rebuilt == opt
    assert rebuilt.state_names == opt.state_names
    assert rebuilt.kernel_args() == opt.kernel_args()
    spec = optimizers.serialize(opt)
    assert optimizers.get(spec) == opt
    assert optimizers.deserialize(spec).get_config() == opt.get_config()


def test_get_instance_unchanged():
    opt = optimizers.RMSprop()
    assert optimizers.get(opt) is opt


@pytest.mark.parametrize("build, match", [
    (lambda: optimizers.SGD(learning_rate=-0.1),
     r"learning_rate must be > 0, got -0.1"),
    (lambda: optimizers.SGD(momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
    (lambda: optimizers.SGD(nesterov="no"), r"nesterov must be True or False"),
    (lambda: optimizers.Adam(beta_1=-0.1), r"beta_1 must be in \[0, 1\), got -0.1"),
    (lambda: optimizers.Adam(beta_2=1.5), r"beta_2 must be in \[0, 1\), got 1.5"),
    (lambda: optimizers.Adam(epsilon=0), r"epsilon must be > 0, got 0.0"),
    (lambda: optimizers.AdamW(weight_decay=-1), r"weight_decay must be >= 0, got -1.0"),
    (lambda: optimizers.RMSprop(rho=1), r"rho must be in \[0, 1\), got 1.0"),
    (lambda: optimizers.Adagrad(initial_accumulator_value=-0.1),
     r"initial_accumulator_value must be >= 0, got -0.1"),
    (lambda: optimizers.SGD(clipnorm=0), r"clipnorm must be > 0, got 0.0"),
    (lambda: optimizers.SGD(clipvalue=-1), r"clipvalue must be > 0, got -1.0"),
    (lambda: optimizers.SGD(learning_rate=float("nan")),
     r"learning_rate must be finite"),
    (lambda: optimizers.SGD(learning_rate="fast"),
     r"learning_rate must be a real number"),
    (lambda: optimizers.get("lbfgs"),
     r"unknown optimizer 'lbfgs'; valid names: adagrad"),
])
def test_bad_hyperparameters_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()


# ---- schedules ----

@pytest.mark.parametrize("schedule, steps, expected", [
    (schedules.ExponentialDecay(0.1, 10, 0.5), [0, 5, 10, 25],
     [0.1, 0.1 * 0.5**0.5, 0.05, 0.1 * 0.5**2.5]),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), [0, 9, 10, 25],
     [0.1, 0.1, 0.05, 0.025]),
    (schedules.InverseTimeDecay(1.0, 2, 0.5), [0, 1, 2, 6], [1.0, 0.8, 1 / 1.5, 0.4]),
    (schedules.InverseTimeDecay(1.0, 2, 0.5, staircase=True), [0, 1, 2, 5],
     [1.0, 1.0, 1 / 1.5, 0.5]),
    (schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
     [0, 10, 11, 20, 21, 99],
     [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]),
    (schedules.CosineDecay(1.0, 100), [0, 50, 100, 150], [1.0, 0.5, 0.0, 0.0]),
    (schedules.CosineDecay(1.0, 100, alpha=0.1), [0, 50, 100], [1.0, 0.55, 0.1]),
    (schedules.CosineDecay(0.0, 100, warmup_target=1.0, warmup_steps=10),
     [0, 5, 10, 60, 110, 200], [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]),
])
def test_schedule_values(schedule, steps, expected):
    got = [schedule(step) for step in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    rebuilt = type(schedule).from_config(schedule.get_config())
    assert [rebuilt(step) for step in steps] == got
    assert schedules.get(schedules.serialize(schedule)) == schedule


def test_schedule_accepts_numpy_step():
    assert schedules.ExponentialDecay(0.1, 10, 0.5)(np.int64(10)) == pytest.approx(0.05)


@pytest.mark.parametrize("build, match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5),
     r"decay_steps must be >= 1, got 0"),
    (lambda: schedules.ExponentialDecay(-0.1, 10, 0.5),
     r"initial_learning_rate must be > 0, got -0.1"),
    (lambda: schedules.PiecewiseConstantDecay([10], [1.0]),
     r"values must have one more entry than boundaries \(1\), got 1"),
    (lambda: schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]),
     r"boundaries must be strictly increasing, got \[20, 10\]"),
    (lambda: schedules.CosineDecay(0.1, 10, alpha=2),
     r"alpha must be in \[0, 1\], got 2.0"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=5),
     r"warmup_target must be given when warmup_steps > 0"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5)(-1),
     r"step must be a number >= 0"),
    (lambda: schedules.get("cosine_decay"), r"a schedule needs its arguments"),
])
def test_bad_schedule_arguments_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()
