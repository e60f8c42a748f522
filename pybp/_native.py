"""The boundary to the compiled kernels: the one module that imports them.

Every wrapper here checks dtype, shape, C-contiguity and writability of its
arrays before it passes pointers to C, and turns a C status code into a
:class:`pybp.PybpError`. cffi releases the GIL for the length of each call.
"""

import numbers
import os

import numpy as np

from pybp import errors
from pybp._pybp_c import ffi, lib

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
    if type(value) in (float, int):
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise errors.InvalidArgumentError(f"{name} must be a real number, got {value!r}")


def _check_gemm_arrays(a, b, c):
    """Check the three arrays of gemm with the rules of check_array."""
    dtype = getattr(a, "dtype", None)
    # The common case passes here at a fraction of the cost. Anything else
    # goes through check_array, which raises the error that names the argument.
    if (type(a) is np.ndarray and type(b) is np.ndarray and type(c) is np.ndarray
            and dtype in _GEMM_FUNCS and b.dtype == dtype and c.dtype == dtype
            and a.ndim == 2 and b.ndim == 2 and c.ndim == 2
            and a.flags.c_contiguous and b.flags.c_contiguous
            and c.flags.carray):
        return
    check_array("a", a, ndim=2)
    if a.dtype not in _GEMM_FUNCS:
        raise errors.DTypeError(f"a must have dtype float32 or float64, got {a.dtype}")
    check_array("b", b, dtype=a.dtype, ndim=2)
    check_array("c", c, dtype=a.dtype, ndim=2, writable=True)


def gemm(a, b, c, transpose_a=False, transpose_b=False, alpha=1.0, beta=0.0):
    """Compute ``c = alpha * op(a) @ op(b) + beta * c`` in place and return ``c``.

    ``op(x)`` is ``x.T`` when the matching ``transpose_*`` flag is set. All
    three arrays are 2-D, C-contiguous and of one dtype (float32 or float64);
    ``c`` is writable and shares no memory with ``a`` or ``b``. When ``beta``
    is 0, the old contents of ``c`` are ignored, even NaN.
    """
    _check_gemm_scalar("alpha", alpha)
    _check_gemm_scalar("beta", beta)
    _check_gemm_arrays(a, b, c)
    m, k = a.shape[::-1] if transpose_a else a.shape
    k_b, n = b.shape[::-1] if transpose_b else b.shape
    if k_b != k:
        raise errors.ShapeError(
            f"inner sizes of a and b must match, got op(a) {m}x{k} and "
            f"op(b) {k_b}x{n}")
    if c.shape != (m, n):
        raise errors.ShapeError(f"c must have shape {(m, n)}, got {c.shape}")
    if np.may_share_memory(c, a):
        raise errors.LayoutError(
            "c must not share memory with a; pass a separate output array")
    if np.may_share_memory(c, b):
        raise errors.LayoutError(
            "c must not share memory with b; pass a separate output array")
    ctype = _C_TYPES[a.dtype]
    rc = _GEMM_FUNCS[a.dtype](
        bool(transpose_a), bool(transpose_b), m, n, k, alpha,
        ffi.from_buffer(ctype, a), max(1, a.shape[1]),
        ffi.from_buffer(ctype, b), max(1, b.shape[1]), beta,
        ffi.from_buffer(ctype, c), max(1, c.shape[1]))
    check_status(rc, "gemm")
    return c
