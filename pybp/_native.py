"""The boundary to the compiled kernels: the one module that imports them.

Every wrapper here checks dtype, shape, C-contiguity and writability of its
arrays before it passes pointers to C, and turns a C status code into a
:class:`pybp.PybpError`. cffi releases the GIL for the length of each call.
"""

import math
import os

import numpy as np

from pybp import errors

# libgomp reads its wait policy once, when it loads with the extension below.
# By default its idle threads spin for a long while after each parallel
# region: that keeps the next region cheap (about 0.5 us) but slows whatever
# the process runs next (NumPy's BLAS, measured 1.9x slower right after a
# step) and stalls badly when other processes share the cores. A thousand
# spins keeps a region at about 23 us on a quiet two-core machine, and the
# threads still go to sleep soon after pybp returns. bench/threads.py
# measures all three cases. A policy set by the user is left alone.
# NOTE: this has no effect if the process loaded libgomp before pybp.
if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = "1000"

try:
    from pybp._pybp_c import ffi, lib  # noqa: E402
except ModuleNotFoundError as exc:
    if exc.name != "pybp._pybp_c":
        raise
    raise ImportError(
        f"pybp's compiled module is missing from {os.path.dirname(__file__)}. "
        "Install pybp with 'pip install .', or build it in place with "
        "'python setup.py build_ext --inplace'. In the source folder, an "
        "installed pybp is shadowed by the unbuilt one: run from another "
        "folder.") from exc

__all__ = ["ffi", "lib"]

ISA_NAMES = {"generic": lib.PYBP_ISA_GENERIC, "avx2": lib.PYBP_ISA_AVX2,
             "avx512": lib.PYBP_ISA_AVX512}
ISA_BY_CODE = {code: name for name, code in ISA_NAMES.items()}

_C_TYPES = {np.dtype(np.float32): "float[]", np.dtype(np.float64): "double[]",
            np.dtype(np.int64): "int64_t[]"}


def check_status(rc, what):
    """Raise the pybp exception that matches C status ``rc`` of call ``what``."""
    if rc == lib.PYBP_OK:
        return
    if rc == lib.PYBP_ERR_NONFINITE:
        raise errors.NonFiniteError(f"{what}: input contains NaN or infinity")
    if rc == lib.PYBP_ERR_LABEL:
        raise errors.LabelError(f"{what}: a class label is outside [0, classes)")
    if rc == lib.PYBP_ERR_NOMEM:
        raise MemoryError(f"{what}: could not allocate scratch memory")
    if rc == lib.PYBP_ERR_ISA:
        raise errors.ISAError(f"{what}: the CPU lacks the requested instruction set")
    if rc == lib.PYBP_ERR_INVALID:
        raise errors.InvalidArgumentError(f"{what}: an argument is out of range")
    raise errors.PybpError(f"{what}: failed with status {rc}")


