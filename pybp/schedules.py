"""Learning-rate schedules: the learning rate as a function of the step.

A schedule is called with the optimizer's step counter (the number of
updates done so far, starting at 0) and returns a float. An optimizer
accepts one in place of a constant ``learning_rate``.
"""

import math

from pybp._registry import Configurable, Registry, check_int, check_real
from pybp.errors import InvalidArgumentError

__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "deserialize", "get",
           "serialize"]


class LearningRateSchedule(Configurable):
    """Base class: ``schedule(step)`` returns the learning rate at ``step``."""

    def __call__(self, step):
        raise NotImplementedError


def _check_step(step):
    try:
        value = float(step)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(step, bool) or not value >= 0:
        raise InvalidArgumentError(f"step must be a number >= 0, got {step!r}")
    return value


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps).

    With ``staircase`` the exponent is rounded down, so the rate drops once
    every ``decay_steps`` steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate = check_real(
            "initial_learning_rate", initial_learning_rate, low=0, low_open=True)
        self.decay_steps = check_int("decay_steps", decay_steps, low=1)
        self.decay_rate = check_real("decay_rate", decay_rate, low=0, low_open=True)
        self.staircase = bool(staircase)

    def __call__(self, step):
        exponent = _check_step(step) / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate**exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps).

    With ``staircase`` the ratio step / decay_steps is rounded down.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate = check_real(
            "initial_learning_rate", initial_learning_rate, low=0, low_open=True)
        self.decay_steps = check_int("decay_steps", decay_steps, low=1)
        self.decay_rate = check_real("decay_rate", decay_rate, low=0)
        self.staircase = bool(staircase)

    def __call__(self, step):
        ratio = _check_step(step) / self.decay_steps
        if self.staircase:
            ratio = math.floor(ratio)
        return self.initial_learning_rate / (1.0 + self.decay_rate * ratio)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant rate on each interval between step boundaries.

    The rate is values[0] while step <= boundaries[0], values[i] while
    boundaries[i-1] < step <= boundaries[i], and values[-1] after the last
    boundary, so ``values`` has one more entry than ``boundaries``.
    """

    def __init__(self, boundaries, values):
        boundaries = list(boundaries)
        values = list(values)
        if len(values) != len(boundaries) + 1:
            raise InvalidArgumentError(
                f"values must have one more entry than boundaries "
                f"({len(boundaries)}), got {len(values)}")
        self.boundaries = [check_int(f"boundaries[{i}]", b, low=0)
                           for i, b in enumerate(boundaries)]
        if any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:])):
            raise InvalidArgumentError(
                f"boundaries must be strictly increasing, got {self.boundaries}")
        self.values = [check_real(f"values[{i}]", v, low=0, low_open=True)
                       for i, v in enumerate(values)]

    def __call__(self, step):
        step = _check_step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": list(self.boundaries), "values": list(self.values)}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the start rate to ``alpha`` times it over ``decay_steps``.

    With ``warmup_steps`` > 0 the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``
    steps, then the cosine decay starts from ``warmup_target``. After the
    decay the rate stays at its final value.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0,
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = check_real(
            "initial_learning_rate", initial_learning_rate, low=0)
        self.decay_steps = check_int("decay_steps", decay_steps, low=1)
        self.alpha = check_real("alpha", alpha, low=0, high=1)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=0)
        if warmup_target is not None:
            warmup_target = check_real("warmup_target", warmup_target, low=0,
                                       low_open=True)
        elif self.warmup_steps > 0:
            raise InvalidArgumentError(
                f"warmup_target must be given when warmup_steps > 0, got "
                f"warmup_steps={self.warmup_steps}")
        self.warmup_target = warmup_target
        if self.initial_learning_rate == 0 and warmup_target is None:
            raise InvalidArgumentError(
                "initial_learning_rate must be > 0 without a warmup, got 0.0")

    def __call__(self, step):
        step = _check_step(step)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return (self.initial_learning_rate
                    + fraction * (self.warmup_target - self.initial_learning_rate))
        start = (self.warmup_target if self.warmup_target is not None
                 else self.initial_learning_rate)
        progress = min(step - self.warmup_steps, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


_registry = Registry("learning-rate schedule")
_registry.register(ExponentialDecay, "exponential_decay")
_registry.register(InverseTimeDecay, "inverse_time_decay")
_registry.register(PiecewiseConstantDecay, "piecewise_constant_decay")
_registry.register(CosineDecay, "cosine_decay")

_get, serialize, deserialize, _names = _registry.module_functions(LearningRateSchedule)


def get(identifier):
    """Return a schedule from a config dict or an instance.

    Schedules have required arguments, so a bare name is not enough.
    """
    if isinstance(identifier, str):
        raise InvalidArgumentError(
            f"a schedule needs its arguments; pass a schedule object or "
            f"{{'class_name': ..., 'config': ...}}, got {identifier!r}")
    return _get(identifier)
