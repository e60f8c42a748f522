"""Callbacks: code that a model runs at fixed points of fit and evaluate.

The model calls ``set_model(model)`` and ``set_params(params)`` once, then
the ``on_*`` hooks with a ``logs`` dict of floats ('loss', metric names,
'val_' versions at epoch end). Epochs and batches count from 0. Callbacks
use only these model attributes: ``get_weights()``, ``set_weights(w)``,
``stop_training``, ``optimizer.learning_rate``, ``save(path)``,
``save_weights(path)`` and ``history``.
"""

import csv
import math
import os
import sys
import time
import warnings

import numpy as np

from pybp._registry import Configurable, Registry, check_choice, check_int, check_real
from pybp.errors import DivergenceError, InvalidArgumentError

__all__ = ["CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LearningRateScheduler", "ModelCheckpoint", "ProgressBar",
           "ReduceLROnPlateau", "TerminateOnNaN", "deserialize", "get", "names",
           "serialize"]


class Callback(Configurable):
    """Base class: every hook does nothing until a subclass overrides it.

    Attributes
    ----------
    model : object
        The model being trained, set by ``set_model``.
    params : dict
        Facts about the run that the model passes: 'epochs', 'steps'
        (batches per epoch) and 'verbose'.
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = dict(params)

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_HOOKS = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
          "on_predict_begin", "on_predict_end")
_INDEXED_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                  "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end")


class CallbackList:
    """Run every hook on a list of callbacks in order.

    Parameters
    ----------
    callbacks : list of Callback, optional
    model : object, optional
        Passed to each callback's ``set_model``.
    params : dict, optional
        Passed to each callback's ``set_params``.
    """

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise InvalidArgumentError(
                    f"callbacks must be Callback objects, got {callback!r}")
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def __getattr__(self, hook):
        # Build a dispatcher for each hook name on first use.
        if hook in _HOOKS:
            def dispatch(logs=None):
                for callback in self.callbacks:
                    getattr(callback, hook)(logs if logs is not None else {})
        elif hook in _INDEXED_HOOKS:
            def dispatch(index, logs=None):
                for callback in self.callbacks:
                    getattr(callback, hook)(index, logs if logs is not None else {})
        else:
            raise AttributeError(hook)
        return dispatch


class History(Callback):
    """Record the logs of every epoch.

    Attributes
    ----------
    epoch : list of int
        Epoch numbers completed, from 0.
    history : dict of list of float
        For each log key, its value at every epoch.
    """

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _improvement_test(mode, monitor, min_delta):
    """Return ``improved(current, reference)`` for a monitored quantity.

    Mode 'auto' maximizes names that contain 'acc' or end in 'r2' and
    minimizes everything else.
    """
    check_choice("mode", mode, ("auto", "min", "max"))
    if mode == "auto":
        name = monitor.lower()
        mode = "max" if "acc" in name or name.endswith("r2") else "min"
    if mode == "max":
        return lambda current, reference: current - min_delta > reference
    return lambda current, reference: current + min_delta < reference


def _worst_value(improved):
    return -math.inf if improved(0.0, -math.inf) else math.inf


def _monitored(logs, monitor, callback):
    """Return ``logs[monitor]``, or warn with the available keys and return None."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(f"{callback} monitors {monitor!r}, which is not in the logs; "
                      f"available keys: {', '.join(sorted(logs or {}))}",
                      RuntimeWarning, stacklevel=3)
    return value


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        Log key to watch.
    min_delta : float
        A change of less than this does not count as an improvement.
    patience : int
        Epochs without improvement before training stops.
    mode : {'auto', 'min', 'max'}
        Whether lower or higher is better; 'auto' picks 'max' for names
        that contain 'acc' or end in 'r2'.
    baseline : float, optional
        Training stops if the quantity does not beat this within
        ``patience`` epochs, even while it improves on itself.
    restore_best_weights : bool
        When training stops early, set the weights of the best epoch. If
        training runs to the last epoch, the last weights stay.
    start_from_epoch : int
        Epochs to wait before counting epochs without improvement.

    Attributes
    ----------
    stopped_epoch : int
        Epoch at which training stopped, 0 if it did not stop early.
    best_epoch : int
        Epoch with the best monitored value.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0,
                 verbose=0):
        super().__init__()
        self.verbose = check_int("verbose", verbose, low=0, high=2)
        self.monitor = monitor
        self.min_delta = abs(check_real("min_delta", min_delta))
        self.patience = check_int("patience", patience, low=0)
        self.mode = mode
        self.baseline = None if baseline is None else check_real("baseline", baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = check_int("start_from_epoch", start_from_epoch, low=0)
        self._improved = _improvement_test(mode, monitor, self.min_delta)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = _worst_value(self._improved)
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until some epoch improves, the first weights seen are the best.
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)
            if self.verbose:
                print(f"Epoch {epoch + 1}: early stopping; best {self.monitor} "
                      f"{self.best:.6g} at epoch {self.best_epoch + 1}")

    def get_config(self):
        return {"monitor": self.monitor, "min_delta": self.min_delta,
                "patience": self.patience, "mode": self.mode,
                "baseline": self.baseline,
                "restore_best_weights": self.restore_best_weights,
                "start_from_epoch": self.start_from_epoch, "verbose": self.verbose}