def check_array(name, arr, dtype=None, ndim=None, shape=None, writable=False):
    """Check one array for a kernel call and return it unchanged.

    ``shape`` may hold None for a dimension that is not fixed.
    """
    if not isinstance(arr, np.ndarray):
        raise errors.DTypeError(f"{name} must be a numpy.ndarray, got {type(arr).__name__}")
    if dtype is not None and arr.dtype != dtype:
        raise errors.DTypeError(f"{name} must have dtype {np.dtype(dtype)}, got {arr.dtype}")
    if arr.dtype not in _C_TYPES:
        raise errors.DTypeError(
            f"{name} must have dtype float32 or float64, got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise errors.ShapeError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if shape is not None:
        for axis, (want, got) in enumerate(zip(shape, arr.shape)):
            if want is not None and want != got:
                raise errors.ShapeError(
                    f"{name} must have size {want} on axis {axis}, got shape {arr.shape}")
    if not arr.flags.c_contiguous:
        raise errors.LayoutError(
            f"{name} must be C-contiguous; pass numpy.ascontiguousarray({name})")
    if writable and not arr.flags.writeable:
        raise errors.LayoutError(f"{name} must be writable, got a read-only array")
    return arr


def ptr(arr):
    """Return a cffi pointer to the data of a checked array (no copy)."""
    if arr is None:
        return ffi.NULL
    return ffi.from_buffer(_C_TYPES[arr.dtype], arr, require_writable=False)


def suffix(dtype):
    """Return the C function suffix for a float dtype."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return "f32"
    if dtype == np.float64:
        return "f64"
    raise errors.DTypeError(f"dtype must be float32 or float64, got {dtype}")


def cfunc(name, dtype):
    """Return the C function ``pybp_<name>_<f32|f64>`` for ``dtype``."""
    return getattr(lib, f"pybp_{name}_{suffix(dtype)}")


# ---- runtime ----

def set_isa(name):
    """Select the kernels for instruction set ``name``: generic, avx2 or avx512."""
    if name not in ISA_NAMES:
        raise errors.InvalidArgumentError(
            f"ISA must be one of {sorted(ISA_NAMES)}, got {name!r}")
    rc = lib.pybp_set_isa(ISA_NAMES[name])
    if rc == lib.PYBP_ERR_ISA:
        raise errors.ISAError(f"this CPU does not support the {name} instruction set; "
                              f"supported: {supported_isas()}")
    check_status(rc, "set_isa")


def get_isa():
    return ISA_BY_CODE[lib.pybp_get_isa()]


def supported_isas():
    return [name for name, code in ISA_NAMES.items() if lib.pybp_isa_supported(code)]


def set_num_threads(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise errors.InvalidArgumentError(
            f"number of threads must be an integer >= 1, got {n!r}")
    check_status(lib.pybp_set_num_threads(int(n)), "set_num_threads")


def get_num_threads():
    return lib.pybp_get_num_threads()


def default_num_threads():
    """Return OMP_NUM_THREADS if set, else the CPUs this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return available_cpus()


def available_cpus():
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def config():
    """Return the instruction set, thread count and build facts in use."""
    return {
        "isa": get_isa(),
        "supported_isas": supported_isas(),
        "num_threads": get_num_threads(),
        "openmp": bool(lib.pybp_has_openmp()),
        "build_flags": ffi.string(lib.pybp_build_flags()).decode(),
        "gomp_spincount": os.environ.get("GOMP_SPINCOUNT"),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
    }


def _init():
    isa = os.environ.get("PYBP_ISA", "").strip().lower()
    if isa:
        set_isa(isa)
    else:
        lib.pybp_set_isa(lib.pybp_isa_best())
    set_num_threads(default_num_threads())


_init()


# ---- matrix multiply ----

_GEMM_FUNCS = {np.dtype(t): cfunc("gemm", t) for t in (np.float32, np.float64)}


def _check_gemm_scalar(name, value):
    # The exact-type test comes first because isinstance on an ABC is slow.
    if type(value) is not float and type(value) is not int:
        check_number(name, value)
    elif not math.isfinite(value):
        raise errors.InvalidArgumentError(f"{name} must be finite, got {value}")


def _check_gemm_arrays(a, b, out):
    """Check the three arrays of matmul with the rules of check_array."""
    dtype = getattr(a, "dtype", None)
    # The common case passes here at a fraction of the cost. Anything else
    # goes through check_array, which raises the error that names the argument.
    if (type(a) is np.ndarray and type(b) is np.ndarray and type(out) is np.ndarray
            and dtype in _GEMM_FUNCS and b.dtype == dtype and out.dtype == dtype
            and a.ndim == 2 and b.ndim == 2 and out.ndim == 2
            and a.flags.c_contiguous and b.flags.c_contiguous
            and out.flags.carray):
        return
    check_float_dtype({"a": a, "b": b, "out": out})
    check_array("a", a, ndim=2)
    check_array("b", b, dtype=a.dtype, ndim=2)
    check_array("out", out, dtype=a.dtype, ndim=2, writable=True)


def matmul(a, b, out, transpose_a=False, transpose_b=False, alpha=1.0, beta=0.0):
    """Compute ``out = alpha * op(a) @ op(b) + beta * out`` in place; return out.

    ``op(x)`` is ``x.T`` when the matching ``transpose_*`` flag is set. All
    three arrays are 2-D, C-contiguous and of one dtype (float32 or float64);
    ``out`` is writable and shares no memory with ``a`` or ``b``. When
    ``beta`` is 0, the old contents of ``out`` are ignored, even NaN.
    """
    _check_gemm_scalar("alpha", alpha)
    _check_gemm_scalar("beta", beta)
    _check_gemm_arrays(a, b, out)
    m, k = a.shape[::-1] if transpose_a else a.shape
    k_b, n = b.shape[::-1] if transpose_b else b.shape
    if k_b != k:
        raise errors.ShapeError(
            f"a and b do not chain: op(a) is {m} x {k} but op(b) is {k_b} x {n}; "
            "inner sizes must match")
    if out.shape != (m, n):
        raise errors.ShapeError(f"out must have shape {(m, n)}, got {out.shape}")
    if np.may_share_memory(out, a):
        raise errors.LayoutError(
            "out must not share memory with a; pass a separate output array")
    if np.may_share_memory(out, b):
        raise errors.LayoutError(
            "out must not share memory with b; pass a separate output array")
    ctype = _C_TYPES[a.dtype]
    rc = _GEMM_FUNCS[a.dtype](
        bool(transpose_a), bool(transpose_b), m, n, k, alpha,
        ffi.from_buffer(ctype, a), max(1, a.shape[1]),
        ffi.from_buffer(ctype, b), max(1, b.shape[1]), beta,
        ffi.from_buffer(ctype, out), max(1, out.shape[1]))
    check_status(rc, "matmul")
    return out


# ---- activations, dense layers, losses, optimizers ----

ACTIVATIONS = {
    "linear": lib.PYBP_ACT_IDENTITY,
    "identity": lib.PYBP_ACT_IDENTITY,
    "relu": lib.PYBP_ACT_RELU,
    "leaky_relu": lib.PYBP_ACT_LEAKY_RELU,
    "elu": lib.PYBP_ACT_ELU,
    "selu": lib.PYBP_ACT_SELU,
    "gelu": lib.PYBP_ACT_GELU,
    "gelu_tanh": lib.PYBP_ACT_GELU_TANH,
    "sigmoid": lib.PYBP_ACT_SIGMOID,
    "tanh": lib.PYBP_ACT_TANH,
    "softplus": lib.PYBP_ACT_SOFTPLUS,
    "softmax": lib.PYBP_ACT_SOFTMAX,
}
# alpha of the activations that take one: the negative slope of leaky_relu
# (as in Keras 3) and the saturation value of elu.
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}
# Activations whose backward reads the pre-activation instead of the output.
NEEDS_PREACTIVATION = ("gelu", "gelu_tanh")

