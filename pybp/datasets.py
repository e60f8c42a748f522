"""Small real data sets shipped inside pybp, and a seeded train/test split.

The files live in ``pybp/data``. Their sources, licences and changes are in
``pybp/data/README.md``, which :func:`describe` returns section by section.
"""

import gzip
import io
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from pybp import errors

__all__ = ["DATASETS", "describe", "load_auto_mpg", "load_digits", "train_test_split"]


@dataclass(frozen=True)
class DatasetInfo:
    """Facts about one shipped data set."""

    name: str
    filename: str
    task: str
    feature_names: tuple
    target_name: str


DATASETS = {
    "digits": DatasetInfo(
        "digits", "digits.npz", "classify",
        tuple(f"pixel_{row}_{col}" for row in range(8) for col in range(8)), "digit"),
    "auto_mpg": DatasetInfo(
        "auto_mpg", "auto_mpg.csv.gz", "regress",
        ("cylinders", "displacement", "horsepower", "weight", "acceleration",
         "model_year", "origin"), "mpg"),
}

# Column names that replace "origin" when load_auto_mpg one-hot encodes it.
ORIGIN_NAMES = ("origin_usa", "origin_europe", "origin_japan")


def _read_bytes(filename):
    return resources.files("pybp.data").joinpath(filename).read_bytes()


def _info(name):
    key = name.replace("-", "_")
    if key not in DATASETS:
        raise errors.InvalidArgumentError(
            f"data set name must be one of {sorted(DATASETS)}, got {name!r}")
    return DATASETS[key]


def describe(name):
    """Return the provenance text (source, licence, citation) of data set ``name``."""
    info = _info(name)
    text = _read_bytes("README.md").decode("utf-8")
    heading = f"## {info.name}\n"
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:].strip() if end < 0 else text[start:end].strip()


def load_digits(scale=True, split=False, test_size=0.25, seed=0):
    """Load the 8x8 handwritten digits: 1,797 images of 64 pixels, 10 classes.

    Parameters
    ----------
    scale : bool
        Divide the pixel counts (0 to 16) by 16, so features lie in [0, 1].
    split : bool
        Return a stratified train/test split instead of all samples.
    test_size, seed
        Passed to :func:`train_test_split` when ``split`` is true.

    Returns
    -------
    ``(x, y)`` with ``x`` float32 of shape (1797, 64) and ``y`` int64 labels
    0 to 9, or ``((x_train, y_train), (x_test, y_test))`` when ``split``.
    """
    with np.load(io.BytesIO(_read_bytes("digits.npz")), allow_pickle=False) as archive:
        x = archive["x"].astype(np.float32)
        y = archive["y"].astype(np.int64)
    if scale:
        x /= np.float32(16.0)
    if split:
        return train_test_split(x, y, test_size=test_size, seed=seed, stratify=y)
    return x, y


def load_auto_mpg(one_hot_origin=False, split=False, test_size=0.25, seed=0):
    """Load Auto MPG: 392 cars, 7 numeric features, target fuel use in mpg.

    Features, in order: cylinders, displacement (cubic inches), horsepower,
    weight (pounds), acceleration (seconds from 0 to 60 mph), model year
    (70 to 82) and origin (1 USA, 2 Europe, 3 Japan). Values are not scaled.

    Parameters
    ----------
    one_hot_origin : bool
        Replace the origin code by three 0/1 columns (:data:`ORIGIN_NAMES`),
        which gives 9 features.
    split : bool
        Return a train/test split instead of all samples.
    test_size, seed
        Passed to :func:`train_test_split` when ``split`` is true.

    Returns
    -------
    ``(x, y)`` with ``x`` float32 of shape (392, 7) or (392, 9) and ``y``
    float32 of shape (392,), or ``((x_train, y_train), (x_test, y_test))``.
    """
    text = gzip.decompress(_read_bytes("auto_mpg.csv.gz")).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=np.float64)
    x = table[:, :-1]
    y = table[:, -1].astype(np.float32)
    if one_hot_origin:
        codes = x[:, -1].astype(np.int64)
        x = np.hstack([x[:, :-1], np.eye(3)[codes - 1]])
    x = np.ascontiguousarray(x, dtype=np.float32)
    if split:
        return train_test_split(x, y, test_size=test_size, seed=seed)
    return x, y


def _test_count(test_size, n):
    """Return the number of test samples for ``test_size`` out of ``n``."""
    if isinstance(test_size, bool):
        raise errors.InvalidArgumentError(
            f"test_size must be a fraction or a count, got {test_size!r}")
    if isinstance(test_size, (int, np.integer)):
        if not 1 <= test_size < n:
            raise errors.InvalidArgumentError(
                f"test_size as a count must be in [1, {n - 1}], got {test_size}")
        return int(test_size)
    if not 0.0 < test_size < 1.0:
        raise errors.InvalidArgumentError(
            f"test_size as a fraction must be in (0, 1), got {test_size!r}")
    count = math.ceil(test_size * n)
    if count >= n:
        raise errors.InvalidArgumentError(
            f"test_size {test_size} leaves no training samples out of {n}")
    return count


def _stratified_test_rows(labels, n_test, rng):
    """Pick ``n_test`` rows so that each class keeps its share of the test set.

    Each class gets the floor of its exact share, and the rows still missing go
    to the classes with the largest remainders (ties broken by ``rng``).
    """
    classes, inverse, counts = np.unique(
        labels, return_inverse=True, return_counts=True)
    exact = counts * (n_test / labels.shape[0])
    per_class = np.floor(exact).astype(np.int64)
    missing = n_test - int(per_class.sum())
    if missing:
        tie_break = rng.random(classes.shape[0])
        order = np.lexsort((tie_break, -(exact - per_class)))
        per_class[order[:missing]] += 1
    picked = []
    for index, take in enumerate(per_class):
        members = np.flatnonzero(inverse == index)
        picked.append(rng.permutation(members)[:take])
    return np.concatenate(picked)


def train_test_split(x, y, test_size=0.25, seed=0, stratify=None):
    """Split samples into a training and a test set, reproducibly.

    Parameters
    ----------
    x, y : array_like
        Samples along the first axis, with the same length.
    test_size : float or int
        Fraction of samples in (0, 1), rounded up, or a count of samples.
    seed : int
        Seed of the ``numpy.random.default_rng`` generator that shuffles. The
        same inputs and seed always give the same split.
    stratify : array_like, optional
        Class labels, one per sample. Each class then has the same share in
        both sets, up to rounding by one sample per class.

    Returns
    -------
    ``((x_train, y_train), (x_test, y_test))``, each set in shuffled order.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    n = x.shape[0] if x.ndim else 0
    if y.ndim == 0 or y.shape[0] != n:
        raise errors.ShapeError(
            f"x and y must have the same number of samples, got shapes "
            f"{x.shape} and {y.shape}")
    if n < 2:
        raise errors.ShapeError(f"splitting needs at least 2 samples, got {n}")
    n_test = _test_count(test_size, n)
    rng = np.random.default_rng(seed)
    if stratify is None:
        test_rows = rng.permutation(n)[:n_test]
    else:
        labels = np.asarray(stratify)
        if labels.shape != (n,):
            raise errors.ShapeError(
                f"stratify must have shape ({n},), got {labels.shape}")
        test_rows = _stratified_test_rows(labels, n_test, rng)
    in_test = np.zeros(n, dtype=bool)
    in_test[test_rows] = True
    train_rows = rng.permutation(np.flatnonzero(~in_test))
    test_rows = rng.permutation(np.flatnonzero(in_test))
    return (x[train_rows], y[train_rows]), (x[test_rows], y[test_rows])