class ModelCheckpoint(Callback):
    """Save the model (or its weights) at the end of epochs.

    Parameters
    ----------
    filepath : str or os.PathLike
        Path, formatted with ``str.format`` from ``epoch`` (counting from 1)
        and the epoch's logs, as in "model-{epoch:02d}-{val_loss:.4f}.npz".
    monitor, mode :
        The quantity that decides which epoch is best, as in EarlyStopping.
    save_best_only : bool
        Save only when ``monitor`` improves on the best value so far.
    save_weights_only : bool
        Call ``model.save_weights(path)`` instead of ``model.save(path)``.

    Attributes
    ----------
    saved_paths : list of str
        Paths written, in order.
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False, mode="auto",
                 save_weights_only=False, verbose=0):
        super().__init__()
        self.verbose = check_int("verbose", verbose, low=0, high=2)
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = mode
        self.save_weights_only = bool(save_weights_only)
        self._improved = _improvement_test(mode, monitor, 0.0)
        self.best = _worst_value(self._improved)
        self.saved_paths = []

    def on_train_begin(self, logs=None):
        self.best = _worst_value(self._improved)

    def format_path(self, epoch, logs):
        """Return ``filepath`` filled in for 0-based ``epoch`` and its logs."""
        try:
            return self.filepath.format(epoch=epoch + 1, **(logs or {}))
        except KeyError as exc:
            raise InvalidArgumentError(
                f"filepath {self.filepath!r} names {exc.args[0]!r}, which is not a "
                f"log key; available: epoch, {', '.join(sorted(logs or {}))}") from None

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if current is None or not self._improved(current, self.best):
                return
            self.best = current
        path = self.format_path(epoch, logs)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        self.saved_paths.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved the model to {path}")

    def get_config(self):
        return {"filepath": self.filepath, "monitor": self.monitor,
                "save_best_only": self.save_best_only, "mode": self.mode,
                "save_weights_only": self.save_weights_only, "verbose": self.verbose}


def _float_learning_rate(model):
    lr = model.optimizer.learning_rate
    if not isinstance(lr, (int, float, np.floating)):
        raise InvalidArgumentError(
            f"this callback sets the learning rate, so the optimizer's "
            f"learning_rate must be a number, got {lr!r}")
    return float(lr)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr)`` (or ``schedule(epoch)``) returns the new
        learning rate, a float > 0, from the 0-based epoch and the current
        rate.
    """

    def __init__(self, schedule):
        super().__init__()
        if not callable(schedule):
            raise InvalidArgumentError(f"schedule must be callable, got {schedule!r}")
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        lr = _float_learning_rate(self.model)
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:
            # The schedule takes only the epoch.
            new_lr = self.schedule(epoch)
        self.model.optimizer.learning_rate = check_real(
            "learning rate returned by schedule", new_lr, low=0, low_open=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _float_learning_rate(self.model)

    def get_config(self):
        # NOTE: a schedule function is not JSON data, so the config contains
        # the function object itself.
        return {"schedule": self.schedule}


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement of at least
    ``min_delta``, the rate becomes max(lr * factor, min_lr). The
    ``cooldown`` epochs after a reduction do not count toward ``patience``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, verbose=0):
        super().__init__()
        self.verbose = check_int("verbose", verbose, low=0, high=2)
        self.monitor = monitor
        self.factor = check_real("factor", factor, low=0, high=1, low_open=True,
                                 high_open=True)
        self.patience = check_int("patience", patience, low=0)
        self.mode = mode
        self.min_delta = abs(check_real("min_delta", min_delta))
        self.cooldown = check_int("cooldown", cooldown, low=0)
        self.min_lr = check_real("min_lr", min_lr, low=0)
        self._improved = _improvement_test(mode, monitor, self.min_delta)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = _worst_value(self._improved)

    def on_epoch_end(self, epoch, logs=None):
        lr = _float_learning_rate(self.model)
        if logs is not None:
            logs["learning_rate"] = lr
        current = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        improved = self._improved(current, self.best)
        if improved:
            self.best = current
            self.wait = 0
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            return
        if improved:
            return
        self.wait += 1
        if self.wait >= self.patience and lr > self.min_lr:
            self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
            self.cooldown_counter = self.cooldown
            self.wait = 0
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau set the learning rate "
                      f"to {self.model.optimizer.learning_rate:.6g}")

    def get_config(self):
        return {"monitor": self.monitor, "factor": self.factor,
                "patience": self.patience, "mode": self.mode,
                "min_delta": self.min_delta, "cooldown": self.cooldown,
                "min_lr": self.min_lr, "verbose": self.verbose}


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Parameters
    ----------
    raise_error : bool
        Raise DivergenceError instead of stopping quietly with a warning.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        message = f"batch {batch}: loss is {loss}; training stopped"
        self.model.stop_training = True
        if self.raise_error:
            raise DivergenceError(
                message + ". Lower the learning rate or check the inputs for NaN.")
        warnings.warn(message, RuntimeWarning, stacklevel=2)

    def get_config(self):
        return {"raise_error": self.raise_error}


