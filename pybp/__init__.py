"""pybp: fast training of dense neural networks by backpropagation on the CPU."""

from pybp import errors
from pybp._native import config, get_num_threads, set_num_threads
from pybp.errors import PybpError

__version__ = "0.1.0"

__all__ = ["PybpError", "config", "errors", "get_num_threads", "set_num_threads"]
