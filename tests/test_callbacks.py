"""Callbacks driven by a small fake model."""

import csv
import io
import math

import numpy as np
import pytest

from pybp import callbacks
from pybp.errors import DivergenceError, InvalidArgumentError


class FakeOptimizer:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate


class FakeModel:
    """The attributes callbacks use: weights, stop flag, optimizer, save."""

    def __init__(self):
        self.weights = [np.zeros(2)]
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]

    def save(self, path):
        self.saved.append(("model", path))

    def save_weights(self, path):
        self.saved.append(("weights", path))


def _fit(callback_objects, epoch_logs, model=None, steps=3):
    """Run the hooks as fit would; epoch e sets the weights to e."""
    model = model or FakeModel()
    runner = callbacks.CallbackList(callback_objects, model=model,
                                    params={"epochs": len(epoch_logs), "steps": steps})
    runner.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        runner.on_epoch_begin(epoch)
        model.weights = [np.full(2, float(epoch))]
        for batch in range(steps):
            runner.on_train_batch_begin(batch)
            runner.on_train_batch_end(batch, {"loss": logs.get("loss", 0.0)})
        runner.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    runner.on_train_end()
    return model


def test_history_records_every_epoch():
    history = callbacks.History()
    model = _fit([history], [{"loss": 1.0, "accuracy": 0.5},
                             {"loss": 0.5, "accuracy": 0.75}])
    assert model.history is history
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}


def _losses(*values, key="val_loss"):
    return [{key: v} for v in values]


def test_early_stopping_patience():
    stopper = callbacks.EarlyStopping(patience=2)
    model = _fit([stopper], _losses(1.0, 0.8, 0.9, 0.85, 0.7, 0.6))
    assert model.stop_training
    assert stopper.stopped_epoch == 3
    assert stopper.best_epoch == 1
    assert stopper.best == 0.8


def test_early_stopping_restores_best_weights():
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    model = _fit([stopper], _losses(1.0, 0.5, 0.9, 0.3))
    assert stopper.stopped_epoch == 2
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_without_restore_keeps_last_weights():
    model = _fit([callbacks.EarlyStopping(patience=1)], _losses(1.0, 0.5, 0.9))
    np.testing.assert_array_equal(model.weights[0], [2.0, 2.0])


def test_early_stopping_min_delta():
    stopper = callbacks.EarlyStopping(patience=1, min_delta=0.1)
    _fit([stopper], _losses(1.0, 0.95, 0.5))
    assert stopper.stopped_epoch == 1


def test_early_stopping_max_mode_for_accuracy():
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    _fit([stopper], _losses(0.5, 0.7, 0.6, 0.9, key="val_accuracy"))
    assert stopper.stopped_epoch == 2
    assert stopper.best == 0.7


def test_early_stopping_baseline():
    stopper = callbacks.EarlyStopping(patience=2, baseline=0.1)
    _fit([stopper], _losses(1.0, 0.9, 0.8, 0.7))
    assert stopper.stopped_epoch == 1


def test_early_stopping_start_from_epoch():
    stopper = callbacks.EarlyStopping(patience=1, start_from_epoch=3)
    _fit([stopper], _losses(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))
    assert stopper.stopped_epoch == 4


def test_early_stopping_missing_key_warns():
    stopper = callbacks.EarlyStopping(patience=0)
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not in the logs; "
                                            "available keys: loss"):
        model = _fit([stopper], _losses(1.0, 2.0, key="loss"))
    assert not model.stop_training


def test_reduce_lr_on_plateau():
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.02)
    logs = _losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    model = _fit([reducer], logs)
    # Epochs 2, 4 and 6 end a plateau: 0.1 -> 0.05 -> 0.025 -> 0.02 (min_lr).
    assert model.optimizer.learning_rate == pytest.approx(0.02)


def test_reduce_lr_cooldown_and_log_key():
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    history = callbacks.History()
    model = _fit([reducer, history], _losses(1.0, 1.0, 1.0, 1.0, 1.0))
    # Reduced at epoch 1, cooldown through epochs 2 and 3, reduced at 4.
    logged = history.history["learning_rate"]
    assert logged == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.05])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_reduce_lr_keeps_rate_while_improving():
    model = _fit([callbacks.ReduceLROnPlateau(patience=0)], _losses(1.0, 0.9, 0.8))
    assert model.optimizer.learning_rate == 0.1


