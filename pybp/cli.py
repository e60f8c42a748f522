"""The ``pybp`` command: train, predict and evaluate from CSV or NumPy files.

``main`` returns the exit status: 0 on success, 2 for a usage or input error
and 1 when training or a model call fails. Errors in input files, options
and model calls are printed as one ``error: ...`` line on stderr, without a
traceback.
"""

import argparse
import csv
import math
import os
import sys
import time
import zipfile

import numpy as np

import pybp
from pybp import _native, _tabular, datasets, errors
from pybp._tabular import DataFileError

TASKS = ("auto", "classify", "regress")
METADATA_VERSION = 1
DEFAULT_VALIDATION_SPLIT = 0.1

# --task classify rejects a target with more distinct values than this, or
# than half the rows, because such a column is almost surely continuous.
MAX_CLASSES = 1000


class UsageError(errors.PybpError, ValueError):
    """A command-line option has an invalid value or needs a missing package."""


# ---- model adapter: every use of the pybp model API is in this section ----

OPTIMIZER_CLASSES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD",
                     "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def _model_modules():
    try:
        from pybp import layers, models, optimizers
    except ImportError as exc:
        raise UsageError(
            f"this pybp installation cannot build models ({exc})") from None
    return layers, models, optimizers


def build_model(n_outputs, task, args):
    """Return a compiled Sequential model for the options in ``args``."""
    layers, models, optimizers = _model_modules()
    dense_options = {}
    if args.l2 > 0:
        from pybp import regularizers
        dense_options["kernel_regularizer"] = regularizers.L2(args.l2)
    stack = []
    for units in args.hidden:
        stack.append(layers.Dense(units, activation=args.activation, **dense_options))
        if args.dropout > 0:
            stack.append(layers.Dropout(args.dropout))
    if task == "classify":
        stack.append(layers.Dense(n_outputs, activation="softmax"))
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    else:
        stack.append(layers.Dense(1))
        loss, metrics = "mse", []
    model = models.Sequential(stack, dtype="float32", seed=args.seed)
    optimizer_class = getattr(optimizers, OPTIMIZER_CLASSES[args.optimizer])
    optimizer = optimizer_class() if args.lr is None else optimizer_class(
        learning_rate=args.lr)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def fit_model(model, x, y, args, validation_split):
    """Train ``model`` and return its history as a dict of per-epoch lists."""
    history = model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=validation_split, verbose=args.verbose)
    return dict(history.history)


def model_loss(model, x, y):
    """Return the loss of ``model`` on ``(x, y)`` as a float."""
    result = model.evaluate(x, y, verbose=0)
    if isinstance(result, dict):
        return float(result["loss"])
    if isinstance(result, (list, tuple)):
        return float(result[0])
    return float(result)


def model_predict(model, x):
    """Return the model output as a 2-D float64 array."""
    output = np.asarray(model.predict(x), dtype=np.float64)
    return output.reshape(x.shape[0], -1)


def save_model(model, path, metadata):
    model.metadata = metadata
    model.save(path)


def load_model(path):
    """Load a model saved by ``pybp train`` and return it with its metadata."""
    if not os.path.isfile(path):
        raise DataFileError(f"{path}: model file not found")
    loader = getattr(pybp, "load_model", None)
    if loader is None:
        loader = _model_modules()[1].load_model
    try:
        model = loader(path)
    except errors.ModelFileError as exc:
        message = _one_line(exc)
        if path not in message:
            message = f"{path}: {message}"
        raise DataFileError(message) from None
    except (errors.PybpError, ValueError, KeyError, OSError, EOFError,
            zipfile.BadZipFile) as exc:
        raise DataFileError(
            f"{path}: not a pybp model file ({_one_line(exc)})") from None
    metadata = dict(getattr(model, "metadata", None) or {})
    if metadata.get("pybp_cli") != METADATA_VERSION:
        raise DataFileError(
            f"{path}: the model has no feature scaling or task metadata, so it "
            f"cannot be used here. Save models with 'pybp train --out'")
    return model, metadata


# ---- option types ----

def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def _float_option(text, low, high, rule, include_low):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    inside = (low <= value if include_low else low < value) and value < high
    if not inside:
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def _learning_rate(text):
    return _float_option(text, 0.0, math.inf, "a number > 0", include_low=False)


