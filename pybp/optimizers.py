"""Optimizers: hyperparameters, per-parameter state and NumPy reference updates.

An optimizer object describes an update rule. The model allocates the state
arrays with ``init_state`` once per parameter, passes ``kind`` and
``kernel_args()`` to the C update kernels, and adds 1 to ``iterations``
after each training step. ``update_reference`` applies the same formulas in
NumPy for tests.
"""

import math

import numpy as np

from pybp import schedules
from pybp._registry import Configurable, Registry, check_bool, check_real

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "deserialize",
           "get", "names", "serialize"]


class Optimizer(Configurable):
    """Base class of optimizers.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
        Step size, > 0, or a schedule called with ``iterations``.
    clipnorm : float, optional
        Scale each parameter's gradient so its L2 norm is at most this.
    clipvalue : float, optional
        Clip each gradient element to [-clipvalue, clipvalue].

    Attributes
    ----------
    kind : str
        Name of the update rule: 'sgd', 'adam', 'adamw', 'rmsprop' or
        'adagrad'. AdamW uses the Adam kernel with ``weight_decay``.
    iterations : int
        Number of training steps applied so far.
    state_names : tuple of str
        Keys of the dict that ``init_state`` returns, in kernel order.
    """

    kind = None
    state_names = ()

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None):
        self.learning_rate = learning_rate
        self.clipnorm = None if clipnorm is None else check_real(
            "clipnorm", clipnorm, low=0, low_open=True)
        self.clipvalue = None if clipvalue is None else check_real(
            "clipvalue", clipvalue, low=0, low_open=True)
        self.iterations = 0

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, dict):
            value = schedules.deserialize(value)
        if not isinstance(value, schedules.LearningRateSchedule):
            value = check_real("learning_rate", value, low=0, low_open=True)
        self._learning_rate = value

    def current_learning_rate(self):
        """Return the learning rate for the next update, as a float."""
        if isinstance(self.learning_rate, schedules.LearningRateSchedule):
            return float(self.learning_rate(self.iterations))
        return self.learning_rate

    def init_state(self, param):
        """Return zero arrays shaped like ``param``, keyed by ``state_names``."""
        return {name: np.zeros_like(param) for name in self.state_names}

    def clip_gradient(self, grad):
        """Return ``grad`` clipped by ``clipvalue`` then ``clipnorm``.

        The result is a new array when clipping changed anything.
        """
        # The fused training step clips in C the same way (network.inc); the
        # per-parameter ops.*_update kernels do not clip.
        if self.clipvalue is not None:
            grad = np.clip(grad, -self.clipvalue, self.clipvalue)
        if self.clipnorm is not None:
            norm = float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))
            if norm > self.clipnorm:
                grad = grad * (self.clipnorm / norm)
        return grad

    def kernel_args(self):
        """Return the scalar arguments of the update kernel for the next step."""
        raise NotImplementedError

    def update_reference(self, param, grad, state):
        """Apply one update to ``param`` and ``state`` in place, in NumPy.

        Uses the step number ``iterations + 1`` and does not change
        ``iterations``, so every parameter of one training step shares it.
        """
        raise NotImplementedError

    def apply_reference(self, params, grads, states):
        """Update every parameter once, then add 1 to ``iterations``."""
        for param, grad, state in zip(params, grads, states):
            self.update_reference(param, grad, state)
        self.iterations += 1

    def get_config(self):
        lr = self.learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        return {"learning_rate": lr, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue}


def _check_beta(name, value):
    return check_real(name, value, low=0, high=1, high_open=True)