def _format_value(value):
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _format_logs(logs):
    return " - ".join(f"{key}: {_format_value(value)}" for key, value in logs.items())


def _format_seconds(seconds):
    if seconds >= 3600:
        minutes, secs = divmod(int(seconds), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    if seconds >= 1:
        return f"{seconds:.0f}s"
    return f"{seconds * 1000:.0f}ms"


class ProgressBar(Callback):
    """Print training progress.

    On a terminal, a bar redrawn in place shows batches done, the running
    loss and metrics, and an estimate of the time left. Elsewhere (a file,
    a pipe, a notebook log) one line is printed per epoch.

    Parameters
    ----------
    verbose : int
        0 prints nothing, 1 a bar on a terminal and one line per epoch
        elsewhere, 2 one line per epoch always.
    stream : file, optional
        Where to print; default ``sys.stdout`` at the time of each print.
    width : int
        Characters in the bar.
    """

    # Seconds between two redraws of the bar.
    refresh_interval = 0.1

    def __init__(self, verbose=1, stream=None, width=30):
        super().__init__()
        self.verbose = check_int("verbose", verbose, low=0, high=2)
        self.stream = stream
        self.width = check_int("width", width, low=1)
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._batch_logs = {}

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _is_terminal(self):
        isatty = getattr(self._out(), "isatty", None)
        return bool(self.verbose == 1 and isatty is not None and isatty())

    def draws_batches(self):
        """Return True if the bar is redrawn during an epoch (on a terminal)."""
        return self._is_terminal()

    def _write(self, text):
        out = self._out()
        out.write(text)
        out.flush()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._batch_logs = {}
        if self._is_terminal():
            self._write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._batch_logs = dict(logs or {})
        if not self._is_terminal():
            return
        now = time.perf_counter()
        steps = self.params.get("steps")
        if now - self._last_draw < self.refresh_interval and batch + 1 != steps:
            return
        self._last_draw = now
        self._write("\r" + self._bar_line(batch + 1, steps, now - self._start))

    def _bar_line(self, done, steps, elapsed):
        if steps:
            filled = self.width * done // steps
            bar = "=" * filled
            if done < steps and filled:
                bar = bar[:-1] + ">"
            bar = bar.ljust(self.width, ".")
            eta = elapsed / done * (steps - done)
            head = f"{done}/{steps} [{bar}] ETA {_format_seconds(eta)}"
        else:
            head = f"{done} batches {_format_seconds(elapsed)}"
        logs = _format_logs(self._batch_logs)
        return f"{head} - {logs}" if logs else head

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 0:
            return
        elapsed = time.perf_counter() - self._start
        logs = _format_logs(logs or {})
        steps = self.params.get("steps")
        if self._is_terminal():
            done = f"{steps}/{steps}" if steps else "done"
            line = f"{done} - {_format_seconds(elapsed)}"
            self._write("\r" + (f"{line} - {logs}" if logs else line) + "\x1b[K\n")
            return
        line = f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"
        if steps:
            line += f" - {steps} steps"
        line += f" - {_format_seconds(elapsed)}"
        self._write(line + (f" - {logs}" if logs else "") + "\n")

    def get_config(self):
        return {"verbose": self.verbose, "width": self.width}


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file.

    The header is 'epoch' and the log keys of the first epoch, sorted; a
    key missing in a later epoch is written as NA. With ``append`` the file
    is extended, and a header is written only if it was empty.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise InvalidArgumentError(
                f"separator must be a single character, got {separator!r}")
        self.separator = separator
        self.append = bool(append)
        self._file = None
        self._writer = None
        self._write_header = True
        self.keys = None

    def on_train_begin(self, logs=None):
        has_rows = (self.append and os.path.exists(self.filename)
                    and os.path.getsize(self.filename) > 0)
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._write_header = not has_rows
        self._writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._writer is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys],
                                          delimiter=self.separator, restval="NA",
                                          extrasaction="ignore")
            if self._write_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **logs})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None

    def get_config(self):
        return {"filename": self.filename, "separator": self.separator,
                "append": self.append}


_registry = Registry("callback")
_registry.register(History, "history")
_registry.register(EarlyStopping, "early_stopping")
_registry.register(ReduceLROnPlateau, "reduce_lr_on_plateau")
_registry.register(TerminateOnNaN, "terminate_on_nan")
_registry.register(ProgressBar, "progress_bar")
_registry.register(ModelCheckpoint)
_registry.register(LearningRateScheduler)
_registry.register(CSVLogger)

get, serialize, deserialize, names = _registry.module_functions(Callback)
