"""Sequential: a stack of dense layers trained by backpropagation.

Each minibatch is one C call that runs forward, loss, backward and the
optimizer update for the whole stack (see pybp._plan). Python handles
configuration, epochs, shuffling order, callbacks and progress.
"""

import threading
import time

import numpy as np

from pybp import (
    _data,
    callbacks as callbacks_module,
    errors,
    layers as layers_module,
    losses,
    metrics as metrics_module,
    optimizers,
    schedules,
)
from pybp._native import lib
from pybp._plan import LayerSpec, PredictPlan, TrainPlan
from pybp.layers import Dense, Dropout, Input

_DTYPES = {"float32": np.float32, "float64": np.float64}


def _constraint_code(constraint):
    """Return (C constraint code, its parameters) for a constraint object."""
    if constraint is None:
        return (lib.PYBP_CON_NONE, ())
    if constraint.code == lib.PYBP_CON_MAX_NORM:
        return (constraint.code, (float(constraint.max_value),))
    if constraint.code == lib.PYBP_CON_MIN_MAX_NORM:
        return (constraint.code, (float(constraint.min_value),
                                  float(constraint.max_value), float(constraint.rate)))
    return (constraint.code, ())


def _wants_batch_hooks(callback_list):
    """Return True if a callback other than the progress bar overrides a
    per-batch training hook, so it must run after every batch."""
    base = callbacks_module.Callback
    for cb in callback_list:
        if isinstance(cb, callbacks_module.ProgressBar):
            continue
        for hook in ("on_train_batch_begin", "on_train_batch_end"):
            if getattr(type(cb), hook) is not getattr(base, hook):
                return True
    return False


def _shows_batch_progress(callback):
    return (isinstance(callback, callbacks_module.ProgressBar)
            and callback.draws_batches())


