"""Tables for the command line: reading CSV and NumPy files, targets, scaling.

Every problem with an input file raises :class:`DataFileError` with a message
that names the file, the line (CSV) or row (arrays) and the column, so the
command line can print it as one line.
"""

import csv
import gzip
import math
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from pybp import errors

# Task detection: an integer-valued target is read as class labels if it has
# at most this many distinct values and at most one distinct value per two
# samples. Otherwise it is a regression target.
MAX_AUTO_CLASSES = 100


class DataFileError(errors.PybpError, ValueError):
    """An input file is missing, unreadable or malformed."""


@dataclass
class Table:
    """Columns read from one file, all of the same length.

    ``columns`` contains one 1-D array per column: strings for CSV files,
    numbers for array files. ``lines`` contains the CSV line number of each
    row, or is None for array files, whose rows are counted from 0.
    ``has_header`` is true when the column names are real names (from a CSV
    header or a shipped data set) rather than column indices.
    """

    path: str
    names: list
    columns: list
    lines: object = None
    has_header: bool = False

    @property
    def n_rows(self):
        return self.columns[0].shape[0]

    def where(self, row, index):
        """Return the place of a cell, e.g. 'data.csv, line 7, column "age"'."""
        if self.lines is not None:
            return f'{self.path}, line {self.lines[row]}, column "{self.names[index]}"'
        return f"{self.path}, row {row}, column {self.names[index]}"

    def select(self, indices):
        """Return a table with only the columns at ``indices``, in that order."""
        return Table(self.path, [self.names[i] for i in indices],
                     [self.columns[i] for i in indices], self.lines, self.has_header)


# ---- reading ----

def read_table(path):
    """Read a CSV (optionally .gz), .npy or .npz file into a :class:`Table`."""
    if not os.path.exists(path):
        raise DataFileError(f"{path}: file not found")
    if os.path.isdir(path):
        raise DataFileError(f"{path}: is a directory, expected a data file")
    lower = path.lower()
    try:
        if lower.endswith(".npy"):
            return _read_npy(path)
        if lower.endswith(".npz"):
            return _read_npz(path)
        return _read_csv(path)
    except PermissionError as exc:
        raise DataFileError(f"{path}: cannot read the file: {exc.strerror}") from None


def table_from_arrays(path, x, y, feature_names, target_name):
    """Build a table with named columns from a 2-D ``x`` and a 1-D ``y``."""
    columns = [np.asarray(x[:, j]) for j in range(x.shape[1])] + [np.asarray(y)]
    return Table(path, list(feature_names) + [target_name], columns, None, True)


def _read_csv(path):
    opener = gzip.open if path.lower().endswith(".gz") else open
    names, rows, lines = None, [], []
    try:
        with opener(path, "rt", newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream, strict=True)
            # A quoted field may span lines, so a row starts on the line after
            # the end of the previous one.
            line = 1
            for row in reader:
                if not row:
                    pass
                elif names is None:
                    names = _check_header(path, row, line)
                elif len(row) != len(names):
                    raise DataFileError(
                        f"{path}, line {line}: expected {len(names)} fields "
                        f"as in the header, got {len(row)}")
                else:
                    rows.append(row)
                    lines.append(line)
                line = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(f"{path}, line {line}: invalid CSV: {exc}") from None
    except UnicodeDecodeError:
        raise DataFileError(_describe_invalid_utf8(path, opener)) from None
    except (gzip.BadGzipFile, EOFError) as exc:
        raise DataFileError(f"{path}: invalid gzip file: {exc}") from None
    if names is None:
        raise DataFileError(
            f"{path}: the file is empty, expected a header row and data")
    if not rows:
        raise DataFileError(f"{path}: no data rows after the header")
    cells = np.array(rows, dtype=str)
    columns = [cells[:, j] for j in range(len(names))]
    return Table(path, names, columns, np.array(lines), True)


