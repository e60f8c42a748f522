"""Network plans: the C structures behind a model's training step and predict.

A plan points at arrays that Python owns (parameters, gradients, optimizer
state, workspace) and is built once per model and batch size, so a training
step allocates nothing. The arrays are kept alive by the plan object.
"""

import threading

import numpy as np

from pybp import errors
from pybp._native import check_status, ffi, lib

_DTYPE_CODES = {np.dtype(np.float32): lib.PYBP_FLOAT32,
                np.dtype(np.float64): lib.PYBP_FLOAT64}
_OPTIMIZER_CODES = {"sgd": lib.PYBP_OPT_SGD, "adam": lib.PYBP_OPT_ADAM,
                    "adamw": lib.PYBP_OPT_ADAM, "rmsprop": lib.PYBP_OPT_RMSPROP,
                    "adagrad": lib.PYBP_OPT_ADAGRAD}


def _pointer(arr, keep):
    """Return a void pointer to arr's data, keeping the buffer alive in keep."""
    if arr is None:
        return ffi.NULL
    buf = ffi.from_buffer(arr, require_writable=False)
    keep.append(buf)
    return ffi.cast("void *", buf)


class LayerSpec:
    """The arrays and settings of one dense layer (and the dropout after it)
    that a plan points at."""

    def __init__(self, kernel, bias, activation, alpha, dropout=0.0,
                 kernel_l1=0.0, kernel_l2=0.0, bias_l1=0.0, bias_l2=0.0,
                 kernel_constraint=(0, ()), bias_constraint=(0, ()),
                 kernel_state=(), bias_state=(), needs_preactivation=False):
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
        self.alpha = alpha
        self.dropout = dropout
        self.kernel_l1, self.kernel_l2 = kernel_l1, kernel_l2
        self.bias_l1, self.bias_l2 = bias_l1, bias_l2
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel_state = list(kernel_state)
        self.bias_state = list(bias_state)
        self.needs_preactivation = needs_preactivation


def _fill_layer(c_layer, spec, keep):
    c_layer.n_in, c_layer.n_out = spec.kernel.shape
    c_layer.activation = spec.activation
    c_layer.alpha = spec.alpha
    c_layer.w = _pointer(spec.kernel, keep)
    c_layer.b = _pointer(spec.bias, keep)


class PredictPlan:
    """A plan for inference only; each thread gets its own work buffers."""

    def __init__(self, specs, dtype):
        self.dtype = np.dtype(dtype)
        self.specs = specs
        self._keep = []
        self._layers = ffi.new("struct pybp_layer[]", len(specs))
        for c_layer, spec in zip(self._layers, specs):
            _fill_layer(c_layer, spec, self._keep)
        self._net = ffi.new("struct pybp_net *")
        self._net.dtype = _DTYPE_CODES[self.dtype]
        self._net.n_layers = len(specs)
        self._net.layers = self._layers
        self.n_in = specs[0].kernel.shape[0]
        self.n_out = specs[-1].kernel.shape[1]
        self.width = max(spec.kernel.shape[1] for spec in specs)
        self._local = threading.local()

    def _work(self, batch):
        """Return this thread's two work buffers, grown to hold batch rows."""
        work = getattr(self._local, "work", None)
        if work is None or work[0].shape[0] < batch * self.width:
            size = batch * self.width
            work = (np.empty(size, self.dtype), np.empty(size, self.dtype))
            self._local.work = work
            self._local.ptrs = tuple(ffi.cast("void *", ffi.from_buffer(w))
                                     for w in work)
        return self._local.ptrs

    def predict(self, x, out, logits=False):
        """Write the network's output for x (checked, C-contiguous) to out."""
        batch = x.shape[0]
        work0, work1 = self._work(batch)
        rc = lib.pybp_net_predict(self._net, batch, ffi.from_buffer(x),
                                  ffi.from_buffer(out), work0, work1, int(logits))
        check_status(rc, "predict")
        return out


