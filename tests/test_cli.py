import gzip
import json
import os
import re

import numpy as np
import pytest

import pybp
from pybp import _tabular, cli, datasets, errors

# ---- helpers ----


def run(capsys, *argv):
    """Run the command line and return (status, stdout, stderr)."""
    status = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(err, *parts):
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0]


def assert_train_fails(capsys, path, *parts, options=()):
    """Train on ``path`` and check for exit status 2 and a one-line error."""
    status, _, err = run(capsys, "train", path, *options)
    assert status == 2
    assert_one_line_error(err, *parts)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


class FakeModel:
    """Least squares on one-hot targets or values, with the model API the CLI uses.

    It replaces pybp.models.Sequential so that the command line can be
    tested end to end before, and independently of, the real networks.
    """

    def __init__(self, task, n_outputs):
        self.task, self.n_outputs = task, n_outputs
        self.weights = None
        self.metadata = {}

    def _design(self, x):
        return np.hstack([x, np.ones((x.shape[0], 1))])

    def fit(self, x, y, epochs, batch_size, validation_split, verbose):
        assert x.dtype == np.float32
        assert x.flags.c_contiguous
        targets = np.eye(self.n_outputs)[y] if self.task == "classify" else y
        self.weights, *_ = np.linalg.lstsq(self._design(x), targets, rcond=None)
        losses = [self.evaluate(x, y)[0]] * epochs
        return type("History", (), {"history": {"loss": losses, "val_loss": losses}})()

    def predict(self, x):
        output = self._design(x) @ self.weights
        if self.task == "classify":
            output = np.exp(output - output.max(axis=1, keepdims=True))
            output /= output.sum(axis=1, keepdims=True)
        return output.astype(np.float32)

    def evaluate(self, x, y, verbose=0):
        output = self.predict(x)
        if self.task == "classify":
            return [float(-np.mean(np.log(output[np.arange(y.shape[0]), y] + 1e-12)))]
        return [float(np.mean((output - y) ** 2))]

    def save(self, path):
        np.savez(path, weights=self.weights,
                 config=json.dumps([self.task, self.n_outputs, self.metadata]))