def _describe_invalid_utf8(path, opener):
    """Return an error message with the line and byte offset of the first invalid byte.

    The text reader decodes in chunks, so the offset in its UnicodeDecodeError
    is relative to a chunk. This reads the file again as bytes to place it.
    """
    with opener(path, "rb") as stream:
        data = stream.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return (f"{path}, line {line}: not UTF-8 text (invalid byte "
                f"0x{data[exc.start]:02x} at byte offset {exc.start}), expected a "
                f"CSV, .npy or .npz file")
    return f"{path}: not UTF-8 text, expected a CSV, .npy or .npz file"


def _check_header(path, row, line):
    names = [name.strip() for name in row]
    seen = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise DataFileError(
                f"{path}, line {line}: column {position} has no name, but the first "
                f"row must be a header with a name for every column")
        if name in seen:
            raise DataFileError(f'{path}, line {line}: duplicate column name "{name}"')
        seen.add(name)
    return names


def _array_columns(path, array, description):
    if array.dtype.kind not in "biuf":
        raise DataFileError(
            f"{path}: {description} must contain numbers, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise DataFileError(
            f"{path}: {description} must be a non-empty 2-D array, got shape {array.shape}")
    return [array[:, j] for j in range(array.shape[1])]


def _read_npy(path):
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataFileError(f"{path}: not a readable .npy array file ({exc})") from None
    columns = _array_columns(path, array, "the array")
    if len(columns) < 2:
        raise DataFileError(
            f"{path}: the array needs at least 2 columns (features and a target), "
            f"got shape {array.shape}")
    return Table(path, [str(j) for j in range(len(columns))], columns)


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            x_key = "x" if "x" in keys else "X"
            x = archive[x_key] if x_key in keys else None
            y = archive["y"] if "y" in keys else None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataFileError(f"{path}: not a readable .npz archive ({exc})") from None
    if x is None:
        found = ", ".join(sorted(keys)) or "no arrays"
        raise DataFileError(f"{path}: has no array 'x' (or 'X'); found: {found}")
    columns = _array_columns(path, x, f"array '{x_key}'")
    names = [str(j) for j in range(len(columns))]
    if y is not None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise DataFileError(
                f"{path}: array 'y' must be 1-D with one value per row of "
                f"'{x_key}' ({x.shape[0]}), got shape {y.shape}")
        if y.dtype.kind not in "biufU":
            raise DataFileError(
                f"{path}: array 'y' must contain numbers or strings, "
                f"got dtype {y.dtype}")
        columns.append(y)
        names.append("y")
    return Table(path, names, columns)


# ---- columns ----

def find_column(table, target):
    """Return the index of column ``target``: a header name, or an integer index."""
    if target in table.names and table.has_header:
        return table.names.index(target)
    try:
        index = int(target)
    except ValueError:
        if table.has_header:
            raise DataFileError(
                f'{table.path}: no column named "{target}", the columns are '
                f"{', '.join(table.names)}") from None
        raise DataFileError(
            f"{table.path}: the target must be a column index for a file without "
            f"a header, got {target!r}") from None
    n = len(table.names)
    if not -n <= index < n:
        raise DataFileError(
            f"{table.path}: column index {index} is out of range for {n} columns")
    return index % n


def numbers(table, index):
    """Return column ``index`` as float64, or raise at its first bad cell."""
    column = table.columns[index]
    if column.dtype.kind in "biuf":
        values = column.astype(np.float64)
    else:
        try:
            values = column.astype(np.float64)
        except ValueError:
            values = np.array([_parse_number(table, row, index)
                               for row in range(column.shape[0])])
    finite = np.isfinite(values)
    if not finite.all():
        row = int(np.argmin(finite))
        raise DataFileError(
            f"{table.where(row, index)}: expected a finite number, "
            f"got {_shown(column[row])}")
    return values


def _parse_number(table, row, index):
    text = str(table.columns[index][row])
    if not text.strip():
        raise DataFileError(f"{table.where(row, index)}: empty cell, expected a number")
    try:
        return float(text)
    except ValueError:
        raise DataFileError(
            f"{table.where(row, index)}: expected a number, got {text!r}") from None


def _shown(value):
    return repr(str(value)) if isinstance(value, str) else repr(float(value))