def _l2(text):
    return _float_option(text, 0.0, math.inf, "a number >= 0", include_low=True)


def _fraction(text):
    return _float_option(text, 0.0, 1.0, "a fraction in [0, 1)", include_low=True)


def _hidden(text):
    parts = text.split(",")
    if not all(part.strip().isdigit() and int(part) > 0 for part in parts):
        raise argparse.ArgumentTypeError(
            f"must be a comma-separated list of positive integers such as 128,64, "
            f"got {text!r}")
    return [int(part) for part in parts]


# ---- parser ----

class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports a usage error as a single line."""

    def error(self, message):
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")


TRAIN_EPILOG = """\
DATA is a CSV file with a header row (optionally gzip-compressed, .csv.gz),
a .npy file holding a 2-D array, or a .npz file with arrays 'x' (or 'X') and
'y'. Without DATA, or with the name of a shipped data set (digits, auto_mpg),
the shipped data are used. Features are standardised with the mean and
standard deviation of the training rows, and the model file stores them.

Task auto reads the target as class labels if it contains text, or if all its
values are integers with at most 100 distinct values and at most one distinct
value per two rows. Otherwise it trains a regression.

examples:
  pybp train                                  # digits, held-out accuracy
  pybp train cars.csv --target mpg --out cars.npz --plot loss.png
  pybp predict cars.npz new_cars.csv --out predictions.csv
