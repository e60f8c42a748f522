"""Exceptions raised by pybp.

Every error pybp raises on bad input derives from :class:`PybpError`, and
also from the built-in exception a caller would expect (``ValueError`` or
``TypeError``), so ``except ValueError`` keeps working.
"""


class PybpError(Exception):
    """Base class of all pybp errors."""


class InvalidArgumentError(PybpError, ValueError):
    """An argument has a value outside its valid range."""


class ShapeError(PybpError, ValueError):
    """An array has the wrong number of dimensions or the wrong size."""


class DTypeError(PybpError, TypeError):
    """An array has the wrong dtype, or two arrays have different dtypes."""


class LayoutError(PybpError, ValueError):
    """An array is not C-contiguous, not writable, or aliases another."""


class NonFiniteError(PybpError, ValueError):
    """An input contains NaN or infinity."""


class LabelError(PybpError, ValueError):
    """A class label is outside the range of classes."""


class ISAError(PybpError, RuntimeError):
    """The CPU lacks the requested instruction set."""


class NotFittedError(PybpError, ValueError, AttributeError):
    """The model must be built or compiled before this call.

    Like scikit-learn's error of the same name, it is also a ValueError and
    an AttributeError.
    """


class DivergenceError(PybpError, FloatingPointError):
    """Training produced a NaN or infinite loss."""


class ModelFileError(PybpError, ValueError):
    """A model file is truncated, foreign or inconsistent."""
