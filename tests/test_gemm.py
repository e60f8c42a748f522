"""Matrix multiply: pybp_gemm_* against a NumPy float64 reference."""

import itertools

import numpy as np
import pytest

import pybp
from pybp import _native
from pybp._native import ffi, lib

DTYPES = [np.float32, np.float64]
TRANSPOSES = list(itertools.product([False, True], repeat=2))

# (m, n, k): ones, primes, sizes that leave edge tiles in every kernel, and
# sizes past each cache block (kc = 256, nc up to 512, mc up to 1024).
SHAPES = [
    (1, 1, 1),
    (1, 13, 7),
    (2, 3, 1),
    (7, 1, 17),
    (5, 40, 9),
    (7, 300, 65),
    (1, 1, 300),
    (300, 1, 257),
    (13, 17, 31),
    (33, 65, 127),
    (1, 257, 300),
    (3, 31, 513),
    (127, 33, 600),
    (65, 513, 257),
    (1031, 17, 13),
    (17, 1100, 3),
]


@pytest.fixture
def num_threads():
    """Restore the thread count after a test that changes it."""
    before = pybp.get_num_threads()
    yield
    pybp.set_num_threads(before)


def random_operands(rng, dtype, m, n, k, transpose_a, transpose_b):
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if transpose_b else (k, n)).astype(dtype)
    c = rng.standard_normal((m, n)).astype(dtype)
    return a, b, c


def reference(a, b, c, transpose_a, transpose_b, alpha, beta):
    """Return the float64 product and an elementwise bound on its rounding.

    The bound is (k + 4) eps (|alpha| |op(a)| |op(b)| + |beta c|): k roundings
    along the sum, a few more for alpha and beta.
    """
    a64 = a.astype(np.float64).T if transpose_a else a.astype(np.float64)
    b64 = b.astype(np.float64).T if transpose_b else b.astype(np.float64)
    c64 = c.astype(np.float64)
    expected = alpha * (a64 @ b64)
    scale = abs(alpha) * (np.abs(a64) @ np.abs(b64))
    if beta != 0:
        expected += beta * c64
        scale += abs(beta) * np.abs(c64)
    eps = np.finfo(a.dtype).eps
    return expected, (a64.shape[1] + 4) * eps * scale + np.finfo(a.dtype).tiny


def assert_close(actual, expected, bound):
    err = np.abs(actual.astype(np.float64) - expected)
    worst = np.unravel_index(np.argmax(err - bound), err.shape) if err.size else None
    assert np.all(err <= bound), (
        f"max error {err[worst]:.3g} > bound {bound[worst]:.3g} at {worst}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transpose_a,transpose_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_gemm_matches_numpy(isa, dtype, transpose_a, transpose_b, m, n, k):
    rng = np.random.default_rng([m, n, k, transpose_a, transpose_b])
    a, b, c = random_operands(rng, dtype, m, n, k, transpose_a, transpose_b)
    expected, bound = reference(a, b, c, transpose_a, transpose_b, 1.0, 0.0)
    out = _native.matmul(a, b, c, transpose_a, transpose_b)
    assert out is c
    assert np.any(c != 0)
    assert_close(c, expected, bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transpose_a,transpose_b", TRANSPOSES)
@pytest.mark.parametrize("alpha,beta", [(0.5, 0.0), (-1.5, 2.0), (1.0, -0.25)])
@pytest.mark.parametrize("m,n,k", [(1, 300, 257), (37, 41, 300), (300, 600, 19)])
def test_gemm_alpha_beta(isa, dtype, transpose_a, transpose_b, alpha, beta, m, n, k):
    rng = np.random.default_rng([m, n, k, 7])
    a, b, c = random_operands(rng, dtype, m, n, k, transpose_a, transpose_b)
    expected, bound = reference(a, b, c, transpose_a, transpose_b, alpha, beta)
    _native.matmul(a, b, c, transpose_a, transpose_b, alpha=alpha, beta=beta)
    assert_close(c, expected, bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transpose_a,transpose_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", [(1, 70, 33), (70, 1, 33), (5, 3, 2), (70, 530, 260)])
def test_gemm_beta_zero_ignores_nan_in_c(isa, dtype, transpose_a, transpose_b, m, n, k):
    rng = np.random.default_rng([m, n, k, 3])
    a, b, c = random_operands(rng, dtype, m, n, k, transpose_a, transpose_b)
    expected, bound = reference(a, b, c, transpose_a, transpose_b, 2.0, 0.0)
    c[...] = np.nan
    _native.matmul(a, b, c, transpose_a, transpose_b, alpha=2.0, beta=0.0)
    assert not np.any(np.isnan(c))
    assert_close(c, expected, bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(0, 5, 3), (4, 0, 3), (0, 0, 0)])
def test_gemm_empty_output(dtype, m, n, k):
    a = np.ones((m, k), dtype)
    b = np.ones((k, n), dtype)
    c = np.ones((m, n), dtype)
    _native.matmul(a, b, c)
    assert c.shape == (m, n)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [0.0, 3.0])
def test_gemm_zero_inner_size_scales_c(dtype, beta):
    a = np.ones((4, 0), dtype)
    b = np.ones((0, 5), dtype)
    c = np.full((4, 5), np.nan if beta == 0 else 2.0, dtype)
    _native.matmul(a, b, c, beta=beta)
    np.testing.assert_array_equal(c, np.full((4, 5), 2.0 * beta, dtype))


def c_pointer(x):
    return ffi.from_buffer(_native._C_TYPES[x.dtype], x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transpose_a,transpose_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", [(1, 1, 19), (1, 37, 19), (29, 1, 300), (29, 43, 300),
                                   (70, 530, 11)])
