"""pybp: fast training of dense neural networks by backpropagation on the CPU.

The usual entry points::

    import pybp
    from pybp import layers

    model = pybp.Sequential([layers.Dense(64, activation="relu"),
                             layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=10)
"""

from pybp import (
    activations,
    callbacks,
    constraints,
    datasets,
    errors,
    initializers,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
)
from pybp._native import config, get_num_threads, set_num_threads
from pybp.errors import PybpError
from pybp.io import load_model
from pybp.models import Sequential

__version__ = "0.1.0"

__all__ = [
    "PybpError",
    "Sequential",
    "activations",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "errors",
    "get_num_threads",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "ops",
    "optimizers",
    "regularizers",
    "set_num_threads",
]