"""


def _add_train_parser(commands):
    train = commands.add_parser(
        "train", help="train a network and report held-out results",
        description="Train a dense network on a data file and report its "
                    "results on held-out test rows.",
        epilog=TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("data", nargs="?", default="digits", metavar="DATA",
                       help="CSV, .npy or .npz file, or a shipped data set name "
                            "(default: digits)")
    train.add_argument("--target", metavar="COL",
                       help="target column: a header name, or an index for .npy "
                            "files (default: the last column)")
    train.add_argument("--task", choices=TASKS, default="auto",
                       help="classify, regress, or auto to decide from the target "
                            "(default: auto)")

    model = train.add_argument_group("network")
    model.add_argument("--hidden", type=_hidden, default=[128, 64], metavar="UNITS",
                       help="units of each hidden layer, comma-separated "
                            "(default: 128,64)")
    model.add_argument("--activation", default="relu",
                       help="activation of the hidden layers, e.g. relu, tanh, "
                            "sigmoid (default: relu)")
    model.add_argument("--l2", type=_l2, default=0.0, metavar="F",
                       help="L2 penalty factor on the hidden-layer weights "
                            "(default: 0, none)")
    model.add_argument("--dropout", type=_fraction, default=0.0, metavar="F",
                       help="fraction of hidden units dropped during training "
                            "(default: 0, none)")

    fit = train.add_argument_group("training")
    fit.add_argument("--epochs", type=_positive_int, default=30, metavar="N",
                     help="passes over the training rows (default: 30)")
    fit.add_argument("--batch-size", type=_positive_int, default=32, metavar="N",
                     help="rows per gradient step (default: 32)")
    fit.add_argument("--optimizer", choices=sorted(OPTIMIZER_CLASSES), default="adam",
                     help="update rule (default: adam)")
    fit.add_argument("--lr", type=_learning_rate, metavar="F",
                     help="learning rate (default: the optimizer's own default)")
    fit.add_argument("--validation-split", type=_fraction, metavar="F",
                     help="fraction of the training rows held back to report "
                          "validation loss each epoch, 0 for none (default: "
                          f"{DEFAULT_VALIDATION_SPLIT}, or none if that leaves no "
                          "validation rows)")
    fit.add_argument("--test-size", type=_fraction, default=0.25, metavar="F",
                     help="fraction of all rows held out for the final test, "
                          "0 for none (default: 0.25)")
    fit.add_argument("--seed", type=_seed, default=0, metavar="N",
                     help="seed of the train/test split and of the initial "
                          "weights (default: 0)")
    fit.add_argument("--threads", type=_positive_int, metavar="N",
                     help="CPU threads for the kernels (default: all available)")

    output = train.add_argument_group("output")
    output.add_argument("--out", metavar="PATH",
                        help="save the trained model to this .npz file")
    output.add_argument("--plot", metavar="PNG",
                        help="save a plot of loss per epoch to this image file "
                             "(needs matplotlib)")
    output.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="0 prints only results, 1 and 2 also report each "
                             "epoch (default: 1)")
    train.set_defaults(handler=run_train)


def build_parser():
    """Return the argument parser of the ``pybp`` command."""
    parser = _Parser(
        prog="pybp",
        description="Train dense neural networks by backpropagation on the CPU, "
                    "from CSV or NumPy files.")
    parser.add_argument("--version", action="version",
                        version=f"pybp {pybp.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=_Parser)
    _add_train_parser(commands)

    predict = commands.add_parser(
        "predict", help="write predictions of a saved model as CSV",
        description="Write one prediction per row of DATA as CSV: the class label "
                    "for a classifier, the value for a regression. DATA may contain "
                    "the target column, which is ignored.")
    predict.add_argument("model", metavar="MODEL",
                         help="model file from 'pybp train --out'")
    predict.add_argument("data", metavar="DATA", help="CSV, .npy or .npz file")
    predict.add_argument("--out", metavar="PATH",
                         help="write the CSV to this file (default: standard output)")
    predict.add_argument("--proba", action="store_true",
                         help="add one probability column per class (classifiers)")
    predict.set_defaults(handler=run_predict)

    evaluate = commands.add_parser(
        "evaluate", help="print the loss and metrics of a saved model on data",
        description="Print the loss and metrics of a saved model on labelled data.")
    evaluate.add_argument("model", metavar="MODEL",
                          help="model file from 'pybp train --out'")
    evaluate.add_argument("data", metavar="DATA", help="CSV, .npy or .npz file")
    evaluate.add_argument("--target", metavar="COL",
                          help="target column: a header name, or an index for files "
                               "without a header (optional, default: the column the "
                               "model was trained on, found by its name, or by its "
                               "position in files without a header)")
    evaluate.set_defaults(handler=run_evaluate)

    info = commands.add_parser(
        "info", help="print the version, kernels, threads and shipped data sets",
        description="Print the pybp version, the kernels and threads in use, and "
                    "the shipped data sets.")
    info.set_defaults(handler=run_info)
    return parser


# ---- data preparation ----

def load_training_table(data):
    """Read DATA, or the shipped data set of that name if no such file exists."""
    name = data.replace("-", "_")
    if not os.path.exists(data) and name in datasets.DATASETS:
        info = datasets.DATASETS[name]
        if name == "digits":
            x, y = datasets.load_digits(scale=False)
        else:
            x, y = datasets.load_auto_mpg()
        return _tabular.table_from_arrays(
            name, x, y, info.feature_names, info.target_name)
    return _tabular.read_table(data)


def _target_index(table, target):
    if target is not None:
        return _tabular.find_column(table, target)
    return len(table.names) - 1


def prepare_target(table, index, task):
    """Return ``(task, y, classes)`` for target column ``index``.

    ``y`` contains class indices (int64) for classification, with ``classes``
    the list of labels, or float64 values for regression, with classes None.
    An explicit ``task`` of 'classify' rejects a target with more distinct
    values than half the rows or than :data:`MAX_CLASSES`.
    """
    requested = task
    if task == "auto":
        task = _tabular.detect_task(table, index)
    if task == "classify":
        classes, y = _tabular.encode_labels(table, index)
        name = table.names[index]
        if len(classes) < 2:
            raise DataFileError(
                f'{table.path}: the target column "{name}" has only '
                f"one class ({classes[0]!r}), but classification needs at least two")
        too_many = 2 * len(classes) > table.n_rows or len(classes) > MAX_CLASSES
        if requested == "classify" and too_many:
            kind = ("it looks like an identifier, not class labels: choose another "
                    "--target" if _tabular.is_text(table.columns[index])
                    else "it looks continuous: use --task regress")
            raise DataFileError(
                f'{table.path}: target column "{name}" has {len(classes)} distinct '
                f"values in {table.n_rows} rows; {kind}")
        return task, y, classes
    return task, _tabular.numbers(table, index), None


def _split_columns(table, metadata, target=None):
    """Return ``(features, target_index)`` of ``table`` for a saved model.

    Columns are matched by name when both the file and the training data had
    a header, else by position. The target column is optional unless
    ``target`` names it.
    """
    features = metadata["feature_names"]
    by_name = table.has_header and metadata["named_features"]
    if target is not None:
        target_index = _tabular.find_column(table, target)
    elif by_name and metadata["target_name"] in table.names:
        target_index = table.names.index(metadata["target_name"])
    elif not by_name and len(table.names) == len(features) + 1:
        target_index = metadata["target_index"]
    else:
        target_index = None
    rest = [j for j in range(len(table.names)) if j != target_index]
    if by_name:
        names = [table.names[j] for j in rest]
        missing = [name for name in features if name not in names]
        if missing:
            raise DataFileError(
                f'{table.path}: missing feature column "{missing[0]}" '
                f"({len(missing)} of {len(features)} feature columns are missing)")
        extra = [name for name in names if name not in features]
        if extra:
            raise DataFileError(
                f'{table.path}: column "{extra[0]}" is neither a feature nor the '
                f'target "{metadata["target_name"]}" of the model')
        rest = [table.names.index(name) for name in features]
    elif len(rest) != len(features):
        raise DataFileError(
            f"{table.path}: expected {len(features)} feature columns, or "
            f"{len(features) + 1} with the target, got {len(table.names)} columns")
    return table.select(rest), target_index


def _scale_features(x, metadata):
    return _tabular.standardize(x, np.asarray(metadata["x_mean"]),
                                np.asarray(metadata["x_scale"]))


# ---- commands ----

def _require_matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise UsageError(
            '--plot needs matplotlib, which is not installed. Install it with: '
            'pip install "pybp[plot]"') from None
    return matplotlib


def _describe_network(n_features, n_outputs, task, args):
    parts = [str(n_features)] + [f"{units} {args.activation}" for units in args.hidden]
    parts.append(f"{n_outputs} softmax" if task == "classify" else "1 linear")
    return " -> ".join(parts)


def _hold_out_test_rows(path, x, y, task, args):
    """Return ``((x_train, y_train), (x_test, y_test))`` for --test-size and --seed."""
    if args.test_size == 0:
        return (x, y), (x[:0], y[:0])
    n = x.shape[0]
    # train_test_split rounds the test rows up, so a split leaves no training
    # rows exactly when the rounded count reaches all rows.
    if n < 2 or math.ceil(args.test_size * n) >= n:
        raise DataFileError(
            f"{path}: --test-size {args.test_size} leaves no training rows of the "
            f"{n} {_rows(n)}; use a smaller --test-size, or 0 to train on all rows "
            f"without a test")
    stratify = y if task == "classify" else None
    try:
        return datasets.train_test_split(
            x, y, test_size=args.test_size, seed=args.seed, stratify=stratify)
    except errors.PybpError as exc:
        raise DataFileError(
            f"{path}: cannot hold out a test set ({exc}). "
            f"Use --test-size 0 to train on all rows") from None


def _rows(n):
    return "row" if n == 1 else "rows"


def _validation_split(n_train, args):
    """Return the validation split to train ``n_train`` rows with.

    The model holds back ``int(n_train * split)`` rows and needs at least one
    row on each side. The default split falls back to none when it would leave
    a side empty, but an explicit --validation-split is an error then.
    """
    split = args.validation_split
    explicit = split is not None
    if not explicit:
        split = DEFAULT_VALIDATION_SPLIT
    n_validation = int(n_train * split)
    if split == 0 or 1 <= n_validation < n_train:
        return split
    if explicit:
        raise UsageError(
            f"--validation-split {split} leaves {n_validation} of the {n_train} "
            f"training {_rows(n_train)} for validation; use a fraction that leaves "
            f"at least one row on each side, or 0 for no validation")
    print(f"note: {n_train} training {_rows(n_train)} are too few for "
          f"--validation-split {split}; training without validation", file=sys.stderr)
    return 0.0


def check_output_path(option, path):
    """Raise UsageError unless ``path`` can be created as a file for ``option``.

    Run before any slow step, so that a bad path fails at once.
    """
    if os.path.isdir(path):
        raise UsageError(f"{option} {path}: is a directory, expected a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")


def check_threads(threads):
    """Apply --threads, with a note on stderr if it exceeds the CPUs available."""
    available = _native.available_cpus()
    if threads > available:
        print(f"note: --threads {threads} exceeds the {available} CPUs available "
              f"to this process and may be slower", file=sys.stderr)
    pybp.set_num_threads(threads)


def _fit_scaling(metadata, x_train, y_train):
    """Store standardisation statistics in ``metadata``; return scaled training data.

    Regression targets are standardised too, and predictions are scaled back.
    """
    x_mean, x_scale = _tabular.standardization(x_train)
    metadata["x_mean"], metadata["x_scale"] = x_mean.tolist(), x_scale.tolist()
    inputs = _tabular.standardize(x_train, x_mean, x_scale)
    if metadata["task"] == "classify":
        return inputs, np.ascontiguousarray(y_train, dtype=np.int64)
    y_mean, y_scale = _tabular.standardization(y_train[:, None])
    metadata["y_mean"], metadata["y_scale"] = float(y_mean[0]), float(y_scale[0])
    return inputs, _tabular.standardize(y_train[:, None], y_mean, y_scale)


def _target_values(output, metadata):
    """Return regression outputs in the units of the target, undoing its scaling."""
    return output[:, 0] * metadata["y_scale"] + metadata["y_mean"]


def run_train(args):
    if args.out:
        check_output_path("--out", args.out)
    if args.plot:
        check_output_path("--plot", args.plot)
        _require_matplotlib()
    if args.threads is not None:
        check_threads(args.threads)
    table = load_training_table(args.data)
    target_index = _target_index(table, args.target)
    task, y, classes = prepare_target(table, target_index, args.task)
    if len(table.names) < 2:
        raise DataFileError(
            f'{table.path}: the file has only the target column "{table.names[0]}" '
            f"and no feature columns (expected comma-separated values)")
    features = table.select([j for j in range(len(table.names)) if j != target_index])
    x = _tabular.feature_matrix(features)
    print(f"data: {table.path}, {x.shape[0]} rows, {x.shape[1]} features, "
          f'target "{table.names[target_index]}"')
    chosen = " (chosen by --task auto)" if args.task == "auto" else ""
    if task == "classify":
        print(f"task: classify, {len(classes)} classes{chosen}")
    else:
        print(f"task: regress{chosen}")

    # Split off the test rows, then scale with training statistics only.
    (x_train, y_train), (x_test, y_test) = _hold_out_test_rows(
        table.path, x, y, task, args)
    n_train, n_test = x_train.shape[0], x_test.shape[0]
    print(f"split: {n_train} training {_rows(n_train)}, {n_test} test {_rows(n_test)} "
          f"(seed {args.seed})")
    validation_split = _validation_split(n_train, args)
    metadata = {
        "pybp_cli": METADATA_VERSION, "task": task,
        "feature_names": list(features.names), "named_features": table.has_header,
        "target_name": table.names[target_index], "target_index": target_index,
    }
    if task == "classify":
        metadata["classes"] = classes
    train_inputs, train_targets = _fit_scaling(metadata, x_train, y_train)

    n_outputs = len(classes) if task == "classify" else 1
    print(f"network: {_describe_network(x.shape[1], n_outputs, task, args)}, "
          f"optimizer {args.optimizer}")
    model = build_model(n_outputs, task, args)
    start = time.perf_counter()
    history = fit_model(model, train_inputs, train_targets, args, validation_split)
    seconds = time.perf_counter() - start
    epochs = len(history.get("loss", ())) or args.epochs
    print(f"trained {epochs} epochs in {seconds:.2f} s")

    if x_test.shape[0]:
        _report_test(model, metadata, x_train, y_train, x_test, y_test)
    if args.out:
        save_model(model, args.out, metadata)
        print(f"saved model to {args.out}")
    if args.plot:
        _plot_history(history, args.plot)
        print(f"saved loss plot to {args.plot}")
    return 0


def _report_test(model, metadata, x_train, y_train, x_test, y_test):
    inputs = _scale_features(x_test, metadata)
    output = model_predict(model, inputs)
    if metadata["task"] == "classify":
        correct = int(np.count_nonzero(output.argmax(axis=1) == y_test))
        print(f"test accuracy: {correct / y_test.shape[0]:.4f} "
              f"({correct} of {y_test.shape[0]} rows)")
        return
    prediction = _target_values(output, metadata)
    rmse = math.sqrt(float(np.mean((prediction - y_test) ** 2)))
    r2 = _format_r2(y_test, prediction)
    line = f"test RMSE: {rmse:.4g} ({metadata['target_name']} units), R^2: {r2}"
    if np.ptp(y_test) > 0:
        baseline = _tabular.linear_baseline_r2(x_train, y_train, x_test, y_test)
        line += f", linear least-squares R^2: {baseline:.4f}"
    print(line)


def _format_r2(y_true, y_pred, rows="test rows"):
    """Return R^2 as text, or why it is undefined: it needs a non-constant target."""
    if y_true.shape[0] < 2:
        return f"undefined (fewer than 2 {rows})"
    if np.ptp(y_true) == 0:
        return f"undefined (the target is constant in the {rows})"
    return f"{_tabular.r2_score(y_true, y_pred):.4f}"


def _plot_history(history, path):
    matplotlib = _require_matplotlib()
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 4))
    for key in ("loss", "val_loss"):
        if history.get(key):
            epochs = range(1, len(history[key]) + 1)
            axes.plot(epochs, history[key], label=key.replace("_", " "))
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def run_predict(args):
    if args.out:
        check_output_path("--out", args.out)
    model, metadata = load_model(args.model)
    table = _tabular.read_table(args.data)
    features, _ = _split_columns(table, metadata)
    inputs = _scale_features(_tabular.feature_matrix(features), metadata)
    output = model_predict(model, inputs)
    header = [metadata["target_name"] if metadata["named_features"] else "prediction"]
    if metadata["task"] == "classify":
        classes = metadata["classes"]
        values = [[classes[k]] for k in output.argmax(axis=1)]
        if args.proba:
            header += [f"p_{label}" for label in classes]
            values = [row + [f"{p:.6g}" for p in probabilities]
                      for row, probabilities in zip(values, output)]
    else:
        prediction = _target_values(output, metadata)
        values = [[f"{value:.7g}"] for value in prediction]
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as stream:
            _write_csv(stream, header, values)
    else:
        _write_csv(sys.stdout, header, values)
    return 0


def _write_csv(stream, header, rows):
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def run_evaluate(args):
    model, metadata = load_model(args.model)
    table = _tabular.read_table(args.data)
    features, target_index = _split_columns(table, metadata, args.target)
    if target_index is None:
        raise DataFileError(
            f'{table.path}: the target column "{metadata["target_name"]}" is missing, '
            f"name another one with --target")
    inputs = _scale_features(_tabular.feature_matrix(features), metadata)
    if metadata["task"] == "classify":
        y = _tabular.label_indices(table, target_index, metadata["classes"])
        loss = model_loss(model, inputs, y)
        accuracy = float(np.mean(model_predict(model, inputs).argmax(axis=1) == y))
        print(f"loss: {loss:.6g}")
        print(f"accuracy: {accuracy:.4f}")
        return 0
    y = _tabular.numbers(table, target_index)
    scaled = ((y - metadata["y_mean"]) / metadata["y_scale"]).astype(np.float32)
    loss = model_loss(model, inputs, scaled[:, None])
    prediction = _target_values(model_predict(model, inputs), metadata)
    print(f"loss: {loss:.6g} (mean squared error of the standardised target)")
    print(f"RMSE: {math.sqrt(float(np.mean((prediction - y) ** 2))):.6g}")
    print(f"MAE: {float(np.mean(np.abs(prediction - y))):.6g}")
    print(f"R^2: {_format_r2(y, prediction, rows='rows')}")
    return 0


def run_info(args):
    print(f"pybp {pybp.__version__}")
    for key, value in pybp.config().items():
        print(f"{key}: {value}")
    try:
        _model_modules()
        print("models: available")
    except UsageError as exc:
        print(f"models: not available: {exc}")
    for name, info in datasets.DATASETS.items():
        print(f"data set {name}: {info.task}, {len(info.feature_names)} features, "
              f'target "{info.target_name}"')
    return 0


# ---- entry point ----

def _one_line(exc):
    return " ".join(str(exc).split())


def main(argv=None):
    """Run the ``pybp`` command with ``argv`` (default: sys.argv[1:]).

    Returns the exit status instead of calling ``sys.exit``.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        print("error: a command is required: train, predict, evaluate or info "
              "(see 'pybp --help')", file=sys.stderr)
        return 2
    try:
        return args.handler(args)
    except (DataFileError, UsageError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except errors.PybpError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, (ValueError, TypeError)) else 1
    except BrokenPipeError:
        # The reader of standard output closed it early, as `| head` does.
        # Point stdout at devnull so that the final flush at exit stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