def load_fake_model(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            task, n_outputs, metadata = json.loads(str(archive["config"]))
            model = FakeModel(task, n_outputs)
            model.weights = archive["weights"]
    except (ValueError, KeyError) as exc:
        raise errors.ModelFileError(
            f"{path} is not a pybp model file ({exc})") from None
    model.metadata = metadata
    return model


@pytest.fixture
def fake_model(monkeypatch):
    """Replace the network by FakeModel in the command line's model adapter."""
    monkeypatch.setattr(cli, "build_model",
                        lambda n_outputs, task, args: FakeModel(task, n_outputs))
    monkeypatch.setattr(pybp, "load_model", load_fake_model, raising=False)


@pytest.fixture
def fruit_csv(tmp_path):
    """A CSV file with two features and text class labels that depend on them."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(120, 2)) * [3.0, 0.5] + [10.0, -2.0]
    labels = np.where(x[:, 0] > 10.0, "apple", "pear")
    rows = [f"{a:.5f},{b:.5f},{label}" for (a, b), label in zip(x, labels)]
    return write(tmp_path / "fruit.csv", "width,height,kind\n" + "\n".join(rows) + "\n")


@pytest.fixture
def linear_csv(tmp_path):
    """A CSV file whose target column 'y' is a noisy linear function of 3 features."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 3)) * [1.0, 50.0, 0.01]
    y = x @ [2.0, 0.1, 300.0] + 4.0 + rng.normal(scale=0.1, size=200)
    rows = [",".join(f"{v:.6f}" for v in row) for row in np.column_stack([x, y])]
    return write(tmp_path / "linear.csv", "a,b,c,y\n" + "\n".join(rows) + "\n")


# ---- parser and help ----

@pytest.mark.parametrize("command",
                         [[], ["train"], ["predict"], ["evaluate"], ["info"]])
def test_help_exits_zero(capsys, command):
    status, out, err = run(capsys, *command, "--help")
    assert status == 0
    assert out.startswith(f"usage: {' '.join(['pybp'] + command)}")
    assert err == ""


def test_python_m_pybp_help(run_python):
    result = run_python(["-m", "pybp", "train", "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: pybp train")


def test_python_m_pybp_error_exit_status(run_python):
    result = run_python(["-m", "pybp", "train", "--epochs", "0"])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_help_lists_commands(capsys):
    _, out, _ = run(capsys, "--help")
    for command in ("train", "predict", "evaluate", "info"):
        assert command in out


def test_version_prints_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.strip() == f"pybp {pybp.__version__}"


def test_missing_command_is_one_line(capsys):
    status, out, err = run(capsys)
    assert status == 2
    assert out == ""
    assert_one_line_error(err, "a command is required")


@pytest.mark.parametrize("argv, option, rule", [
    (["--epochs", "-3"], "--epochs", "integer >= 1"),
    (["--epochs=0"], "--epochs", "integer >= 1"),
    (["--epochs", "2.5"], "--epochs", "integer >= 1"),
    (["--batch-size", "0"], "--batch-size", "integer >= 1"),
    (["--threads", "none"], "--threads", "integer >= 1"),
    (["--threads", "0"], "--threads", "integer >= 1"),
    (["--threads=-2"], "--threads", "integer >= 1"),
    (["--lr", "0"], "--lr", "number > 0"),
    (["--lr=-0.1"], "--lr", "number > 0"),
    (["--lr", "nan"], "--lr", "number > 0"),
    (["--lr", "inf"], "--lr", "number > 0"),
    (["--l2=-1"], "--l2", "number >= 0"),
    (["--hidden", "128,-4"], "--hidden", "positive integers"),
    (["--hidden", "a,b"], "--hidden", "positive integers"),
    (["--hidden", "64,0"], "--hidden", "positive integers"),
    (["--hidden", ""], "--hidden", "positive integers"),
    (["--dropout", "1"], "--dropout", "fraction in [0, 1)"),
    (["--validation-split", "1.5"], "--validation-split", "fraction in [0, 1)"),
    (["--test-size=-0.1"], "--test-size", "fraction in [0, 1)"),
    (["--seed=-1"], "--seed", "integer >= 0"),
    (["--task", "guess"], "--task", "invalid choice"),
    (["--optimizer", "lbfgs"], "--optimizer", "invalid choice"),
    (["--verbose", "3"], "--verbose", "invalid choice"),
])
def test_train_rejects_bad_option(capsys, argv, option, rule):
    status, out, err = run(capsys, "train", *argv)
    assert status == 2
    assert out == ""
    assert_one_line_error(err, f"argument {option}", rule, "pybp train --help")


@pytest.mark.parametrize("text, expected", [
    ("128", [128]), ("128,64", [128, 64]), ("7, 3,1", [7, 3, 1]),
])
def test_hidden_option_parses_list(text, expected):
    args = cli.build_parser().parse_args(["train", "--hidden", text])
    assert args.hidden == expected


def test_train_defaults():
    args = cli.build_parser().parse_args(["train"])
    assert args.data == "digits"
    assert args.task == "auto"
    assert args.hidden == [128, 64]
    assert args.optimizer == "adam"
    assert args.lr is None
    assert args.test_size == 0.25
    assert args.seed == 0


def test_evaluate_help_shows_target_optional(capsys):
    _, out, _ = run(capsys, "evaluate", "--help")
    assert out.startswith("usage: pybp evaluate [-h] [--target COL] MODEL DATA")
    assert "default: the column the model was trained on" in " ".join(out.split())


def test_train_help_shows_validation_default(capsys):
    _, out, _ = run(capsys, "train", "--help")
    assert "(default: 0.1, or none if that leaves no validation rows)" in " ".join(
        out.split())


def test_info_prints_version_and_data_sets(capsys):
    status, out, _ = run(capsys, "info")
    assert status == 0
    assert f"pybp {pybp.__version__}" in out
    assert "num_threads:" in out
    assert "data set digits" in out
    assert "data set auto_mpg" in out


# ---- malformed input files ----

BAD_CSV = [
    ("ragged row", "a,b,y\n1,2,0\n3,4\n",
     "line 3: expected 3 fields as in the header, got 2"),
    ("long row", "a,b,y\n1,2,0\n3,4,1,9\n", "line 3: expected 3 fields"),
    ("text in number", "age,y\n1,0\n2,1\n3,0\nabc,1\n",
     "line 5, column \"age\": expected a number, got 'abc'"),
    ("empty cell", "a,b,y\n1,2,0\n,4,1\n", 'line 3, column "a": empty cell'),
    ("blank cell", "a,b,y\n1,2,0\n3, ,1\n", 'line 3, column "b": empty cell'),
    ("nan cell", "a,b,y\n1,2,0\n3,nan,1\n",
     "line 3, column \"b\": expected a finite number, got 'nan'"),
    ("inf cell", "a,b,y\n1,-inf,0\n3,4,1\n",
     "line 2, column \"b\": expected a finite number, got '-inf'"),
    ("empty file", "", "the file is empty"),
    ("blank lines only", "\n\n", "the file is empty"),
    ("header only", "a,b,y\n", "no data rows after the header"),
    ("unnamed column", "a,,y\n1,2,3\n", "line 1: column 2 has no name"),
    ("duplicate column", "a,a,y\n1,2,3\n", 'duplicate column name "a"'),
    ("unclosed quote", 'a,y\n1,"2\n', "invalid CSV"),
    ("text after quote", 'a,y\n"1"x,2\n3,4\n', "line 2: invalid CSV"),
    ("one text label", "a,y\n1,cat\n2,cat\n", "only one class"),
    ("one row", "a,y\n1.5,2.5\n",
     "--test-size 0.25 leaves no training rows of the 1 row"),
    ("semicolons", "a;b;y\n1;2;0\n3;4;1\n", "no feature columns"),
]


@pytest.mark.parametrize("text, message", [case[1:] for case in BAD_CSV],
                         ids=[case[0] for case in BAD_CSV])
def test_train_bad_csv_is_one_line(capsys, tmp_path, text, message):
    path = write(tmp_path / "data.csv", text)
    status, out, err = run(capsys, "train", path, "--verbose", "0")
    assert status == 2
    assert_one_line_error(err, f"{path}", message)


@pytest.mark.parametrize("text, place", [
    ('a,note,y\n1,"two\nlines",0\nbad,x,1\n', 'line 4, column "a"'),
    ('a,b,y\n1,2,0\n1,"x\ny",1\n', 'line 3, column "b"'),
])
def test_train_error_line_with_quoted_newline(capsys, tmp_path, text, place):
    path = write(tmp_path / "data.csv", text)
    status, _, err = run(capsys, "train", path, "--target", "y")
    assert status == 2
    assert_one_line_error(err, place)


def test_train_missing_target_column(capsys, tmp_path):
    path = write(tmp_path / "data.csv", "a,b,y\n1,2,0\n3,4,1\n")
    status, _, err = run(capsys, "train", path, "--target", "label")
    assert status == 2
    assert_one_line_error(err, 'no column named "label"', "a, b, y")


def test_train_text_target_regression_rejected(capsys, tmp_path):
    path = write(tmp_path / "data.csv", "a,y\n1,cat\n2,dog\n")
    status, _, err = run(capsys, "train", path, "--task", "regress")
    assert status == 2
    assert_one_line_error(err, "line 2, column \"y\": expected a number, got 'cat'")


def test_train_missing_file(capsys, tmp_path):
    status, _, err = run(capsys, "train", tmp_path / "absent.csv")
    assert status == 2
    assert_one_line_error(err, "absent.csv: file not found")


def test_train_directory_rejected(capsys, tmp_path):
    status, _, err = run(capsys, "train", tmp_path)
    assert status == 2
    assert_one_line_error(err, "is a directory")


def test_train_binary_file_rejected(capsys, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n\xff\xfe\x00\x81,1\n")
    assert_train_fails(capsys, path, "line 2: not UTF-8 text", "0xff at byte offset 4")


@pytest.mark.parametrize("suffix, compress", [(".csv", bytes), (".csv.gz", gzip.compress)])
def test_train_invalid_utf8_line_past_first_chunk(capsys, tmp_path, suffix, compress):
    text = "a,y\n" + "1,2\n" * 5000
    data = text.encode() + b"3,\xe9\n"
    path = tmp_path / f"data{suffix}"
    path.write_bytes(compress(data))
    assert_train_fails(capsys, path, "line 5002: not UTF-8 text",
                       f"0xe9 at byte offset {len(data) - 2}")


def test_train_bad_gzip_rejected(capsys, tmp_path):
    path = write(tmp_path / "data.csv.gz", "a,y\n1,2\n")
    assert_train_fails(capsys, path, "invalid gzip file")


@pytest.mark.parametrize("name, array, message", [
    ("one_column.npy", np.zeros((5, 1)), "at least 2 columns"),
    ("flat.npy", np.zeros(5), "2-D array"),
    ("text.npy", np.array([["a", "b"]]), "must contain numbers"),
    ("nan.npy", np.array([[1.0, 0.0], [np.nan, 1.0]]),
     "row 1, column 0: expected a finite number, got nan"),
])
def test_train_bad_npy_is_one_line(capsys, tmp_path, name, array, message):
    path = tmp_path / name
    np.save(path, array)
    assert_train_fails(capsys, path, message)


def test_train_npy_not_an_array(capsys, tmp_path):
    path = write(tmp_path / "data.npy", "a,b\n1,2\n")
    assert_train_fails(capsys, path, "not a readable .npy array file")


@pytest.mark.parametrize("arrays, message", [
    ({"features": np.zeros((4, 2)), "a": np.zeros(4)},
     "has no array 'x' (or 'X'); found: a, features"),
    ({"x": np.zeros((4, 2)), "y": np.zeros(3)}, "one value per row"),
    ({"x": np.zeros((4, 2)), "y": np.zeros((4, 2))}, "must be 1-D"),
])
def test_train_bad_npz_is_one_line(capsys, tmp_path, arrays, message):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    assert_train_fails(capsys, path, message)


def test_train_plot_without_matplotlib(capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    status, out, err = run(capsys, "train", "--plot", "loss.png")
    assert status == 2
    assert out == ""
    assert_one_line_error(err, "--plot needs matplotlib", 'pip install "pybp[plot]"')


def test_fake_train_writes_loss_plot(capsys, tmp_path, fake_model, fruit_csv):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    status, out, err = run(capsys, "train", fruit_csv, "--plot", plot, "--verbose", "0")
    assert status == 0, err
    assert f"saved loss plot to {plot}" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predict_missing_model_file(capsys, tmp_path):
    data = write(tmp_path / "data.csv", "a,y\n1,0\n")
    status, _, err = run(capsys, "predict", tmp_path / "absent.npz", data)
    assert status == 2
    assert_one_line_error(err, "absent.npz: model file not found")


# ---- reading, task detection, labels, scaling ----

def csv_table(tmp_path, text):
    return _tabular.read_table(str(write(tmp_path / "table.csv", text)))


def test_read_csv_strips_bom_and_names(tmp_path):
    table = csv_table(tmp_path, "\ufeff a ,b\n1,2\n\n3,4\n")
    assert table.names == ["a", "b"]
    assert table.n_rows == 2
    assert table.lines.tolist() == [2, 4]
    np.testing.assert_array_equal(_tabular.feature_matrix(table), [[1, 2], [3, 4]])


def test_read_gzip_csv(tmp_path):
    path = tmp_path / "table.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1.5,2\n"))
    table = _tabular.read_table(str(path))
    np.testing.assert_array_equal(_tabular.feature_matrix(table), [[1.5, 2.0]])


@pytest.mark.parametrize("values, task", [
    (["0", "1", "1", "0"], "classify"),
    (["3", "5", "3", "5", "7", "7"], "classify"),
    (["2.0", "1.0", "2.0", "1.0"], "classify"),
    (["cat", "dog", "cat", "7"], "classify"),
    (["0.5", "1", "1", "0"], "regress"),
    (["1", "2", "3", "4"], "regress"),
    ([str(v) for v in range(202)] * 2, "regress"),
    ([str(v % 100) for v in range(400)], "classify"),
])
def test_detect_task(tmp_path, values, task):
    table = csv_table(tmp_path, "y\n" + "\n".join(values) + "\n")
    assert _tabular.detect_task(table, 0) == task


def test_encode_text_labels(tmp_path):
    table = csv_table(tmp_path, "y\nb\n a\nc\na\n")
    classes, y = _tabular.encode_labels(table, 0)
    assert classes == ["a", "b", "c"]
    assert y.tolist() == [1, 0, 2, 0]
    assert y.dtype == np.int64


def test_encode_numeric_labels(tmp_path):
    table = csv_table(tmp_path, "y\n5\n3.0\n5\n-1\n")
    classes, y = _tabular.encode_labels(table, 0)
    assert classes == [-1, 3, 5]
    assert all(isinstance(label, int) for label in classes)
    assert y.tolist() == [2, 1, 2, 0]


def test_label_indices_uses_model_classes(tmp_path):
    table = csv_table(tmp_path, "y\nc\na\n")
    assert _tabular.label_indices(table, 0, ["a", "b", "c"]).tolist() == [2, 0]
    numeric = csv_table(tmp_path, "y\n5.0\n3\n")
    assert _tabular.label_indices(numeric, 0, [3, 5]).tolist() == [1, 0]


def test_label_indices_rejects_unknown_label(tmp_path):
    table = csv_table(tmp_path, "y\na\nz\n")
    with pytest.raises(_tabular.DataFileError, match="line 3, column \"y\": label 'z'"):
        _tabular.label_indices(table, 0, ["a", "b"])


def test_standardization_constant_column():
    x = np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 1e-300], [5.0, 5.0, 0.0]])
    mean, scale = _tabular.standardization(x)
    np.testing.assert_allclose(mean, [3.0, 5.0, 1e-300 / 3])
    np.testing.assert_allclose(scale, [np.sqrt(8 / 3), 1.0, 1.0])
    z = _tabular.standardize(x, mean, scale)
    assert z.dtype == np.float32
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(z[:, 0].std(), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(z[:, 1], 0.0)


@pytest.mark.parametrize("target, index", [("2", 2), ("-1", 2), ("0", 0)])
def test_find_column_index_in_npy(tmp_path, target, index):
    path = tmp_path / "data.npy"
    np.save(path, np.zeros((3, 3)))
    table = _tabular.read_table(str(path))
    assert _tabular.find_column(table, target) == index


def test_find_column_index_out_of_range(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, np.zeros((3, 3)))
    table = _tabular.read_table(str(path))
    with pytest.raises(_tabular.DataFileError, match="index 3 is out of range"):
        _tabular.find_column(table, "3")


def test_r2_and_linear_baseline():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    y = x @ [1.0, -2.0] + 3.0
    assert _tabular.r2_score(y, y) == 1.0
    assert _tabular.r2_score(y, np.full(50, y.mean())) == 0.0
    baseline = _tabular.linear_baseline_r2(x[:40], y[:40], x[40:], y[40:])
    assert baseline == pytest.approx(1.0)


# ---- train, predict, evaluate with a stand-in model ----

def test_fake_round_trip_text_labels(capsys, tmp_path, fake_model, fruit_csv):
    model = tmp_path / "fruit.npz"
    status, out, err = run(capsys, "train", fruit_csv, "--out", model, "--verbose", "0")
    assert status == 0, err
    assert "task: classify, 2 classes" in out
    assert "split: 90 training rows, 30 test rows" in out
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy >= 0.8

    status, out, err = run(capsys, "predict", model, fruit_csv, "--proba")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "kind,p_apple,p_pear"
    assert len(lines) == 121
    assert {line.split(",")[0] for line in lines[1:]} <= {"apple", "pear"}

    status, out, err = run(capsys, "evaluate", model, fruit_csv)
    assert status == 0, err
    assert float(re.search(r"accuracy: ([0-9.]+)", out).group(1)) >= 0.8


def test_fake_scaling_uses_training_rows(capsys, tmp_path, fake_model, linear_csv):
    model = tmp_path / "linear.npz"
    status, _, err = run(capsys, "train", linear_csv, "--out", model, "--seed", "3")
    assert status == 0, err
    metadata = load_fake_model(model).metadata
    table = _tabular.read_table(str(linear_csv))
    x = _tabular.feature_matrix(table)
    (x_train, y_train), _ = datasets.train_test_split(x[:, :3], x[:, 3], seed=3)
    np.testing.assert_allclose(metadata["x_mean"], x_train.mean(axis=0))
    np.testing.assert_allclose(metadata["x_scale"], x_train.std(axis=0))
    assert metadata["y_mean"] == pytest.approx(y_train.mean())
    assert metadata["feature_names"] == ["a", "b", "c"]
    assert metadata["target_name"] == "y"
    assert metadata["task"] == "regress"


def test_fake_round_trip_regression(capsys, tmp_path, fake_model, linear_csv):
    model = tmp_path / "linear.npz"
    status, out, err = run(capsys, "train", linear_csv, "--out", model)
    assert status == 0, err
    assert "task: regress" in out
    assert float(re.search(r"R\^2: ([0-9.]+)", out).group(1)) > 0.99
    assert "linear least-squares R^2" in out

    predictions = tmp_path / "predictions.csv"
    status, _, err = run(capsys, "predict", model, linear_csv, "--out", predictions)
    assert status == 0, err
    table = _tabular.read_table(str(predictions))
    expected = _tabular.feature_matrix(_tabular.read_table(str(linear_csv)))[:, 3]
    np.testing.assert_allclose(_tabular.numbers(table, 0), expected, atol=0.5)

    status, out, err = run(capsys, "evaluate", model, linear_csv)
    assert status == 0, err
    assert float(re.search(r"RMSE: ([0-9.e-]+)", out).group(1)) < 0.5


def test_fake_predict_without_target_column(capsys, tmp_path, fake_model, fruit_csv):
    model = tmp_path / "fruit.npz"
    run(capsys, "train", fruit_csv, "--out", model)
    features_only = write(tmp_path / "new.csv", "height,width\n-2,30\n-2,1\n")
    status, out, err = run(capsys, "predict", model, features_only)
    assert status == 0, err
    assert out.splitlines() == ["kind", "apple", "pear"]


@pytest.mark.parametrize("header, message", [
    ("width,kind", 'missing feature column "height"'),
    ("width,height,colour", 'column "colour" is neither a feature nor the target'),
])
def test_fake_predict_column_mismatch(capsys, tmp_path, fake_model, fruit_csv,
                                      header, message):
    model = tmp_path / "fruit.npz"
    run(capsys, "train", fruit_csv, "--out", model)
    row = ",".join("1" for _ in header.split(","))
    data = write(tmp_path / "new.csv", f"{header}\n{row}\n")
    status, _, err = run(capsys, "predict", model, data)
    assert status == 2
    assert_one_line_error(err, message)


def test_fake_evaluate_unknown_label(capsys, tmp_path, fake_model, fruit_csv):
    model = tmp_path / "fruit.npz"
    run(capsys, "train", fruit_csv, "--out", model)
    data = write(tmp_path / "new.csv", "width,height,kind\n1,2,apple\n1,2,plum\n")
    status, _, err = run(capsys, "evaluate", model, data)
    assert status == 2
    assert_one_line_error(err, "line 3, column \"kind\": label 'plum' is not one of")


def test_fake_npz_round_trip(capsys, tmp_path, fake_model):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) * 3
    data = tmp_path / "data.npz"
    np.savez(data, X=x, y=y)
    model = tmp_path / "model.npz"
    status, out, err = run(capsys, "train", data, "--out", model)
    assert status == 0, err
    assert "task: classify, 2 classes" in out
    status, out, err = run(capsys, "predict", model, data)
    assert status == 0, err
    predicted = np.array(out.splitlines()[1:], dtype=np.int64)
    assert out.splitlines()[0] == "prediction"
    assert set(predicted) <= {0, 3}
    assert np.mean(predicted == y) >= 0.8