def test_reduce_lr_rejects_schedule():
    model = FakeModel()
    model.optimizer.learning_rate = lambda step: 0.1
    with pytest.raises(InvalidArgumentError, match="learning_rate must be a number"):
        _fit([callbacks.ReduceLROnPlateau()], _losses(1.0), model=model)


def test_learning_rate_scheduler_two_argument_and_one_argument():
    seen = []
    model = _fit([callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)],
                 _losses(1.0, 1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.0125)
    scheduler = callbacks.LearningRateScheduler(lambda epoch: seen.append(epoch)
                                                or 0.1 / (epoch + 1))
    model = _fit([scheduler], _losses(1.0, 1.0, 1.0))
    assert seen == [0, 1, 2]
    assert model.optimizer.learning_rate == pytest.approx(0.1 / 3)


def test_learning_rate_scheduler_rejects_bad_rate():
    match = "learning rate returned by schedule must be > 0, got -1.0"
    with pytest.raises(InvalidArgumentError, match=match):
        _fit([callbacks.LearningRateScheduler(lambda epoch, lr: -1.0)], _losses(1.0))


def test_model_checkpoint_every_epoch_file_names(tmp_path):
    pattern = str(tmp_path / "model-{epoch:02d}-{val_loss:.4f}.npz")
    checkpoint = callbacks.ModelCheckpoint(pattern)
    model = _fit([checkpoint], _losses(0.5, 0.25))
    assert model.saved == [("model", str(tmp_path / "model-01-0.5000.npz")),
                           ("model", str(tmp_path / "model-02-0.2500.npz"))]
    assert checkpoint.saved_paths == [path for _, path in model.saved]


def test_model_checkpoint_best_only_weights(tmp_path):
    pattern = str(tmp_path / "w-{epoch}.npz")
    checkpoint = callbacks.ModelCheckpoint(pattern, save_best_only=True,
                                           save_weights_only=True)
    model = _fit([checkpoint], _losses(0.5, 0.7, 0.4, 0.4))
    assert model.saved == [("weights", str(tmp_path / "w-1.npz")),
                           ("weights", str(tmp_path / "w-3.npz"))]


def test_model_checkpoint_unknown_field():
    checkpoint = callbacks.ModelCheckpoint("m-{val_acc:.2f}.npz")
    match = "names 'val_acc', which is not a log key; available: epoch, val_loss"
    with pytest.raises(InvalidArgumentError, match=match):
        _fit([checkpoint], _losses(0.5))


def test_terminate_on_nan_stops_with_warning():
    model = FakeModel()
    runner = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    runner.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    with pytest.warns(RuntimeWarning, match="batch 1: loss is nan"):
        runner.on_train_batch_end(1, {"loss": math.nan})
    assert model.stop_training


def test_terminate_on_nan_raise_error_on_inf():
    model = FakeModel()
    callback = callbacks.TerminateOnNaN(raise_error=True)
    callback.set_model(model)
    with pytest.raises(DivergenceError, match="batch 4: loss is inf"):
        callback.on_train_batch_end(4, {"loss": math.inf})
    assert model.stop_training


def test_csv_logger_content(tmp_path):
    path = tmp_path / "log.csv"
    _fit([callbacks.CSVLogger(path)], [{"loss": 1.5, "accuracy": 0.25},
                                       {"loss": 0.5, "accuracy": 0.75}])
    rows = list(csv.reader(path.open()))
    assert rows == [["epoch", "accuracy", "loss"], ["0", "0.25", "1.5"],
                    ["1", "0.75", "0.5"]]


def test_csv_logger_append_and_separator(tmp_path):
    path = tmp_path / "log.tsv"
    _fit([callbacks.CSVLogger(path, separator="\t")], [{"loss": 1.0}])
    _fit([callbacks.CSVLogger(path, separator="\t", append=True)],
         [{"loss": 2.0}, {"val_loss": 3.0}])
    lines = path.read_text().splitlines()
    assert lines == ["epoch\tloss", "0\t1.0", "0\t2.0", "1\tNA"]