class _EpochRun:
    """The batches of one epoch, run in as few C calls as the callbacks allow.

    Without per-batch callbacks the epoch is one call. A progress bar on a
    terminal gets a redraw after chunks of about PROGRESS_SECONDS of work.
    Callbacks with batch hooks get one call per batch.
    """

    PROGRESS_SECONDS = 0.1

    def __init__(self, model, plan, x, y, sw, order, batch_size, losses, outputs,
                 cbs, epoch):
        self.model, self.plan = model, plan
        self.x, self.y, self.sw, self.order = x, y, sw, order
        self.batch_size = batch_size
        self.steps = -(-order.shape[0] // batch_size)
        self.losses, self.outputs = losses, outputs
        self.cbs, self.epoch = cbs, epoch

    def mean_loss(self, done):
        """Return the mean loss of the first `done` batches, weighted by rows."""
        sizes = np.minimum(self.batch_size,
                           self.order.shape[0] - np.arange(done) * self.batch_size)
        return float(np.dot(self.losses[:done], sizes) / max(int(sizes.sum()), 1))

    def run(self, exact_batches, progress):
        """Return (finished without a non-finite loss, batches done)."""
        b = 0
        chunk = 1 if (exact_batches or progress) else self.steps
        while b < self.steps:
            chunk = min(chunk, self.steps - b)
            if exact_batches:
                self.cbs.on_train_batch_begin(b)
            started = time.perf_counter()
            rc, done = self._call(b, chunk)
            if rc == lib.PYBP_ERR_NONFINITE:
                finished = self.model._handle_nonfinite(
                    self.cbs, self.epoch, b + done, self.losses[b + done])
                return finished, b + done
            b += chunk
            if exact_batches or progress:
                self.cbs.on_train_batch_end(b - 1, self._running_logs(b))
                if self.model.stop_training:
                    return True, b
            if progress and not exact_batches:
                per_batch = (time.perf_counter() - started) / chunk
                chunk = max(1, int(self.PROGRESS_SECONDS / max(per_batch, 1e-9)))
        return True, b

    def _call(self, b, chunk):
        """Run batches b .. b + chunk - 1 in one C call; update metrics."""
        opt = self.model.optimizer
        first = b * self.batch_size
        last = min(self.order.shape[0], (b + chunk) * self.batch_size)
        rows = self.order[first:last]
        lr = None
        if isinstance(opt.learning_rate, schedules.LearningRateSchedule):
            lr = np.array([opt.learning_rate(opt.iterations + i) for i in range(chunk)],
                          dtype=np.float64)
        else:
            self.plan.set_learning_rate(opt.current_learning_rate())
        outputs = None if self.outputs is None else self.outputs[first:last]
        rc, done = self.plan.train_epoch(self.x, self.y, self.sw, rows,
                                         self.batch_size, lr, self.losses[b:],
                                         outputs)
        opt.iterations = self.plan.step
        if outputs is not None and done:
            good = rows[:min(rows.shape[0], done * self.batch_size)]
            weights = None if self.sw is None else self.sw[good]
            for metric in self.model.metrics:
                metric.update_state(self.y[good], outputs[:good.shape[0]],
                                    sample_weight=weights)
        return rc, done

    def _running_logs(self, done):
        logs = {"loss": self.mean_loss(done)}
        for metric in self.model.metrics:
            logs[metric.name] = float(metric.result())
        return logs


class Sequential:
    """A linear stack of Dense (and Dropout) layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Input, Dense and Dropout layers, first to last.
    dtype : {'float32', 'float64'}
        Dtype of weights and computations. Input of another dtype is
        converted once per call.
    seed : int, optional
        Seeds weight initialization, shuffling and dropout masks. The same
        seed gives bitwise the same weights, history and predictions, for
        any thread count.
    """

    def __init__(self, layers=None, dtype="float32", seed=None, name="sequential"):
        if str(dtype) not in _DTYPES:
            raise errors.InvalidArgumentError(
                f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        if seed is not None and (isinstance(seed, bool) or
                                 not isinstance(seed, (int, np.integer)) or seed < 0):
            raise errors.InvalidArgumentError(
                f"seed must be a non-negative integer or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.name = name
        self.layers = []
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self.metadata = {}
        self.history = None
        self.stop_training = False
        self._opt_state = None
        self._train_plan = None
        self._predict_plan = None
        self._fit_lock = threading.Lock()
        entropy = self.seed if self.seed is not None else np.random.SeedSequence().entropy
        self._seed_sequence = np.random.SeedSequence(entropy)
        init_seq, shuffle_seq, dropout_seq = self._seed_sequence.spawn(3)
        self._init_rng = np.random.default_rng(init_seq)
        self._shuffle_rng = np.random.default_rng(shuffle_seq)
        self._dropout_seed = int(dropout_seq.generate_state(1, np.uint64)[0])
        for layer in layers or ():
            self.add(layer)

    # ---- pickling ----

    def __getstate__(self):
        # Plans hold cffi pointers and the lock cannot be pickled; both are
        # rebuilt on demand, so a copy or an unpickled model trains on.
        state = dict(self.__dict__)
        state["_train_plan"] = None
        state["_predict_plan"] = None
        del state["_fit_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._fit_lock = threading.Lock()

    # ---- structure ----

    def add(self, layer):
        """Append a layer to the stack."""
        if not isinstance(layer, (Input, Dense, Dropout)):
            raise errors.InvalidArgumentError(
                f"Sequential takes Input, Dense and Dropout layers, got "
                f"{type(layer).__name__}")
        if isinstance(layer, Input) and self.layers:
            raise errors.InvalidArgumentError("Input must be the first layer")
        if isinstance(layer, Dropout) and not any(
                isinstance(x, Dense) for x in self.layers):
            raise errors.InvalidArgumentError(
                "Dropout must follow a Dense layer; dropout on the inputs is not "
                "supported")
        if self.built:
            raise errors.InvalidArgumentError("cannot add layers to a built model")
        self.layers.append(layer)
        self._invalidate()

    @property
    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def built(self):
        dense = self.dense_layers
        return bool(dense) and dense[0].built

    @property
    def input_dim(self):
        if self.built:
            return self.dense_layers[0].input_dim
        if self.layers and isinstance(self.layers[0], Input):
            return self.layers[0].shape[0]
        first = self.layers[0] if self.layers else None
        return getattr(first, "declared_input_dim", None)

    @property
    def output_dim(self):
        dense = self.dense_layers
        return dense[-1].units if dense else None

    def build(self, input_dim=None):
        """Create the weights for input_dim features.

        input_dim may also be a Keras input shape, ``(None, features)`` or
        ``(features,)``.
        """
        if self.built:
            return
        if isinstance(input_dim, (tuple, list)):
            shape = tuple(input_dim)
            if shape[:1] == (None,):
                shape = shape[1:]
            if len(shape) != 1:
                raise errors.ShapeError(
                    f"input shape must be (None, features) or (features,), got "
                    f"{tuple(input_dim)}")
            input_dim = shape[0]
        if input_dim is None:
            input_dim = self.input_dim
        if input_dim is None:
            raise errors.NotFittedError(
                "the input size is unknown: call build(input_dim), add an Input "
                "layer, or call fit")
        if not self.dense_layers:
            raise errors.InvalidArgumentError("the model has no Dense layer")
        n = _data.check_positive_int("input_dim", input_dim)
        for layer in self.dense_layers:
            layer.build(n, self.dtype, self._init_rng)
            n = layer.units
        if self.optimizer is not None:
            self._init_optimizer_state()

    def _invalidate(self):
        self._train_plan = None
        self._predict_plan = None

    # ---- compile ----

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics reported by fit."""
        if loss is None:
            raise errors.InvalidArgumentError(
                "loss is required, for example loss='mse' or "
                "loss='sparse_categorical_crossentropy'")
        if not self.dense_layers:
            raise errors.InvalidArgumentError("the model has no Dense layer")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._check_output_matches_loss()
        self.metrics = [metrics_module.get(m) for m in (metrics or ())]
        self._opt_state = None
        if self.built:
            self._init_optimizer_state()
        self._invalidate()

    def _check_output_matches_loss(self):
        last = self.dense_layers[-1].activation.name
        expected = self.loss.expects_activation
        if self.loss.code == lib.PYBP_LOSS_CCE_LOGITS and self.output_dim == 1:
            raise errors.InvalidArgumentError(
                f"loss {self.loss.name!r} needs at least 2 output units, got 1: "
                "a softmax over one unit is always 1. Use Dense(1, "
                "activation='sigmoid') with 'binary_crossentropy' for two classes")
        if expected is None:
            return
        linear = ("linear",)
        if expected == "linear" and last not in linear:
            raise errors.InvalidArgumentError(
                f"loss {self.loss.name!r} has from_logits=True, so the last layer "
                f"must be linear, but it ends in {last!r}; remove the activation "
                "or use from_logits=False")
        if expected != "linear" and last != expected:
            raise errors.InvalidArgumentError(
                f"loss {self.loss.name!r} expects probabilities from a last layer "
                f"with activation {expected!r}, but it ends in {last!r}; use "
                f"activation={expected!r}, or from_logits=True with a linear layer")

    @property
    def _fused_output(self):
        expected = self.loss.expects_activation
        return expected is not None and expected != "linear"

    @property
    def _probability_targets(self):
        # The cross-entropies take targets in [0, 1]; C codes 3 and 4.
        return self.loss.code in (losses.BCE_LOGITS, losses.CCE_LOGITS)

    @property
    def _sparse(self):
        return bool(getattr(self.loss, "sparse", False))

    def _init_optimizer_state(self):
        state = []
        for layer in self.dense_layers:
            kernel = self.optimizer.init_state(layer.kernel)
            bias = None if layer.bias is None else self.optimizer.init_state(layer.bias)
            state.append((kernel, bias))
        self._opt_state = state

    def _require_compiled(self, what):
        if self.optimizer is None or self.loss is None:
            raise errors.NotFittedError(f"call compile(...) before {what}")

    # ---- plans ----

    def _layer_specs(self, training):
        specs = []
        dense_index = -1
        for layer in self.layers:
            if isinstance(layer, Dense):
                dense_index += 1
                act = layer.activation
                spec = LayerSpec(layer.kernel, layer.bias, act.code, act.alpha,
                                 needs_preactivation=act.needs_preactivation)
                if training:
                    names = self.optimizer.state_names
                    kernel_state, bias_state = self._opt_state[dense_index]
                    spec.kernel_state = [kernel_state[n] for n in names]
                    if bias_state is not None:
                        spec.bias_state = [bias_state[n] for n in names]
                    for attr, reg in (("kernel", layer.kernel_regularizer),
                                      ("bias", layer.bias_regularizer)):
                        if reg is not None:
                            setattr(spec, f"{attr}_l1", float(reg.l1))
                            setattr(spec, f"{attr}_l2", float(reg.l2))
                    spec.kernel_constraint = _constraint_code(layer.kernel_constraint)
                    spec.bias_constraint = _constraint_code(layer.bias_constraint)
                specs.append(spec)
            elif isinstance(layer, Dropout) and training:
                # Two dropouts in a row keep a unit with the product of keeps.
                spec = specs[-1]
                spec.dropout = 1.0 - (1.0 - spec.dropout) * (1.0 - layer.rate)
        return specs

    def _get_predict_plan(self):
        if self._predict_plan is None:
            self._predict_plan = PredictPlan(self._layer_specs(False), self.dtype)
        return self._predict_plan

    def _get_train_plan(self, batch_size):
        plan = self._train_plan
        if plan is not None and plan.max_batch >= batch_size:
            self._sync_optimizer(plan)
            return plan
        step = plan.step if plan is not None else self.optimizer.iterations
        n_targets = 1 if self._sparse else self.output_dim
        plan = TrainPlan(self._layer_specs(True), self.dtype, batch_size, n_targets,
                         self._sparse, self.loss.code, float(self.loss.param),
                         self._fused_output, self._dropout_seed)
        plan.step = step
        self._train_plan = plan
        self._sync_optimizer(plan)
        return plan

    def _sync_optimizer(self, plan):
        opt = self.optimizer
        plan.step = opt.iterations
        plan.set_optimizer(
            opt.kind, opt.current_learning_rate(),
            beta1=float(getattr(opt, "beta_1", 0.9)),
            beta2=float(getattr(opt, "beta_2", 0.999)),
            eps=float(getattr(opt, "epsilon", 1e-7)),
            momentum=float(getattr(opt, "momentum", 0.0)),
            rho=float(getattr(opt, "rho", 0.9)),
            weight_decay=float(getattr(opt, "weight_decay", 0.0) or 0.0),
            nesterov=bool(getattr(opt, "nesterov", False)),
            clipvalue=opt.clipvalue, clipnorm=opt.clipnorm)

    # ---- data ----

    def _prepare(self, x, y, sample_weight=None, class_weight=None):
        """Check and convert x, y and weights; build the model if needed."""
        x = _data.as_features(x, self.dtype, self.input_dim)
        if not self.built:
            self.build(x.shape[1])
        n = x.shape[0]
        if self._sparse:
            y = _data.as_labels(y, n, self.output_dim)
        else:
            y = _data.as_targets(y, n, self.output_dim, self.dtype,
                                 probabilities=self._probability_targets)
        sw = _data.as_sample_weight(sample_weight, n, self.dtype)
        if class_weight is not None:
            classes = self._classes_of(y)
            cw = _data.class_weight_to_sample_weight(class_weight, classes, self.dtype)
            sw = cw if sw is None else np.ascontiguousarray(sw * cw)
        return x, y, sw

    def _classes_of(self, y):
        if self._sparse:
            return y[:, 0]
        if y.shape[1] == 1:
            return np.round(y[:, 0]).astype(np.int64)
        return np.argmax(y, axis=1)

    # ---- training ----

    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True,
            class_weight=None, sample_weight=None, initial_epoch=0):
        """Train for a number of epochs and return a History.

        Arguments follow Keras' ``Model.fit``. With validation_split the last
        fraction of the rows (before shuffling) is held out.
        """
        self._require_compiled("fit")
        if not self._fit_lock.acquire(blocking=False):
            raise errors.PybpError(
                "fit is already running on this model in another thread; train "
                "a copy of the model instead")
        try:
            return self._fit(x, y, batch_size, epochs, verbose, callbacks,
                             validation_split, validation_data, shuffle,
                             class_weight, sample_weight, initial_epoch)
        finally:
            self._fit_lock.release()

    def _fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
             validation_data, shuffle, class_weight, sample_weight, initial_epoch):
        batch_size = _data.check_positive_int("batch_size", batch_size)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) \
                or epochs < 0:
            raise errors.InvalidArgumentError(
                f"epochs must be an integer >= 0, got {epochs!r}")
        if not isinstance(validation_split, (int, float)) or \
                not 0.0 <= validation_split < 1.0:
            raise errors.InvalidArgumentError(
                f"validation_split must be in [0, 1), got {validation_split!r}")
        x, y, sw = self._prepare(x, y, sample_weight, class_weight)
        val = None
        if validation_data is not None:
            val = self._validation_tuple(validation_data)
        elif validation_split > 0:
            n_val = int(x.shape[0] * validation_split)
            if n_val < 1 or n_val >= x.shape[0]:
                raise errors.InvalidArgumentError(
                    f"validation_split={validation_split} leaves {n_val} validation "
                    f"rows of {x.shape[0]}; use a split that keeps both sides "
                    "non-empty")
            cut = x.shape[0] - n_val
            val = (x[cut:], y[cut:], None if sw is None else sw[cut:])
            x, y = x[:cut], y[:cut]
            sw = None if sw is None else sw[:cut]
        n = x.shape[0]
        batch_size = min(batch_size, n)
        steps = -(-n // batch_size)
        plan = self._get_train_plan(batch_size)

        # History and the progress bar go last so they see the keys that
        # other callbacks add to the logs.
        self.history = callbacks_module.History()
        if isinstance(callbacks, callbacks_module.Callback):
            callbacks = [callbacks]
        cb_list = list(callbacks or ())
        cb_list.append(self.history)
        if verbose:
            cb_list.append(callbacks_module.ProgressBar(verbose=verbose))
        cbs = callbacks_module.CallbackList(cb_list, model=self)
        cbs.set_params({"epochs": epochs, "steps": steps, "verbose": verbose,
                        "batch_size": batch_size, "samples": n})
        exact_batches = _wants_batch_hooks(cb_list)
        progress = any(_shows_batch_progress(cb) for cb in cb_list)
        self.stop_training = False
        cbs.on_train_begin()
        losses_buf = np.empty(steps, np.float64)
        outputs = np.empty((n, self.output_dim), self.dtype) if self.metrics else None
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            order = (self._shuffle_rng.permutation(n) if shuffle
                     else np.arange(n)).astype(np.int64)
            for metric in self.metrics:
                metric.reset_state()
            run = _EpochRun(self, plan, x, y, sw, order, batch_size, losses_buf,
                            outputs, cbs, epoch)
            ok, done = run.run(exact_batches, progress)
            logs = {"loss": run.mean_loss(done)}
            if not ok:
                logs["loss"] = float("nan")
            for metric in self.metrics:
                logs[metric.name] = float(metric.result())
            if val is not None and ok:
                for key, value in self._evaluate_arrays(*val).items():
                    logs["val_" + key] = value
            logs["learning_rate"] = float(self.optimizer.current_learning_rate())
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training or not ok:
                break
        cbs.on_train_end()
        return self.history

    def _validation_tuple(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or \
                len(validation_data) not in (2, 3):
            raise errors.InvalidArgumentError(
                "validation_data must be a tuple (x_val, y_val) or "
                "(x_val, y_val, sample_weight_val)")
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        vx = _data.as_features(vx, self.dtype, self.input_dim, name="x_val")
        if self._sparse:
            vy = _data.as_labels(vy, vx.shape[0], self.output_dim, name="y_val")
        else:
            vy = _data.as_targets(vy, vx.shape[0], self.output_dim, self.dtype,
                                  name="y_val", probabilities=self._probability_targets)
        vsw = _data.as_sample_weight(vsw, vx.shape[0], self.dtype, "sample_weight_val")
        return vx, vy, vsw

    def _diverged(self, epoch, batch, loss):
        # A finite loss means the step was refused because its update would
        # have made a weight or an optimizer state NaN or infinite.
        cause = (f"the update would have made a weight or optimizer state NaN or "
                 f"infinite (loss {loss})" if np.isfinite(loss)
                 else f"the training loss became {loss}")
        return errors.DivergenceError(
            f"{cause} at epoch {epoch + 1}, batch {batch + 1}; training stopped "
            "and the weights are from before that step. Lower the learning rate, "
            "scale the inputs, or check the data for extreme values")

    def _handle_nonfinite(self, cbs, epoch, batch, loss):
        """Let callbacks see a non-finite loss; raise unless one stops training.

        A step refused for its update reports its finite loss here, but the
        callbacks see NaN: the step has no result.
        """
        reported = float("nan") if np.isfinite(loss) else float(loss)
        cbs.on_train_batch_end(batch, {"loss": reported})
        if self.stop_training:
            return False
        raise self._diverged(epoch, batch, loss)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None,
                       return_dict=False):
        """Run one training step on one batch; return its loss and metrics."""
        self._require_compiled("train_on_batch")
        if not self._fit_lock.acquire(blocking=False):
            raise errors.PybpError("fit is already running on this model")
        try:
            x, y, sw = self._prepare(x, y, sample_weight, class_weight)
            plan = self._get_train_plan(x.shape[0])
            plan.set_learning_rate(self.optimizer.current_learning_rate())
            rc, loss, penalty = plan.train_step(x, y, sw)
            self.optimizer.iterations = plan.step
            if rc == lib.PYBP_ERR_NONFINITE:
                raise self._diverged(0, 0, loss + penalty)
            logs = {"loss": float(loss + penalty)}
            for metric in self.metrics:
                metric.reset_state()
                metric.update_state(y, plan.output[:x.shape[0]], sample_weight=sw)
                logs[metric.name] = float(metric.result())
        finally:
            self._fit_lock.release()
        return self._format_logs(logs, return_dict)

    def _format_logs(self, logs, return_dict):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ---- inference ----

    def predict(self, x, batch_size=None, verbose=0):
        """Return the network's outputs for x (probabilities for classifiers).

        An unbuilt model is built for x's features first, as Keras does.
        """
        plan = self._predict_plan
        # Fast path for the common small call: an array that needs no
        # conversion, so only the NaN check remains before the C call.
        if (plan is not None and batch_size is None and type(x) is np.ndarray
                and x.dtype == self.dtype and x.ndim == 2 and x.shape[0] > 0
                and x.shape[1] == plan.n_in and x.flags.c_contiguous):
            _data.check_finite(x, "x")
            return plan.predict(x, np.empty((x.shape[0], plan.n_out), self.dtype))
        x = _data.as_features(x, self.dtype, self.input_dim)
        self.build(x.shape[1])
        return self._forward(x, batch_size, logits=False)

    def _forward(self, x, batch_size=None, logits=False):
        plan = self._get_predict_plan()
        out = np.empty((x.shape[0], self.output_dim), self.dtype)
        if batch_size is None:
            return plan.predict(x, out, logits)
        batch_size = _data.check_positive_int("batch_size", batch_size)
        for start in range(0, x.shape[0], batch_size):
            stop = min(start + batch_size, x.shape[0])
            plan.predict(x[start:stop], out[start:stop], logits)
        return out

    def evaluate(self, x, y, batch_size=None, verbose=0, sample_weight=None,
                 return_dict=False):
        """Return the loss (with regularization penalty) and metrics on x, y."""
        self._require_compiled("evaluate")
        if not self.built:
            raise errors.NotFittedError("the model has no weights yet: call fit or build")
        x, y, sw = self._prepare(x, y, sample_weight)
        logs = self._evaluate_arrays(x, y, sw, batch_size)
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y, sample_weight=None, return_dict=False):
        """Return the loss and metrics on one batch, without training."""
        return self.evaluate(x, y, sample_weight=sample_weight, return_dict=return_dict)

    def _evaluate_arrays(self, x, y, sw, batch_size=None):
        from pybp import ops

        raw = self._forward(x, batch_size, logits=self.loss.expects_activation is not None)
        # A loss object's name is its pybp.ops name; the cross-entropies there
        # take logits, which is what raw contains for them.
        target = y[:, 0] if self._sparse else y
        value, _ = ops.loss(self.loss.name, target, raw, sample_weight=sw,
                            delta=float(self.loss.param) or 1.0)
        logs = {"loss": float(value) + self.penalty()}
        if self.metrics:
            probs = raw
            if self._fused_output:
                last = self.dense_layers[-1].activation
                probs = ops.activation(last.name, raw, alpha=last.alpha or None)
            for metric in self.metrics:
                metric.reset_state()
                metric.update_state(y, probs, sample_weight=sw)
                logs[metric.name] = float(metric.result())
        return logs

    def penalty(self):
        """Return the sum of all regularization penalties on the weights."""
        return float(sum(layer.penalty() for layer in self.dense_layers))

    # ---- weights ----

    def get_weights(self):
        """Return copies of all weights: kernel, bias for each Dense layer."""
        return [w.copy() for layer in self.dense_layers for w in layer.weights]

    def set_weights(self, weights):
        """Copy weights (in get_weights order) into the model, in place."""
        own = [w for layer in self.dense_layers for w in layer.weights]
        if not self.built:
            raise errors.NotFittedError("build the model before set_weights")
        weights = list(weights)
        if len(weights) != len(own):
            raise errors.ShapeError(
                f"set_weights expects {len(own)} arrays, got {len(weights)}")
        for i, (dst, src) in enumerate(zip(own, weights)):
            src = np.asarray(src)
            if src.shape != dst.shape:
                raise errors.ShapeError(
                    f"weights[{i}] must have shape {dst.shape}, got {src.shape}")
            if src.dtype.kind == "f":
                _data.check_finite(src.reshape(src.shape[0], -1), f"weights[{i}]")
        for dst, src in zip(own, weights):
            np.copyto(dst, np.asarray(src), casting="same_kind")

    def count_params(self):
        """Return the number of weights, computed from the input size if unbuilt."""
        if self.built:
            return int(sum(layer.count_params() for layer in self.dense_layers))
        n = self.input_dim
        if n is None:
            raise errors.NotFittedError(
                "the input size is unknown, so the parameter count is too: call "
                "build(input_dim), add an Input layer, or call fit")
        total = 0
        for layer in self.dense_layers:
            total += n * layer.units + (layer.units if layer.use_bias else 0)
            n = layer.units
        return total

    def summary(self, print_fn=print):
        """Print a table of layers, output shapes and parameter counts."""
        rows = [("Layer (type)", "Output shape", "Params")]
        n = self.input_dim
        for layer in self.layers:
            if isinstance(layer, Input):
                continue
            params = "0"
            if isinstance(layer, Dense):
                params = "?" if n is None else str(
                    n * layer.units + (layer.units if layer.use_bias else 0))
                n = layer.units
            rows.append((f"{layer.name} ({type(layer).__name__})", f"(None, {n})",
                         params))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "-" * (sum(widths) + 4)
        print_fn(f'Model: "{self.name}" ({self.dtype.name})')
        print_fn(line)
        for i, row in enumerate(rows):
            print_fn("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
            if i == 0:
                print_fn(line)
        print_fn(line)
        total = self.count_params() if self.input_dim is not None else "?"
        print_fn(f"Total params: {total}")

    # ---- config and files ----

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "layers": [layers_module.serialize(layer) for layer in self.layers],
        }

    @classmethod
    def from_config(cls, config):
        layer_objs = [layers_module.deserialize(c) for c in config["layers"]]
        return cls(layer_objs, dtype=config.get("dtype", "float32"),
                   seed=config.get("seed"), name=config.get("name", "sequential"))

    def save(self, path):
        """Write config, weights, optimizer state and metadata to one .npz file."""
        from pybp import io

        io.save_model(self, path)

    def save_weights(self, path):
        """Write only the weights to an .npz file (no config, no optimizer)."""
        from pybp import io

        io.save_weights(self, path)

    def load_weights(self, path):
        """Copy weights saved by save_weights (or save) into this model."""
        from pybp import io

        io.load_weights(self, path)