def test_fake_predict_on_data_file_as_model(capsys, tmp_path, fake_model, fruit_csv):
    status, _, err = run(capsys, "predict", fruit_csv, fruit_csv)
    assert status == 2
    assert_one_line_error(err, "not a pybp model file")


def test_fake_auto_mpg_reports_rmse(capsys, fake_model):
    status, out, err = run(capsys, "train", "auto-mpg", "--verbose", "0")
    assert status == 0, err
    assert "data: auto_mpg, 392 rows, 7 features" in out
    assert "split: 294 training rows, 98 test rows" in out
    assert "test RMSE" in out


# ---- output paths, small data sets and odd targets ----

def csv_rows(tmp_path, n, target=lambda i: 0.5 * i * i):
    """Write a CSV of ``n`` rows with features a, b and target ``y``."""
    rows = [f"{i},{(7 * i) % 5},{target(i)}" for i in range(n)]
    return write(tmp_path / "rows.csv", "a,b,y\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_train_output_folder_missing(capsys, tmp_path, fake_model, fruit_csv, option):
    path = tmp_path / "absent" / "result.npz"
    status, out, err = run(capsys, "train", fruit_csv, option, path)
    assert status == 2
    assert out == ""
    assert_one_line_error(err, f"{option} {path}: the folder {path.parent} does not exist")


def test_predict_output_folder_checked_first(capsys, tmp_path):
    path = tmp_path / "absent" / "predictions.csv"
    status, out, err = run(capsys, "predict", tmp_path / "absent.npz",
                           tmp_path / "absent.csv", "--out", path)
    assert status == 2
    assert out == ""
    assert_one_line_error(err, f"--out {path}: the folder", "does not exist")


def test_train_output_is_directory(capsys, tmp_path, fake_model, fruit_csv):
    status, _, err = run(capsys, "train", fruit_csv, "--out", tmp_path)
    assert status == 2
    assert_one_line_error(err, f"--out {tmp_path}: is a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_train_output_folder_not_writable(capsys, tmp_path, fake_model, fruit_csv):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        status, _, err = run(capsys, "train", fruit_csv, "--out", folder / "m.npz")
    finally:
        folder.chmod(0o700)
    assert status == 2
    assert_one_line_error(err, f"the folder {folder} is not writable")


def test_classify_continuous_target_rejected(capsys, fake_model, linear_csv):
    status, out, err = run(capsys, "train", linear_csv, "--task", "classify")
    assert status == 2
    assert "network:" not in out
    assert_one_line_error(
        err, 'target column "y" has 200 distinct values in 200 rows; '
             "it looks continuous: use --task regress")


def test_classify_identifier_target_rejected(capsys, tmp_path, fake_model):
    path = csv_rows(tmp_path, 30, target=lambda i: f"id{i}")
    status, _, err = run(capsys, "train", path, "--task", "classify")
    assert status == 2
    assert_one_line_error(err, "30 distinct values in 30 rows", "choose another --target")


def test_classify_over_max_classes_rejected(capsys, tmp_path, fake_model):
    n_classes = cli.MAX_CLASSES + 1
    path = csv_rows(tmp_path, 3 * n_classes, target=lambda i: i % n_classes)
    status, _, err = run(capsys, "train", path, "--task", "classify")
    assert status == 2
    assert_one_line_error(err, f"has {n_classes} distinct values in {3 * n_classes}")


def test_classify_single_class_rejected(capsys, tmp_path, fake_model):
    path = csv_rows(tmp_path, 8, target=lambda i: 3)
    status, _, err = run(capsys, "train", path, "--task", "classify")
    assert status == 2
    assert_one_line_error(err, 'target column "y" has only one class (3)')


def test_classify_explicit_few_classes_accepted(capsys, tmp_path, fake_model):
    path = csv_rows(tmp_path, 40, target=lambda i: i % 20)
    status, out, err = run(capsys, "train", path, "--task", "classify")
    assert status == 0, err
    assert "task: classify, 20 classes" in out


def test_small_data_trains_without_validation(capsys, tmp_path, fake_model):
    status, out, err = run(capsys, "train", csv_rows(tmp_path, 12))
    assert status == 0, err
    assert "split: 9 training rows, 3 test rows" in out
    assert err == ("note: 9 training rows are too few for --validation-split 0.1; "
                   "training without validation\n")


def test_default_validation_split_without_note(capsys, fake_model, fruit_csv):
    status, _, err = run(capsys, "train", fruit_csv)
    assert status == 0, err
    assert err == ""


@pytest.mark.parametrize("split, validation_rows", [("0.1", 0), ("0.05", 0)])
def test_explicit_validation_split_too_small_data(capsys, tmp_path, fake_model, split,
                                                  validation_rows):
    path = csv_rows(tmp_path, 12)
    status, out, err = run(capsys, "train", path, "--validation-split", split)
    assert status == 2
    assert "network:" not in out
    assert_one_line_error(
        err, f"--validation-split {split} leaves {validation_rows} of the 9 training "
             f"rows for validation")


@pytest.mark.parametrize("split", ["0", "0.5"])
def test_explicit_validation_split_accepted(capsys, tmp_path, fake_model, split):
    status, _, err = run(capsys, "train", csv_rows(tmp_path, 12),
                         "--validation-split", split)
    assert status == 0, err
    assert err == ""


def test_test_size_leaving_no_training_rows(capsys, tmp_path, fake_model):
    path = csv_rows(tmp_path, 12)
    status, _, err = run(capsys, "train", path, "--test-size", "0.95")
    assert status == 2
    assert_one_line_error(err, "--test-size 0.95 leaves no training rows of the 12 rows",
                          "--test-size 0")


@pytest.mark.parametrize("threads, note", [
    ("3", "note: --threads 3 exceeds the 2 CPUs available to this process and may "
          "be slower\n"),
    ("2", ""),
])
def test_threads_above_cpus_notes(capsys, monkeypatch, fake_model, fruit_csv,
                                  threads, note):
    monkeypatch.setattr(cli._native, "available_cpus", lambda: 2)
    previous = pybp.get_num_threads()
    try:
        status, _, err = run(capsys, "train", fruit_csv, "--threads", threads)
    finally:
        pybp.set_num_threads(previous)
    assert status == 0, err
    assert err == note


def test_r2_undefined_for_one_test_row(capsys, tmp_path, fake_model):
    path = csv_rows(tmp_path, 4)
    status, out, err = run(capsys, "train", path, "--test-size", "0.25")
    assert status == 0, err
    assert "split: 3 training rows, 1 test row " in out
    assert out.splitlines()[-1].endswith(
        "R^2: undefined (fewer than 2 test rows)")


def test_evaluate_r2_undefined(capsys, tmp_path, fake_model, linear_csv):
    model = tmp_path / "linear.npz"
    run(capsys, "train", linear_csv, "--out", model)
    one_row = write(tmp_path / "one.csv", "a,b,c,y\n1,2,0.01,7\n")
    status, out, err = run(capsys, "evaluate", model, one_row)
    assert status == 0, err
    assert "R^2: undefined (fewer than 2 rows)" in out
    constant = write(tmp_path / "constant.csv", "a,b,c,y\n1,2,0.01,7\n3,4,0.02,7\n")
    status, out, err = run(capsys, "evaluate", model, constant)
    assert status == 0, err
    assert "R^2: undefined (the target is constant in the rows)" in out


# ---- train, predict, evaluate with the real model ----

def test_default_train_digits_accuracy(capsys):
    pytest.importorskip("pybp.models")
    status, out, err = run(capsys, "train", "--verbose", "0")
    assert status == 0, err
    assert "split: 1347 training rows, 450 test rows" in out
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy >= 0.95
    assert re.search(r"trained 30 epochs in [0-9.]+ s", out)


def test_real_round_trip_csv(capsys, tmp_path, fruit_csv):
    pytest.importorskip("pybp.models")
    model = tmp_path / "fruit.npz"
    status, out, err = run(capsys, "train", fruit_csv, "--out", model, "--epochs", "60",
                           "--hidden", "16", "--lr", "0.01", "--verbose", "0")
    assert status == 0, err
    status, out, err = run(capsys, "predict", model, fruit_csv)
    assert status == 0, err
    assert len(out.splitlines()) == 121
    status, out, err = run(capsys, "evaluate", model, fruit_csv)
    assert status == 0, err
    assert float(re.search(r"accuracy: ([0-9.]+)", out).group(1)) >= 0.8


def test_real_auto_mpg_beats_half_variance(capsys):
    pytest.importorskip("pybp.models")
    status, out, err = run(capsys, "train", "auto_mpg", "--epochs", "100",
                           "--verbose", "0")
    assert status == 0, err
    assert float(re.search(r"R\^2: ([0-9.-]+),", out).group(1)) >= 0.75


def test_real_predict_rejects_data_file_as_model(capsys, fruit_csv):
    pytest.importorskip("pybp.models")
    status, _, err = run(capsys, "predict", fruit_csv, fruit_csv)
    assert status == 2
    assert_one_line_error(err, "not a pybp model file")


def test_real_small_csv_trains_without_validation(capsys, tmp_path):
    pytest.importorskip("pybp.models")
    path = csv_rows(tmp_path, 12)
    status, out, err = run(capsys, "train", path, "--epochs", "3", "--verbose", "0")
    assert status == 0, err
    assert "training without validation" in err
    assert "test RMSE" in out