LOSSES = {
    "mse": lib.PYBP_LOSS_MSE,
    "mae": lib.PYBP_LOSS_MAE,
    "huber": lib.PYBP_LOSS_HUBER,
    "binary_crossentropy": lib.PYBP_LOSS_BCE_LOGITS,
    "categorical_crossentropy": lib.PYBP_LOSS_CCE_LOGITS,
}
SPARSE_LOSS = "sparse_categorical_crossentropy"
LOSS_NAMES = sorted(LOSSES) + [SPARSE_LOSS]


def activation_name(name):
    """Return the canonical name of activation ``name`` (None means linear)."""
    if name is None:
        return "linear"
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise errors.InvalidArgumentError(
            f"activation must be one of {sorted(ACTIVATIONS)} or None, got {name!r}")
    return "linear" if name == "identity" else name


def activation_alpha(name, alpha):
    """Return alpha for activation ``name``: its default when None, else checked."""
    if alpha is None:
        return DEFAULT_ALPHA.get(name, 0.0)
    if name in DEFAULT_ALPHA:
        return check_number("alpha", alpha, low=0.0)
    return check_number("alpha", alpha)


def check_number(name, value, low=None, high=None, low_open=False, high_open=True):
    """Check that ``value`` is a finite real number in the given range; return it.

    ``low_open``/``high_open`` exclude the bound itself. Messages read
    "lr must be > 0, got -0.1".
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                         np.floating)):
        raise errors.InvalidArgumentError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise errors.InvalidArgumentError(f"{name} must be finite, got {value}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        if high is None:
            rule = f"{'>' if low_open else '>='} {low:g}"
        elif low is None:
            rule = f"{'<' if high_open else '<='} {high:g}"
        else:
            rule = (f"in {'(' if low_open else '['}{low:g}, {high:g}"
                    f"{')' if high_open else ']'}")
        raise errors.InvalidArgumentError(f"{name} must be {rule}, got {value!r}")
    return value


def check_float_dtype(arrays):
    """Check that the arrays of a call share one float dtype and return it.

    ``arrays`` maps argument names to arrays or None; None entries are
    skipped. Raise DTypeError naming the argument at fault.
    """
    first = None
    for name, arr in arrays.items():
        if arr is None:
            continue
        if not isinstance(arr, np.ndarray):
            raise errors.DTypeError(
                f"{name} must be a numpy.ndarray of float32 or float64, got "
                f"{type(arr).__name__}; pass "
                f"numpy.asarray({name}, dtype=numpy.float32)")
        if first is None:
            if arr.dtype not in (np.float32, np.float64):
                raise errors.DTypeError(
                    f"{name} must have dtype float32 or float64, got {arr.dtype}")
            first = name
        elif arr.dtype != arrays[first].dtype:
            raise errors.DTypeError(
                f"{name} has dtype {arr.dtype} but {first} has dtype "
                f"{arrays[first].dtype}; all float arrays of one call must share "
                f"one dtype")
    return None if first is None else arrays[first].dtype


def check_no_alias(outputs, inputs, allowed=()):
    """Raise LayoutError if an output shares memory with another array.

    ``outputs`` and ``inputs`` map names to arrays or None. ``allowed``
    contains (output, other) name pairs that the C function lets be the very
    same array. A partial overlap is rejected even for those pairs.
    """
    names = list(outputs.items())
    others = names + list(inputs.items())
    for i, (out_name, out) in enumerate(names):
        if out is None:
            continue
        for other_name, other in others[i + 1:]:
            if other is None or not np.may_share_memory(out, other):
                continue
            same = (out.__array_interface__["data"][0]
                    == other.__array_interface__["data"][0]
                    and out.shape == other.shape)
            if same and ((out_name, other_name) in allowed
                         or (other_name, out_name) in allowed):
                continue
            raise errors.LayoutError(
                f"{out_name} must not share memory with {other_name}; "
                f"pass a separate array")


def _rows_cols(arr):
    # Element-wise kernels see an array as rows of its last axis.
    cols = arr.shape[-1] if arr.ndim else 1
    return (arr.size // cols if cols else 0), cols


def activation_forward(name, x, out, alpha=None):
    """Write out = act(x) for activation ``name``; out may be x itself.

    Any shape with at least one axis; softmax runs over the last axis.
    """
    name = activation_name(name)
    alpha = activation_alpha(name, alpha)
    check_float_dtype({"x": x, "out": out})
    if x.ndim < 1:
        raise errors.ShapeError(f"x must have at least 1 axis, got shape {x.shape}")
    check_array("x", x)
    check_array("out", out, shape=x.shape, ndim=x.ndim, writable=True)
    check_no_alias({"out": out}, {"x": x}, allowed={("out", "x")})
    rows, cols = _rows_cols(x)
    rc = cfunc("activation_forward", x.dtype)(
        ACTIVATIONS[name], alpha, rows, cols, ptr(x), ptr(out))
    check_status(rc, "activation_forward")


def _check_derivative_inputs(name, pre_name, pre, y):
    # The backward of activation `name` reads the pre-activation or the output.
    if name in NEEDS_PREACTIVATION and pre is None:
        raise errors.InvalidArgumentError(
            f"activation {name!r} needs {pre_name}, the pre-activation, got None")
    if name not in NEEDS_PREACTIVATION and name != "linear" and y is None:
        raise errors.InvalidArgumentError(
            f"activation {name!r} needs y, the activation output, got None")


def activation_backward(name, dy, dx, y=None, x=None, alpha=None):
    """Write dx = dy * act'(.) for activation ``name``; dx may be dy itself.

    gelu and gelu_tanh need x (the pre-activation); the others but linear
    need y (the output).
    """
    name = activation_name(name)
    alpha = activation_alpha(name, alpha)
    arrays = {"dy": dy, "dx": dx, "y": y, "x": x}
    check_float_dtype(arrays)
    _check_derivative_inputs(name, "x", x, y)
    if dy.ndim < 1:
        raise errors.ShapeError(f"dy must have at least 1 axis, got shape {dy.shape}")
    check_array("dy", dy)
    for arg in ("y", "x"):
        if arrays[arg] is not None:
            check_array(arg, arrays[arg], ndim=dy.ndim, shape=dy.shape)
    check_array("dx", dx, ndim=dy.ndim, shape=dy.shape, writable=True)
    check_no_alias({"dx": dx}, {"dy": dy, "y": y, "x": x}, allowed={("dx", "dy")})
    rows, cols = _rows_cols(dy)
    rc = cfunc("activation_backward", dy.dtype)(
        ACTIVATIONS[name], alpha, rows, cols, ptr(x), ptr(y), ptr(dy), ptr(dx))
    check_status(rc, "activation_backward")


def dense_forward(x, w, b, out, z=None, activation="relu", alpha=None):
    """Write out = act(x @ w + b), and the pre-activation into z when given.

    x is (batch, n_in), w (n_in, n_out), b (n_out,) or None, out and z
    (batch, n_out).
    """
    name = activation_name(activation)
    alpha = activation_alpha(name, alpha)
    check_float_dtype({"x": x, "w": w, "b": b, "out": out, "z": z})
    check_array("x", x, ndim=2)
    check_array("w", w, ndim=2, shape=(x.shape[1], None))
    batch, n_in = x.shape
    n_out = w.shape[1]
    if b is not None:
        check_array("b", b, ndim=1, shape=(n_out,))
    check_array("out", out, ndim=2, shape=(batch, n_out), writable=True)
    if z is not None:
        check_array("z", z, ndim=2, shape=(batch, n_out), writable=True)
    check_no_alias({"out": out, "z": z}, {"x": x, "w": w, "b": b})
    rc = cfunc("dense_forward", x.dtype)(
        batch, n_in, n_out, ptr(x), ptr(w), ptr(b), ACTIVATIONS[name], alpha,
        ptr(z), ptr(out))
    check_status(rc, "dense_forward")


def dense_backward(x, w, z, y, dy, dz, dx, dw, db, activation="relu", alpha=None):
    """Write the gradients of a dense layer from dy, the gradient of its output.

    dz (batch, n_out) receives dy * act'(.) and may be dy itself; dw
    (n_in, n_out) = x.T @ dz; db (n_out,) the column sums of dz, or None to
    skip; dx (batch, n_in) = dz @ w.T, or None to skip. z is needed by gelu
    and gelu_tanh, y by the others but linear.
    """
    name = activation_name(activation)
    alpha = activation_alpha(name, alpha)
    arrays = {"x": x, "w": w, "z": z, "y": y, "dy": dy, "dz": dz, "dx": dx,
              "dw": dw, "db": db}
    check_float_dtype(arrays)
    _check_derivative_inputs(name, "z", z, y)
    if dx is not None and w is None:
        raise errors.InvalidArgumentError("w is needed to compute dx, got None")
    check_array("x", x, ndim=2)
    check_array("dy", dy, ndim=2, shape=(x.shape[0], None))
    batch, n_in = x.shape
    n_out = dy.shape[1]
    if w is not None:
        check_array("w", w, ndim=2, shape=(n_in, n_out))
    for arg in ("z", "y"):
        if arrays[arg] is not None:
            check_array(arg, arrays[arg], ndim=2, shape=(batch, n_out))
    check_array("dz", dz, ndim=2, shape=(batch, n_out), writable=True)
    check_array("dw", dw, ndim=2, shape=(n_in, n_out), writable=True)
    if dx is not None:
        check_array("dx", dx, ndim=2, shape=(batch, n_in), writable=True)
    if db is not None:
        check_array("db", db, ndim=1, shape=(n_out,), writable=True)
    check_no_alias({"dz": dz, "dx": dx, "dw": dw, "db": db},
                   {"dy": dy, "x": x, "w": w, "z": z, "y": y},
                   allowed={("dz", "dy")})
    rc = cfunc("dense_backward", x.dtype)(
        batch, n_in, n_out, ptr(x), ptr(w), ptr(z), ptr(y), ptr(dy),
        ACTIVATIONS[name], alpha, ptr(dz), ptr(dx), ptr(dw), ptr(db))
    check_status(rc, "dense_backward")


def _raise_nonfinite(what, arrays):
    # Only on the error path: name the first array holding NaN or Inf.
    for name, arr in arrays.items():
        if arr is None or not np.issubdtype(arr.dtype, np.floating):
            continue
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            index = tuple(int(i) for i in np.unravel_index(bad[0], arr.shape))
            raise errors.NonFiniteError(
                f"{what}: {name} contains {arr[index]} at index {index}; "
                f"remove or replace non-finite values")
    raise errors.NonFiniteError(f"{what}: input contains NaN or infinity")


def loss_name(name):
    """Check that ``name`` is a loss pybp computes and return it."""
    if not isinstance(name, str) or name not in LOSS_NAMES:
        raise errors.InvalidArgumentError(
            f"loss must be one of {LOSS_NAMES}, got {name!r}")
    return name


def loss(name, y_true, y_pred, grad=None, sample_weight=None, delta=1.0):
    """Return the loss of y_pred against y_true; write its gradient into grad.

    y_pred and y_true are (batch, k) or (batch,), and y_pred contains logits
    for the cross-entropies. For the sparse categorical cross-entropy,
    y_true contains int64 class labels of shape (batch,). sample_weight
    (batch,) weights each sample. grad (like y_pred, None to skip) receives
    d loss / d y_pred.
    """
    name = loss_name(name)
    sparse = name == SPARSE_LOSS
    floats = {"y_pred": y_pred, "grad": grad, "sample_weight": sample_weight}
    if not sparse:
        floats = {"y_true": y_true, **floats}
    check_float_dtype(floats)
    if name == "huber":
        delta = check_number("delta", delta, low=0.0, low_open=True)
    check_array("y_pred", y_pred, ndim=2 if sparse else None)
    if y_pred.ndim not in (1, 2):
        raise errors.ShapeError(f"y_pred must be 1-D or 2-D, got shape {y_pred.shape}")
    batch = y_pred.shape[0]
    k = y_pred.shape[1] if y_pred.ndim == 2 else 1
    if sparse:
        check_array("y_true", y_true, dtype=np.int64, ndim=1, shape=(batch,))
    else:
        check_array("y_true", y_true, ndim=y_pred.ndim, shape=y_pred.shape)
    if sample_weight is not None:
        check_array("sample_weight", sample_weight, ndim=1, shape=(batch,))
        negative = np.flatnonzero(sample_weight < 0)
        if negative.size:
            raise errors.InvalidArgumentError(
                f"sample_weight must be >= 0, got {sample_weight[negative[0]]} at "
                f"index {int(negative[0])}")
    if grad is not None:
        check_array("grad", grad, ndim=y_pred.ndim, shape=y_pred.shape, writable=True)
    check_no_alias({"grad": grad},
                   {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight})
    value = ffi.new("double *")
    if sparse:
        rc = cfunc("loss_sparse", y_pred.dtype)(
            batch, k, ptr(y_true), ptr(y_pred), ptr(sample_weight), value, ptr(grad))
    else:
        rc = cfunc("loss", y_pred.dtype)(
            LOSSES[name], delta, batch, k, ptr(y_true), ptr(y_pred),
            ptr(sample_weight), value, ptr(grad))
    if rc == lib.PYBP_ERR_NONFINITE:
        _raise_nonfinite(name, {"y_true": y_true, "y_pred": y_pred,
                                "sample_weight": sample_weight})
    if rc == lib.PYBP_ERR_LABEL:
        bad = np.flatnonzero((y_true < 0) | (y_true >= k))[0]
        raise errors.LabelError(
            f"{name}: y_true must contain class labels in [0, {k}), got "
            f"{int(y_true[bad])} at index {int(bad)}")
    check_status(rc, name)
    return value[0]


def _check_update_arrays(params, grads, states):
    """Check the arrays of one optimizer update; return the element count."""
    check_float_dtype({**params, **grads, **states})
    (w_name, w), = params.items()
    check_array(w_name, w, writable=True)
    for name, arr in grads.items():
        check_array(name, arr, ndim=w.ndim, shape=w.shape)
    for name, arr in states.items():
        if arr is not None:
            check_array(name, arr, ndim=w.ndim, shape=w.shape, writable=True)
    check_no_alias({**params, **states}, grads)
    return w.size


def sgd(w, g, velocity=None, lr=0.01, momentum=0.0, nesterov=False):
    """Update w in place by SGD, with momentum when velocity is given."""
    lr = check_number("lr", lr, low=0.0, low_open=True)
    momentum = check_number("momentum", momentum, low=0.0, high=1.0)
    if momentum > 0 and velocity is None:
        raise errors.InvalidArgumentError(
            f"momentum {momentum} needs a velocity array, got None")
    n = _check_update_arrays({"w": w}, {"g": g}, {"velocity": velocity})
    rc = cfunc("sgd", w.dtype)(n, ptr(w), ptr(g), ptr(velocity), lr, momentum,
                               int(bool(nesterov)))
    check_status(rc, "sgd")


def _check_step(step):
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise errors.InvalidArgumentError(f"step must be an integer >= 1, got {step!r}")
    return int(step)


def adam(w, g, m, v, lr, beta1, beta2, eps, step, weight_decay=0.0):
    """Update w, m and v in place by Adam, or AdamW when weight_decay > 0."""
    lr = check_number("lr", lr, low=0.0, low_open=True)
    beta1 = check_number("beta1", beta1, low=0.0, low_open=True, high=1.0)
    beta2 = check_number("beta2", beta2, low=0.0, low_open=True, high=1.0)
    eps = check_number("eps", eps, low=0.0, low_open=True)
    weight_decay = check_number("weight_decay", weight_decay, low=0.0)
    step = _check_step(step)
    if m is None or v is None:
        raise errors.InvalidArgumentError("adam needs the m and v arrays, got None")
    n = _check_update_arrays({"w": w}, {"g": g}, {"m": m, "v": v})
    rc = cfunc("adam", w.dtype)(n, ptr(w), ptr(g), ptr(m), ptr(v), lr, beta1, beta2,
                                eps, step, weight_decay)
    check_status(rc, "adam")


def rmsprop(w, g, s, mom, lr, rho, momentum, eps):
    """Update w, s and mom in place by RMSprop; mom may be None without momentum."""
    lr = check_number("lr", lr, low=0.0, low_open=True)
    rho = check_number("rho", rho, low=0.0, high=1.0)
    momentum = check_number("momentum", momentum, low=0.0, high=1.0)
    eps = check_number("eps", eps, low=0.0, low_open=True)
    if momentum > 0 and mom is None:
        raise errors.InvalidArgumentError(
            f"momentum {momentum} needs a mom array, got None")
    if s is None:
        raise errors.InvalidArgumentError("rmsprop needs the s array, got None")
    n = _check_update_arrays({"w": w}, {"g": g}, {"s": s, "mom": mom})
    rc = cfunc("rmsprop", w.dtype)(n, ptr(w), ptr(g), ptr(s), ptr(mom), lr, rho,
                                   momentum, eps)
    check_status(rc, "rmsprop")


def adagrad(w, g, acc, lr, eps):
    """Update w and acc in place by Adagrad."""
    lr = check_number("lr", lr, low=0.0, low_open=True)
    eps = check_number("eps", eps, low=0.0, low_open=True)
    if acc is None:
        raise errors.InvalidArgumentError("adagrad needs the acc array, got None")
    n = _check_update_arrays({"w": w}, {"g": g}, {"acc": acc})
    rc = cfunc("adagrad", w.dtype)(n, ptr(w), ptr(g), ptr(acc), lr, eps)
    check_status(rc, "adagrad")