def test_csv_logger_overwrites_without_append(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old\n")
    _fit([callbacks.CSVLogger(path)], [{"loss": 1.0}])
    assert path.read_text().splitlines() == ["epoch,loss", "0,1.0"]


def test_progress_bar_plain_lines_off_terminal(capsys):
    _fit([callbacks.ProgressBar(verbose=1)], [{"loss": 0.5, "accuracy": 0.25},
                                             {"loss": 0.25, "accuracy": 0.5}])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - 3 steps - ")
    assert lines[0].endswith(" - loss: 0.5000 - accuracy: 0.2500")
    assert lines[1].startswith("Epoch 2/2 - 3 steps - ")


def test_progress_bar_verbose_zero_is_silent(capsys):
    _fit([callbacks.ProgressBar(verbose=0)], [{"loss": 0.5}])
    assert capsys.readouterr().out == ""


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_terminal_draws_bar():
    stream = FakeTerminal()
    bar = callbacks.ProgressBar(verbose=1, stream=stream, width=10)
    bar.refresh_interval = 0.0
    _fit([bar], [{"loss": 0.5}], steps=4)
    text = stream.getvalue()
    assert text.startswith("Epoch 1/1\n")
    assert "\r1/4 [=>........] ETA " in text
    assert "\r4/4 [==========] ETA " in text
    assert text.endswith(" - loss: 0.5000\x1b[K\n")
    assert "\r4/4 - " in text


def test_progress_bar_verbose_two_ignores_terminal():
    stream = FakeTerminal()
    _fit([callbacks.ProgressBar(verbose=2, stream=stream)], [{"loss": 0.5}])
    assert stream.getvalue().startswith("Epoch 1/1 - 3 steps - ")
    assert "\r" not in stream.getvalue()


@pytest.mark.parametrize("callback", [
    callbacks.History(), callbacks.EarlyStopping(monitor="loss", patience=3, mode="min",
                                                 restore_best_weights=True),
    callbacks.ModelCheckpoint("m-{epoch}.npz", save_best_only=True),
    callbacks.ReduceLROnPlateau(factor=0.2, cooldown=1), callbacks.TerminateOnNaN(),
    callbacks.ProgressBar(verbose=2), callbacks.CSVLogger("x.csv", append=True)],
    ids=repr)
def test_config_round_trip(callback):
    rebuilt = type(callback).from_config(callback.get_config())
    assert rebuilt.get_config() == callback.get_config()
    assert callbacks.get(callbacks.serialize(callback)).get_config() == \
        callback.get_config()


def test_learning_rate_scheduler_config_keeps_function():
    def schedule(epoch):
        return 0.1

    callback = callbacks.LearningRateScheduler(schedule)
    assert callbacks.LearningRateScheduler.from_config(
        callback.get_config()).schedule is schedule


def test_get_by_name():
    assert type(callbacks.get("early_stopping")) is callbacks.EarlyStopping
    assert type(callbacks.get("history")) is callbacks.History


def test_callback_list_rejects_non_callback():
    with pytest.raises(InvalidArgumentError, match="must be Callback objects"):
        callbacks.CallbackList([print])


@pytest.mark.parametrize("build, match", [
    (lambda: callbacks.EarlyStopping(mode="lowest"),
     r"mode must be one of 'auto', 'min', 'max', got 'lowest'"),
    (lambda: callbacks.EarlyStopping(patience=-1), r"patience must be >= 0, got -1"),
    (lambda: callbacks.ReduceLROnPlateau(factor=1.0),
     r"factor must be in \(0, 1\), got 1.0"),
    (lambda: callbacks.ReduceLROnPlateau(min_lr=-1), r"min_lr must be >= 0, got -1.0"),
    (lambda: callbacks.LearningRateScheduler(0.1), r"schedule must be callable"),
    (lambda: callbacks.CSVLogger("x", separator=";;"),
     r"separator must be a single character, got ';;'"),
    (lambda: callbacks.ProgressBar(verbose=3), r"verbose must be <= 2, got 3"),
    (lambda: callbacks.get("CSVLogger"), r"callback CSVLogger has required arguments"),
    (lambda: callbacks.get("tensorboard"), r"unknown callback 'tensorboard'"),
])
def test_bad_arguments_raise(build, match):
    with pytest.raises(InvalidArgumentError, match=match):
        build()
