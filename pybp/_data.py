"""Checks and conversions of user data (x, y, weights) for models."""

import numbers

import numpy as np

from pybp import errors


def _first_bad(mask):
    """Return (row, column) of the first True in a 2-D mask."""
    row, col = np.unravel_index(int(np.argmax(mask)), mask.shape)
    return int(row), int(col)


# Rows checked for NaN at a time: bounds the temporary mask to a few MB.
_FINITE_CHUNK_ELEMENTS = 1 << 20


def check_finite(arr, name):
    """Raise NonFiniteError naming the row and column of the first NaN/Inf."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    if arr.size <= 4096 and np.isfinite(arr).all():
        return
    rows = arr.reshape(arr.shape[0], -1)
    step = max(1, _FINITE_CHUNK_ELEMENTS // max(rows.shape[1], 1))
    for start in range(0, rows.shape[0], step):
        # sum is inf or nan exactly when a value is, unless finite values
        # overflow; only then is the element-wise test needed.
        chunk = rows[start:start + step]
        if np.isfinite(np.sum(chunk, dtype=np.float64)) or np.isfinite(chunk).all():
            continue
        bad = ~np.isfinite(chunk)
        row, col = _first_bad(bad)
        _raise_nonfinite(name, chunk[row, col], start + row, col)


def _raise_nonfinite(name, value, row, col):
    raise errors.NonFiniteError(
        f"{name} contains {value} at row {row}, column {col}; "
        "remove or impute non-finite values first")


def _as_numeric(data, name):
    try:
        arr = np.asarray(data)
    except ValueError as exc:
        # NumPy refuses nested lists of unequal lengths.
        raise errors.ShapeError(
            f"{name} must be a rectangular array, got a ragged sequence ({exc})"
        ) from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise errors.DTypeError(
            f"{name} must hold numbers, got an array of dtype {arr.dtype}; "
            "convert text columns to numbers first")
    if arr.dtype.kind not in "biuf":
        raise errors.DTypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return arr


def _as_dtype(arr, dtype, name):
    """Return arr as a C-contiguous array of dtype; reject NaN, Inf and overflow.

    A float value beyond the range of a narrower dtype (1e39 into float32)
    is an error naming the value, not an infinity.
    """
    check_finite(arr, name)
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if arr.dtype.kind == "f" and arr.dtype.itemsize > out.dtype.itemsize:
        overflow = ~np.isfinite(out.reshape(out.shape[0], -1))
        if overflow.any():
            row, col = _first_bad(overflow)
            value = arr.reshape(arr.shape[0], -1)[row, col]
            raise errors.InvalidArgumentError(
                f"{name} contains {value} at row {row}, column {col}, beyond the "
                f"{out.dtype} range (largest {np.finfo(out.dtype).max:.4g}); scale "
                "the data or use a float64 model")
    return out


def as_features(x, dtype, n_features=None, name="x"):
    """Return x as a C-contiguous (rows, features) array of dtype.

    Integer and boolean input is converted; float64 input to a float32 model
    is converted once. A 1-D x is taken as one feature per row only when the
    model has one input.
    """
    if x is None:
        raise errors.InvalidArgumentError(f"{name} is required, got None")
    arr = _as_numeric(x, name)
    if arr.ndim == 1:
        if n_features not in (None, 1):
            raise errors.ShapeError(
                f"{name} is 1-D with shape {arr.shape} but the model takes "
                f"{n_features} features; use {name}.reshape(1, -1) for one sample "
                f"or {name}.reshape(-1, {n_features}) for several")
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise errors.ShapeError(
            f"{name} must be 2-D (samples, features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise errors.ShapeError(f"{name} is empty: it has 0 rows (shape {arr.shape})")
    if arr.shape[1] == 0:
        raise errors.ShapeError(
            f"{name} has 0 columns (shape {arr.shape}); a model needs at least one "
            "feature")
    if n_features is not None and arr.shape[1] != n_features:
        raise errors.ShapeError(
            f"{name} has {arr.shape[1]} features per row but the model takes "
            f"{n_features}")
    return _as_dtype(arr, dtype, name)


def as_labels(y, n_rows, n_classes, name="y"):
    """Return integer class labels in [0, n_classes) as a C-contiguous int64
    array of shape (n_rows, 1)."""
    arr = _as_numeric(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise errors.ShapeError(
            f"{name} must be 1-D class labels for a sparse loss, got shape "
            f"{arr.shape}")
    if arr.shape[0] != n_rows:
        raise errors.ShapeError(
            f"{name} has {arr.shape[0]} rows but x has {n_rows}")
    if arr.dtype.kind == "f":
        check_finite(arr.reshape(-1, 1), name)
        if not np.all(arr == np.round(arr)):
            raise errors.LabelError(f"{name} must hold integer class labels, got "
                                    f"{arr[arr != np.round(arr)][0]}")
    labels = arr.astype(np.int64)
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        row = int(np.argmax(bad))
        raise errors.LabelError(
            f"{name} contains label {labels[row]} at row {row}, outside the "
            f"{n_classes} classes [0, {n_classes - 1}] of the last layer")
    return np.ascontiguousarray(labels.reshape(-1, 1))


def as_targets(y, n_rows, n_outputs, dtype, name="y", probabilities=False):
    """Return float targets as a C-contiguous (n_rows, n_outputs) array.

    y of shape (n,) and (n, 1) mean the same for one output. With
    ``probabilities`` (the cross-entropies) every target must be in [0, 1].
    """
    if y is None:
        raise errors.InvalidArgumentError(f"{name} is required, got None")
    arr = _as_numeric(y, name)
    if arr.ndim == 1:
        if n_outputs != 1:
            raise errors.ShapeError(
                f"{name} is 1-D with shape {arr.shape} but the model has "
                f"{n_outputs} outputs; pass {name} of shape (samples, {n_outputs}), "
                "or use a sparse loss for class labels")
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise errors.ShapeError(
            f"{name} must be 2-D (samples, outputs), got shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise errors.ShapeError(f"{name} has {arr.shape[0]} rows but x has {n_rows}")
    if arr.shape[1] != n_outputs:
        raise errors.ShapeError(
            f"{name} has {arr.shape[1]} columns but the last layer has "
            f"{n_outputs} units")
    arr = _as_dtype(arr, dtype, name)
    if probabilities:
        outside = (arr < 0) | (arr > 1)
        if outside.any():
            row, col = _first_bad(outside)
            raise errors.LabelError(
                f"{name} must hold probabilities or 0/1 labels in [0, 1] for a "
                f"cross-entropy loss, got {arr[row, col]} at row {row}, column {col}")
    return arr


def as_sample_weight(sample_weight, n_rows, dtype, name="sample_weight"):
    """Return per-row weights as a C-contiguous 1-D array, or None."""
    if sample_weight is None:
        return None
    arr = _as_numeric(sample_weight, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise errors.ShapeError(
            f"{name} must have shape ({n_rows},), one weight per row, got "
            f"{arr.shape}")
    arr = _as_dtype(arr.reshape(-1, 1), dtype, name).reshape(-1)
    if (arr < 0).any():
        row = int(np.argmax(arr < 0))
        raise errors.InvalidArgumentError(
            f"{name} must be >= 0, got {arr[row]} at row {row}")
    return arr


def class_weight_to_sample_weight(class_weight, classes, dtype):
    """Turn {class: weight} into one weight per row for the given labels."""
    if not isinstance(class_weight, dict):
        raise errors.InvalidArgumentError(
            f"class_weight must be a dict mapping class index to weight, got "
            f"{type(class_weight).__name__}")
    weights = np.ones(classes.shape[0], dtype=dtype)
    for cls, weight in class_weight.items():
        if not isinstance(weight, numbers.Real) or not np.isfinite(weight) or weight < 0:
            raise errors.InvalidArgumentError(
                f"class_weight[{cls!r}] must be a finite number >= 0, got {weight!r}")
        weights[classes == cls] = weight
    return weights


def check_positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise errors.InvalidArgumentError(
            f"{name} must be a positive integer, got {value!r}")
    return int(value)
