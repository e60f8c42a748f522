import hashlib
import re
from importlib import resources

import numpy as np
import pytest

from pybp import datasets, errors


def test_digits_shapes_and_dtypes():
    x, y = datasets.load_digits()
    assert x.shape == (1797, 64)
    assert x.dtype == np.float32
    assert y.shape == (1797,)
    assert y.dtype == np.int64
    assert x.flags.c_contiguous


def test_digits_values_and_classes():
    x, y = datasets.load_digits()
    raw, _ = datasets.load_digits(scale=False)
    assert x.min() == 0.0
    assert x.max() == 1.0
    assert raw.max() == 16.0
    assert np.array_equal(raw, np.round(raw))
    np.testing.assert_array_equal(raw / 16, x)
    counts = np.bincount(y)
    assert counts.shape == (10,)
    assert counts.min() == 174
    assert counts.max() == 183


def test_auto_mpg_shapes_and_values():
    x, y = datasets.load_auto_mpg()
    assert x.shape == (392, 7)
    assert y.shape == (392,)
    assert x.dtype == np.float32
    assert y.dtype == np.float32
    assert np.all(np.isfinite(x))
    assert abs(float(y.mean()) - 23.446) < 1e-3
    assert set(np.unique(x[:, 0])) == {3, 4, 5, 6, 8}
    assert x[:, 5].min() == 70
    assert x[:, 5].max() == 82
    assert set(np.unique(x[:, 6])) == {1, 2, 3}


def test_auto_mpg_one_hot_origin():
    codes = datasets.load_auto_mpg()[0][:, 6]
    x, _ = datasets.load_auto_mpg(one_hot_origin=True)
    assert x.shape == (392, 9)
    one_hot = x[:, 6:]
    np.testing.assert_array_equal(one_hot.sum(axis=1), np.ones(392))
    np.testing.assert_array_equal(one_hot.argmax(axis=1) + 1, codes)


@pytest.mark.parametrize("loader, n", [(datasets.load_digits, 1797),
                                       (datasets.load_auto_mpg, 392)])
def test_loader_split_sizes(loader, n):
    (x_train, y_train), (x_test, y_test) = loader(split=True)
    assert x_test.shape[0] == int(np.ceil(0.25 * n))
    assert x_train.shape[0] + x_test.shape[0] == n
    assert y_train.shape[0] == x_train.shape[0]
    assert y_test.shape[0] == x_test.shape[0]


def test_digits_split_is_fixed():
    (a_train, _), (a_test, _) = datasets.load_digits(split=True)
    (b_train, _), (b_test, _) = datasets.load_digits(split=True)
    np.testing.assert_array_equal(a_train, b_train)
    np.testing.assert_array_equal(a_test, b_test)


def test_split_depends_on_seed():
    x = np.arange(100.0)
    (_, _), (test0, _) = datasets.train_test_split(x, x, seed=0)
    (_, _), (test1, _) = datasets.train_test_split(x, x, seed=1)
    assert not np.array_equal(np.sort(test0), np.sort(test1))


@pytest.mark.parametrize("n, test_size, expected", [
    (10, 0.25, 3), (10, 0.5, 5), (7, 0.1, 1), (7, 3, 3), (2, 1, 1), (1797, 0.25, 450),
])
def test_split_partitions_samples(n, test_size, expected):
    x = np.arange(n * 2.0).reshape(n, 2)
    y = np.arange(n)
    (x_train, y_train), (x_test, y_test) = datasets.train_test_split(
        x, y, test_size=test_size)
    assert y_test.shape == (expected,)
    assert y_train.shape == (n - expected,)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(x_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(x_test[:, 0], 2 * y_test)


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.5, 0.37])
def test_stratified_split_keeps_proportions(test_size):
    _, y = datasets.load_digits()
    (_, y_train), (_, y_test) = datasets.train_test_split(
        y, y, test_size=test_size, seed=3, stratify=y)
    total = np.bincount(y)
    expected = total * (y_test.shape[0] / y.shape[0])
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - expected) < 1)
    np.testing.assert_array_equal(np.bincount(y_train) + np.bincount(y_test), total)


def test_stratified_split_uneven_classes():
    y = np.array([0] * 90 + [1] * 9 + [2] * 1)
    (_, y_train), (_, y_test) = datasets.train_test_split(
        y, y, test_size=0.2, stratify=y)
    assert y_test.shape == (20,)
    assert np.count_nonzero(y_test == 0) == 18
    assert np.count_nonzero(y_test == 1) in (1, 2)
    assert y_train.shape == (80,)


@pytest.mark.parametrize("test_size, match", [
    (0.0, "in \\(0, 1\\)"), (1.0, "in \\(0, 1\\)"), (-0.5, "in \\(0, 1\\)"),
    (0, "in \\[1, 9\\]"), (10, "in \\[1, 9\\]"), (True, "fraction or a count"),
    (0.99, "no training samples"),
])
def test_split_rejects_bad_test_size(test_size, match):
    x = np.zeros((10, 2))
    with pytest.raises(errors.InvalidArgumentError, match=match):
        datasets.train_test_split(x, np.zeros(10), test_size=test_size)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(errors.ShapeError, match="same number of samples"):
        datasets.train_test_split(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(errors.ShapeError, match="stratify must have shape"):
        datasets.train_test_split(np.zeros((5, 2)), np.zeros(5), stratify=np.zeros(4))


@pytest.mark.parametrize("name, words", [
    ("digits", ["CC BY 4.0", "10.24432/C50P49", "Alpaydin"]),
    ("auto_mpg", ["CC BY 4.0", "10.24432/C5859H", "Quinlan"]),
    ("auto-mpg", ["392"]),
])
def test_describe_names_source_and_licence(name, words):
    text = datasets.describe(name)
    for word in words:
        assert word in text
    assert text.count("## ") == 1


def test_describe_rejects_unknown_name():
    with pytest.raises(errors.InvalidArgumentError, match="must be one of"):
        datasets.describe("mnist")


@pytest.mark.parametrize("info", list(datasets.DATASETS.values()),
                         ids=lambda info: info.name)
def test_data_file_matches_recorded_checksum(info):
    data = resources.files("pybp.data").joinpath(info.filename).read_bytes()
    section = datasets.describe(info.name)
    recorded = re.search(r"SHA-256 `([0-9a-f]{64})`", section).group(1)
    assert hashlib.sha256(data).hexdigest() == recorded
    assert f"{len(data):,} bytes" in section


def test_provenance_file_in_package():
    readme = resources.files("pybp.data").joinpath("README.md")
    assert readme.is_file()
    text = readme.read_text(encoding="utf-8")
    for info in datasets.DATASETS.values():
        assert f"File: `{info.filename}`" in text