def feature_matrix(table):
    """Return all columns of ``table`` as a float64 matrix of shape (rows, columns)."""
    matrix = np.empty((table.n_rows, len(table.columns)), dtype=np.float64)
    for index in range(len(table.columns)):
        matrix[:, index] = numbers(table, index)
    return matrix


# ---- targets ----

def is_text(column):
    """Return True if a column of strings contains any cell that is not a number."""
    if column.dtype.kind != "U":
        return False
    try:
        column.astype(np.float64)
    except ValueError:
        try:
            [float(cell) for cell in column]
        except ValueError:
            return True
    return False


def detect_task(table, index):
    """Return 'classify' or 'regress' for target column ``index``.

    Text targets are class labels. Numeric targets are class labels when every
    value is an integer, there are at most :data:`MAX_AUTO_CLASSES` distinct
    values and at most one distinct value per two rows.
    """
    if is_text(table.columns[index]):
        return "classify"
    values = numbers(table, index)
    if not np.array_equal(values, np.round(values)):
        return "regress"
    distinct = np.unique(values).shape[0]
    if distinct <= MAX_AUTO_CLASSES and 2 * distinct <= values.shape[0]:
        return "classify"
    return "regress"


def encode_labels(table, index):
    """Map the class labels in column ``index`` to indices 0..k-1.

    Returns ``(classes, y)``. ``classes`` is a sorted list of the distinct
    labels, as ints when every label is an integer, else as floats or
    strings, so that ``classes[y[i]]`` is the label of row i.
    """
    column = table.columns[index]
    if is_text(column):
        labels = np.char.strip(column)
        empty = np.flatnonzero(labels == "")
        if empty.size:
            raise DataFileError(
                f"{table.where(int(empty[0]), index)}: empty cell, "
                f"expected a class label")
        classes, y = np.unique(labels, return_inverse=True)
        return [str(label) for label in classes], y.astype(np.int64)
    values = numbers(table, index)
    classes, y = np.unique(values, return_inverse=True)
    if np.array_equal(classes, np.round(classes)):
        return [int(label) for label in classes], y.astype(np.int64)
    return [float(label) for label in classes], y.astype(np.int64)


def label_indices(table, index, classes):
    """Map the labels in column ``index`` to indices into the known ``classes``."""
    column = table.columns[index]
    text_classes = any(isinstance(label, str) for label in classes)
    if text_classes:
        labels = [str(cell).strip() for cell in column]
    else:
        labels = numbers(table, index).tolist()
    lookup = {label: position for position, label in enumerate(classes)}
    y = np.empty(len(labels), dtype=np.int64)
    for row, label in enumerate(labels):
        if label not in lookup:
            raise DataFileError(
                f"{table.where(row, index)}: label {_shown(column[row])} is not one of "
                f"the model's classes {classes}")
        y[row] = lookup[label]
    return y


# ---- standardisation ----

def standardization(x):
    """Return the mean and scale of each column of ``x`` for standardising.

    A column whose standard deviation is 0 (or below 1e-12 of its magnitude)
    gets scale 1, so that it becomes all zeros instead of NaN.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    tiny = scale <= 1e-12 * np.maximum(np.abs(mean), 1.0)
    scale[tiny] = 1.0
    return mean, scale


def standardize(x, mean, scale, dtype=np.float32):
    """Return ``(x - mean) / scale`` as a C-contiguous array of ``dtype``."""
    return np.ascontiguousarray((x - mean) / scale, dtype=dtype)


def r2_score(y_true, y_pred):
    """Return the coefficient of determination R^2 of predictions."""
    residual = float(np.sum((y_true - y_pred) ** 2))
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    if total == 0.0:
        return math.nan
    return 1.0 - residual / total


def linear_baseline_r2(x_train, y_train, x_test, y_test):
    """Return the test R^2 of an ordinary least-squares fit with intercept."""
    design = np.hstack([x_train, np.ones((x_train.shape[0], 1))])
    coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
    prediction = np.hstack([x_test, np.ones((x_test.shape[0], 1))]) @ coef
    return r2_score(y_test, prediction)
