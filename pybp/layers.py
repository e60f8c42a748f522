"""Layers of a Sequential model: Dense, Dropout and Input."""

import numpy as np

from pybp import activations, constraints, errors, initializers, regularizers


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise errors.InvalidArgumentError(
            f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Layer:
    """Base class: a name and a config from which the layer can be rebuilt."""

    _count = 0

    def __init__(self, name=None):
        if name is None:
            Layer._count += 1
            name = f"{type(self).__name__.lower()}_{Layer._count}"
        self.name = name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def weights(self):
        return []

    def count_params(self):
        return sum(int(w.size) for w in self.weights)


class Input(Layer):
    """The input of a model: fixes its number of features."""

    def __init__(self, shape, name=None):
        super().__init__(name)
        if isinstance(shape, (int, np.integer)):
            shape = (shape,)
        shape = tuple(shape)
        if len(shape) != 1:
            raise errors.ShapeError(
                f"Input shape must have one dimension (features,), got {shape}")
        self.shape = (_check_positive_int("Input shape", shape[0]),)

    def get_config(self):
        return {**super().get_config(), "shape": list(self.shape)}


class Dense(Layer):
    """A fully connected layer: ``y = activation(x @ kernel + bias)``.

    The kernel has shape (inputs, units), so a batch of rows multiplies it
    from the left.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None,
                 input_dim=None, input_shape=None):
        super().__init__(name)
        self.units = _check_positive_int("units", units)
        # Keras 2 lets the first layer declare the input size.
        if input_shape is not None:
            input_dim = Input(input_shape).shape[0]
        self.declared_input_dim = (None if input_dim is None
                                   else _check_positive_int("input_dim", input_dim))
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = None
        self.bias = None

    @property
    def built(self):
        return self.kernel is not None

    @property
    def input_dim(self):
        return None if self.kernel is None else self.kernel.shape[0]

    def build(self, input_dim, dtype, rng):
        """Create the kernel and bias for input_dim features."""
        input_dim = _check_positive_int("input_dim", input_dim)
        shape = (input_dim, self.units)
        self.kernel = np.ascontiguousarray(
            self.kernel_initializer(shape, dtype=dtype, rng=rng), dtype=dtype)
        if self.use_bias:
            self.bias = np.ascontiguousarray(
                self.bias_initializer((self.units,), dtype=dtype, rng=rng),
                dtype=dtype)

    @property
    def weights(self):
        if self.kernel is None:
            return []
        return [self.kernel] if self.bias is None else [self.kernel, self.bias]

    def penalty(self):
        """Return the regularization penalty of this layer's weights."""
        total = 0.0
        if self.kernel_regularizer is not None and self.kernel is not None:
            total += float(self.kernel_regularizer(self.kernel))
        if self.bias_regularizer is not None and self.bias is not None:
            total += float(self.bias_regularizer(self.bias))
        return total

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "input_dim": self.declared_input_dim,
        }


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability rate
    and scale the rest by 1 / (1 - rate); at inference, pass inputs through.
    The masks come from the model's seed, so a seeded fit repeats exactly.
    """

    def __init__(self, rate, name=None):
        super().__init__(name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)):
            raise errors.InvalidArgumentError(
                f"Dropout rate must be a number in [0, 1), got {rate!r}")
        if not 0.0 <= float(rate) < 1.0:
            raise errors.InvalidArgumentError(
                f"Dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


LAYERS = {cls.__name__: cls for cls in (Input, Dense, Dropout)}


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config):
    """Rebuild a layer from ``{"class_name": ..., "config": ...}``."""
    name = config.get("class_name") if isinstance(config, dict) else None
    if name not in LAYERS:
        raise errors.InvalidArgumentError(
            f"unknown layer class {name!r}; valid: {sorted(LAYERS)}")
    return LAYERS[name].from_config(dict(config.get("config", {})))