def test_gemm_leading_dimensions_wider_than_rows(isa, dtype, transpose_a, transpose_b,
                                                 m, n, k):
    """Matrices that are the left part of wider ones: only that part is used."""
    rng = np.random.default_rng([m, n, k, 11])
    a, b, c = random_operands(rng, dtype, m, n, k, transpose_a, transpose_b)
    expected, bound = reference(a, b, c, transpose_a, transpose_b, 1.0, 1.0)
    pad = 5
    a_wide = np.full((a.shape[0], a.shape[1] + pad), np.nan, dtype)
    b_wide = np.full((b.shape[0], b.shape[1] + pad), np.nan, dtype)
    c_wide = np.full((m, n + pad), -7.0, dtype)
    a_wide[:, : a.shape[1]] = a
    b_wide[:, : b.shape[1]] = b
    c_wide[:, :n] = c
    rc = _native.cfunc("gemm", dtype)(
        transpose_a, transpose_b, m, n, k, 1.0, c_pointer(a_wide), a_wide.shape[1],
        c_pointer(b_wide), b_wide.shape[1], 1.0, c_pointer(c_wide), c_wide.shape[1])
    assert rc == lib.PYBP_OK
    assert_close(c_wide[:, :n], expected, bound)
    np.testing.assert_array_equal(c_wide[:, n:], -7.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transpose_a,transpose_b", TRANSPOSES)
# Split by columns (one row, one column, a few rows, wide), by rows (tall)
# and by rows with a narrow output.
@pytest.mark.parametrize("m,n,k", [(1, 4099, 300), (4099, 1, 300), (6, 4099, 70),
                                   (128, 256, 784), (300, 1030, 530), (1030, 300, 130),
                                   (600, 10, 700)])
def test_gemm_bitwise_same_for_one_and_two_threads(isa, num_threads, dtype, transpose_a,
                                                   transpose_b, m, n, k):
    rng = np.random.default_rng([m, n, k, 5])
    a, b, c = random_operands(rng, dtype, m, n, k, transpose_a, transpose_b)
    results = []
    for threads in (1, 2):
        pybp.set_num_threads(threads)
        out = c.copy()
        _native.matmul(a, b, out, transpose_a, transpose_b, alpha=0.75, beta=0.5)
        results.append(out)
    np.testing.assert_array_equal(results[0], results[1])


def bad_call_cases():
    f32 = np.ones((3, 4), np.float32)
    b32 = np.ones((4, 5), np.float32)
    c32 = np.ones((3, 5), np.float32)
    read_only = c32.copy()
    read_only.flags.writeable = False
    square = np.ones((4, 4), np.float32)
    return [
        ("wrong dtype", (f32.astype(np.int32), b32, c32), {}, "a must have dtype"),
        ("all int64", (f32.astype(np.int64), b32.astype(np.int64), c32.astype(np.int64)),
         {}, "a must have dtype float32 or float64"),
        ("mixed dtypes", (f32, b32.astype(np.float64), c32), {}, "b has dtype float64 but a has dtype float32"),
        ("c other dtype", (f32, b32, c32.astype(np.float64)), {}, "out has dtype float64 but a has dtype float32"),
        ("not an array", ([[1.0]], b32, c32), {}, "a must be a numpy.ndarray"),
        ("a 1-D", (np.ones(4, np.float32), b32, c32), {}, "a must be 2-D"),
        ("b 3-D", (f32, np.ones((1, 4, 5), np.float32), c32), {}, "b must be 2-D"),
        ("inner mismatch", (f32, np.ones((3, 5), np.float32), c32), {},
         "inner sizes must match"),
        ("inner mismatch transposed", (f32, b32, c32), {"transpose_b": True},
         "inner sizes must match"),
        ("c wrong shape", (f32, b32, np.ones((5, 3), np.float32)), {},
         r"out must have shape \(3, 5\)"),
        ("a not contiguous", (np.ones((4, 3), np.float32).T, b32, c32), {},
         "a must be C-contiguous"),
        ("c not contiguous", (f32, b32, np.ones((5, 3), np.float32).T), {},
         "out must be C-contiguous"),
        ("c read-only", (f32, b32, read_only), {}, "out must be writable"),
        ("c aliases a", (square, np.ones((4, 4), np.float32), square), {},
         "out must not share memory with a"),
        ("c aliases b", (np.ones((4, 4), np.float32), square, square), {},
         "out must not share memory with b"),
        ("alpha not a number", (f32, b32, c32), {"alpha": "1"}, "alpha must be a real"),
        ("beta bool", (f32, b32, c32), {"beta": True}, "beta must be a real"),
    ]


@pytest.mark.parametrize("case,args,kwargs,message", bad_call_cases(),
                         ids=[case[0] for case in bad_call_cases()])
def test_gemm_rejects_bad_input(case, args, kwargs, message):
    with pytest.raises(pybp.PybpError, match=message):
        _native.matmul(*args, **kwargs)


def invalid_c_calls():
    """(name, arguments of pybp_gemm_f32 past the function) that must fail."""
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 5), np.float32)
    c = np.ones((3, 5), np.float32)
    pa, pb, pc = c_pointer(a), c_pointer(b), c_pointer(c)
    null = ffi.NULL
    return [
        ("negative m", (0, 0, -1, 5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 5)),
        ("negative n", (0, 0, 3, -5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 5)),
        ("negative k", (0, 0, 3, 5, -4, 1.0, pa, 4, pb, 5, 0.0, pc, 5)),
        ("transa 2", (2, 0, 3, 5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 5)),
        ("transb -1", (0, -1, 3, 5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 5)),
        ("lda too small", (0, 0, 3, 5, 4, 1.0, pa, 3, pb, 5, 0.0, pc, 5)),
        ("lda too small transposed", (1, 0, 4, 5, 3, 1.0, pa, 3, pb, 5, 0.0, pc, 5)),
        ("ldb too small", (0, 0, 3, 5, 4, 1.0, pa, 4, pb, 4, 0.0, pc, 5)),
        ("ldc too small", (0, 0, 3, 5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 4)),
        ("a null", (0, 0, 3, 5, 4, 1.0, null, 4, pb, 5, 0.0, pc, 5)),
        ("b null", (0, 0, 3, 5, 4, 1.0, pa, 4, null, 5, 0.0, pc, 5)),
        ("c null", (0, 0, 3, 5, 4, 1.0, pa, 4, pb, 5, 0.0, null, 5)),
        ("ldc overflows", (0, 0, 3, 5, 4, 1.0, pa, 4, pb, 5, 0.0, pc, 2**62)),
    ]