def _check_epsilon(value):
    return check_real("epsilon", value, low=0, low_open=True)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    With momentum: v = momentum * v - lr * g, then w += v, or for Nesterov
    w += momentum * v - lr * g. Without: w -= lr * g.
    """

    kind = "sgd"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _check_beta("momentum", momentum)
        self.nesterov = check_bool("nesterov", nesterov)

    @property
    def state_names(self):
        return ("velocity",) if self.momentum > 0 else ()

    def kernel_args(self):
        return {"lr": self.current_learning_rate(), "momentum": self.momentum,
                "nesterov": self.nesterov}

    def update_reference(self, param, grad, state):
        lr = self.current_learning_rate()
        grad = self.clip_gradient(grad)
        if self.momentum == 0:
            param -= lr * grad
            return
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= lr * grad
        if self.nesterov:
            param += self.momentum * velocity - lr * grad
        else:
            param += velocity

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: bias-corrected moving averages of the gradient and its square.

    m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon).
    """

    kind = "adam"
    state_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = _check_epsilon(epsilon)

    # Adam itself applies no weight decay; AdamW overrides this.
    weight_decay = 0.0

    def kernel_args(self):
        return {"lr": self.current_learning_rate(), "beta1": self.beta_1,
                "beta2": self.beta_2, "eps": self.epsilon, "step": self.iterations + 1,
                "weight_decay": self.weight_decay}

    def update_reference(self, param, grad, state):
        lr = self.current_learning_rate()
        grad = self.clip_gradient(grad)
        t = self.iterations + 1
        if self.weight_decay > 0:
            param -= lr * self.weight_decay * param
        m, v = state["m"], state["v"]
        m *= self.beta_1
        m += (1.0 - self.beta_1) * grad
        v *= self.beta_2
        v += (1.0 - self.beta_2) * np.square(grad)
        step_size = lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        param -= step_size * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class AdamW(Adam):
    """Adam with decoupled weight decay: w -= lr * weight_decay * w before the step."""

    kind = "adamw"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         **kwargs)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0)

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a moving root mean square.

    s = rho s + (1 - rho) g^2; d = lr g / sqrt(s + epsilon); with momentum
    mom = momentum * mom + d and w -= mom, else w -= d.
    """

    kind = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _check_beta("rho", rho)
        self.momentum = _check_beta("momentum", momentum)
        self.epsilon = _check_epsilon(epsilon)

    @property
    def state_names(self):
        return ("mean_square", "momentum") if self.momentum > 0 else ("mean_square",)

    def kernel_args(self):
        return {"lr": self.current_learning_rate(), "rho": self.rho,
                "momentum": self.momentum, "eps": self.epsilon}

    def update_reference(self, param, grad, state):
        lr = self.current_learning_rate()
        grad = self.clip_gradient(grad)
        mean_square = state["mean_square"]
        mean_square *= self.rho
        mean_square += (1.0 - self.rho) * np.square(grad)
        increment = lr * grad / np.sqrt(mean_square + self.epsilon)
        if self.momentum > 0:
            momentum = state["momentum"]
            momentum *= self.momentum
            momentum += increment
            param -= momentum
        else:
            param -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad: acc += g^2; w -= lr g / sqrt(acc + epsilon)."""

    kind = "adagrad"
    state_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1,
                 epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_real(
            "initial_accumulator_value", initial_accumulator_value, low=0)
        self.epsilon = _check_epsilon(epsilon)

    def init_state(self, param):
        return {"accumulator": np.full_like(param, self.initial_accumulator_value)}

    def kernel_args(self):
        return {"lr": self.current_learning_rate(), "eps": self.epsilon}

    def update_reference(self, param, grad, state):
        lr = self.current_learning_rate()
        grad = self.clip_gradient(grad)
        accumulator = state["accumulator"]
        accumulator += np.square(grad)
        param -= lr * grad / np.sqrt(accumulator + self.epsilon)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_registry = Registry("optimizer")
_registry.register(SGD, "sgd")
_registry.register(Adam, "adam")
_registry.register(AdamW, "adamw")
_registry.register(RMSprop, "rmsprop")
_registry.register(Adagrad, "adagrad")

get, serialize, deserialize, names = _registry.module_functions(Optimizer)