class TrainPlan:
    """A plan for training steps of at most max_batch rows."""

    def __init__(self, specs, dtype, max_batch, n_targets, sparse, loss_code,
                 loss_param, fused_output, seed):
        self.dtype = np.dtype(dtype)
        self.specs = specs
        self.max_batch = max_batch
        self.sparse = sparse
        self._keep = []
        keep = self._keep
        n = len(specs)
        self._layers = ffi.new("struct pybp_layer[]", n)
        self.grads = []
        for c_layer, spec in zip(self._layers, specs):
            _fill_layer(c_layer, spec, keep)
            n_out = spec.kernel.shape[1]
            dw = np.zeros_like(spec.kernel)
            db = None if spec.bias is None else np.zeros_like(spec.bias)
            self.grads.append((dw, db))
            c_layer.dw = _pointer(dw, keep)
            c_layer.db = _pointer(db, keep)
            for i, state in enumerate(spec.kernel_state[:2]):
                setattr(c_layer, f"w_state{i}", _pointer(state, keep))
            for i, state in enumerate(spec.bias_state[:2]):
                setattr(c_layer, f"b_state{i}", _pointer(state, keep))
            c_layer.w_l1, c_layer.w_l2 = spec.kernel_l1, spec.kernel_l2
            c_layer.b_l1, c_layer.b_l2 = spec.bias_l1, spec.bias_l2
            c_layer.w_constraint, w_params = spec.kernel_constraint
            c_layer.b_constraint, b_params = spec.bias_constraint
            for i, value in enumerate(w_params):
                c_layer.w_con[i] = value
            for i, value in enumerate(b_params):
                c_layer.b_con[i] = value
            c_layer.dropout = spec.dropout
            shape = (max_batch, n_out)
            y = np.zeros(shape, self.dtype)
            c_layer.y = _pointer(y, keep)
            c_layer.dy = _pointer(np.zeros(shape, self.dtype), keep)
            if spec.needs_preactivation:
                c_layer.z = _pointer(np.zeros(shape, self.dtype), keep)
            if spec.dropout > 0:
                c_layer.mask = _pointer(np.zeros(shape, self.dtype), keep)
                c_layer.dropped = _pointer(np.zeros(shape, self.dtype), keep)
        # The last layer's outputs of the latest step (probabilities when
        # the activation is fused into the loss).
        self.output = y

        net = ffi.new("struct pybp_net *")
        net.dtype = _DTYPE_CODES[self.dtype]
        net.n_layers = n
        net.layers = self._layers
        net.max_batch = max_batch
        net.n_targets = n_targets
        net.loss = loss_code
        net.loss_param = loss_param
        net.sparse = int(sparse)
        net.fused_output = int(fused_output)
        net.seed = seed & 0xFFFFFFFFFFFFFFFF
        n_in = specs[0].kernel.shape[0]
        net.x_buf = _pointer(np.zeros((max_batch, n_in), self.dtype), keep)
        t_dtype = np.int64 if sparse else self.dtype
        net.t_buf = _pointer(np.zeros((max_batch, n_targets), t_dtype), keep)
        net.sw_buf = _pointer(np.zeros(max_batch, self.dtype), keep)
        scratch = np.zeros(max(s.kernel.shape[1] for s in specs), np.float64)
        keep.append(scratch)
        net.scratch = ffi.cast("double *", ffi.from_buffer(scratch))
        self._net = net
        self._loss = ffi.new("double *")
        self._penalty = ffi.new("double *")
        self._done = ffi.new("int64_t *")

    def set_optimizer(self, kind, lr, beta1=0.9, beta2=0.999, eps=1e-7,
                      momentum=0.0, rho=0.9, weight_decay=0.0, nesterov=False,
                      clipvalue=None, clipnorm=None):
        """Copy the optimizer's kind and hyperparameters into the plan."""
        if kind not in _OPTIMIZER_CODES:
            raise errors.InvalidArgumentError(
                f"optimizer must be one of {sorted(_OPTIMIZER_CODES)}, got {kind!r}")
        net = self._net
        net.optimizer = _OPTIMIZER_CODES[kind]
        net.lr, net.beta1, net.beta2, net.eps = lr, beta1, beta2, eps
        net.momentum, net.rho, net.weight_decay = momentum, rho, weight_decay
        net.nesterov = int(nesterov)
        net.clipvalue = clipvalue or 0.0
        net.clipnorm = clipnorm or 0.0

    @property
    def step(self):
        return self._net.step

    @step.setter
    def step(self, value):
        self._net.step = value

    def set_learning_rate(self, lr):
        self._net.lr = lr

    def train_step(self, x, target, sample_weight, index=None):
        """Run one step on rows of x (all of them when index is None).

        Returns (status, data loss, penalty); the status is PYBP_OK or
        PYBP_ERR_NONFINITE, anything else raises.
        """
        batch = x.shape[0] if index is None else index.shape[0]
        rc = lib.pybp_net_train_step(
            self._net, batch, x.shape[0], ffi.from_buffer(x),
            ffi.from_buffer(target),
            ffi.NULL if sample_weight is None else ffi.from_buffer(sample_weight),
            ffi.NULL if index is None else ffi.cast("int64_t *",
                                                    ffi.from_buffer(index)),
            self._loss, self._penalty)
        if rc != lib.PYBP_ERR_NONFINITE:
            check_status(rc, "train step")
        return rc, self._loss[0], self._penalty[0]

    def train_epoch(self, x, target, sample_weight, order, batch_size, lr, losses,
                    outputs=None):
        """Run the batches of rows order[0], order[1], ... in one call.

        Returns (status, batches done); losses[i] receives batch i's loss and,
        when given, outputs[j] the network's output for row order[j].
        """
        rc = lib.pybp_net_train_epoch(
            self._net, x.shape[0], order.shape[0], batch_size, ffi.from_buffer(x),
            ffi.from_buffer(target),
            ffi.NULL if sample_weight is None else ffi.from_buffer(sample_weight),
            ffi.cast("int64_t *", ffi.from_buffer(order)),
            ffi.NULL if lr is None else ffi.cast("double *", ffi.from_buffer(lr)),
            ffi.cast("double *", ffi.from_buffer(losses)),
            ffi.NULL if outputs is None else ffi.cast("void *", ffi.from_buffer(outputs)),
            self._done)
        if rc != lib.PYBP_ERR_NONFINITE:
            check_status(rc, "train epoch")
        return rc, self._done[0]