@pytest.mark.parametrize("case,args", invalid_c_calls(),
                         ids=[case[0] for case in invalid_c_calls()])
def test_gemm_c_rejects_invalid_arguments(case, args):
    c_before = np.frombuffer(ffi.buffer(args[11], 15 * 4), np.float32).copy() \
        if args[11] != ffi.NULL else None
    assert lib.pybp_gemm_f32(*args) == lib.PYBP_ERR_INVALID
    if c_before is not None:
        after = np.frombuffer(ffi.buffer(args[11], 15 * 4), np.float32)
        np.testing.assert_array_equal(after, c_before)


def test_gemm_c_accepts_null_for_empty_operands():
    c = np.full((3, 5), np.nan, np.float64)
    rc = lib.pybp_gemm_f64(0, 0, 3, 5, 0, 1.0, ffi.NULL, 0, ffi.NULL, 5, 0.0,
                           c_pointer(c), 5)
    assert rc == lib.PYBP_OK
    np.testing.assert_array_equal(c, 0.0)


GUARD_PAGE_SCRIPT = r"""
import ctypes
import itertools
import mmap

import numpy as np

from pybp import _native

libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
PAGE = mmap.PAGESIZE
buffers = []


def guarded(shape, dtype, rng):
    # Random array that ends where an inaccessible page begins.
    size = int(np.prod(shape))
    nbytes = size * np.dtype(dtype).itemsize
    pages = (nbytes + PAGE - 1) // PAGE + 1
    buf = mmap.mmap(-1, pages * PAGE)
    buffers.append(buf)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    if libc.mprotect(addr + (pages - 1) * PAGE, PAGE, 0) != 0:
        raise OSError(ctypes.get_errno(), "mprotect failed")
    x = np.frombuffer(buf, dtype, count=size, offset=(pages - 1) * PAGE - nbytes)
    x = x.reshape(shape)
    x[...] = rng.standard_normal(shape)
    return x


rng = np.random.default_rng(0)
shapes = [(1, 37, 19), (5, 40, 9), (7, 13, 5), (33, 17, 29), (9, 1, 31), (70, 530, 11)]
for isa in _native.supported_isas():
    _native.set_isa(isa)
    for dtype, (ta, tb), (m, n, k) in itertools.product(
            [np.float32, np.float64], itertools.product([False, True], repeat=2), shapes):
        a = guarded((k, m) if ta else (m, k), dtype, rng)
        b = guarded((n, k) if tb else (k, n), dtype, rng)
        c = guarded((m, n), dtype, rng)
        expected = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b) + c
        _native.matmul(a, b, c, ta, tb, beta=1.0)
        np.testing.assert_allclose(c, expected, rtol=1e-3, atol=1e-3)
print("ok")
"""


def test_gemm_reads_nothing_past_the_operands(run_python):
    """Every operand ends at an inaccessible page: a read past it crashes."""
    run = run_python(["-c", GUARD_PAGE_SCRIPT], timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ok"
