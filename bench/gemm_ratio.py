"""Time pybp's matrix multiply against numpy.matmul on the same shapes.

For each shape, dtype and thread count (1 and 2) the two are timed in
alternation, and the script prints the median times, numpy/pybp (above 1
means pybp is faster) and pybp's GFLOP/s. NumPy's BLAS threads are limited
with threadpoolctl when it is installed. Without it NumPy uses its default
thread count, and the script prints a note.

Run from the project root after building in place:
    python bench/gemm_ratio.py [--repeat N] [--dtype float32|float64] [--quick]
                               [--threads N] [--clock wall|cpu]

``--clock cpu`` times with the CPU time of the process instead of the wall
clock. With one thread that leaves out the time other processes take from
this one, so it suits a shared machine. With more threads it adds up the
work of all of them, which is not the elapsed time.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time

import numpy as np

try:
    import pybp
except ImportError:
    # Not installed: use an in-place build of the source tree.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import pybp
from pybp import _native  # noqa: E402

try:
    from threadpoolctl import threadpool_limits
except ImportError:
    threadpool_limits = None

# (label, m, n, k, transpose_a, transpose_b): C (m x n) = op(A) op(B).
SHAPES = [
    ("W1 fwd 1", 128, 256, 784, False, False),
    ("W1 fwd 2", 128, 128, 256, False, False),
    ("W1 fwd 3", 128, 10, 128, False, False),
    ("W1 dW X^T dZ", 784, 256, 128, True, False),
    ("W1 dX dZ W^T", 128, 784, 256, False, True),
    ("W1 batch-1", 1, 256, 784, False, False),
    ("W3 fwd 1", 256, 4096, 1024, False, False),
    ("W3 fwd 2", 256, 4096, 4096, False, False),
    ("W3 fwd 3", 256, 1024, 4096, False, False),
    ("W3 dW X^T dZ", 4096, 4096, 256, True, False),
    ("W3 dX dZ W^T", 256, 4096, 4096, False, True),
    ("square 256", 256, 256, 256, False, False),
    ("square 512", 512, 512, 512, False, False),
    ("square 1024", 1024, 1024, 1024, False, False),
    ("square 2048", 2048, 2048, 2048, False, False),
]
QUICK = {"W1 fwd 1", "W1 dW X^T dZ", "W1 dX dZ W^T", "W1 batch-1", "W3 fwd 2",
         "square 1024"}


def numpy_threads(n):
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def operands(rng, dtype, m, n, k, transpose_a, transpose_b):
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if transpose_b else (k, n)).astype(dtype)
    return a, b, np.empty((m, n), dtype)


def time_once(fn, clock):
    start = clock()
    fn()
    return clock() - start


def measure(shape, dtype, threads, repeat, clock):
    """Return the median seconds of pybp and numpy, timed in alternation."""
    _, m, n, k, transpose_a, transpose_b = shape
    a, b, c = operands(np.random.default_rng(0), dtype, m, n, k, transpose_a,
                       transpose_b)
    a_op = a.T if transpose_a else a
    b_op = b.T if transpose_b else b

    def run_pybp():
        _native.matmul(a, b, c, transpose_a, transpose_b)

    def run_numpy():
        np.matmul(a_op, b_op, out=c)

    # Enough calls per sample that one sample takes about 20 ms.
    flops = 2.0 * m * n * k
    calls = max(1, int(0.02 / max(flops / 50e9, 1e-6)))
    pybp.set_num_threads(threads)
    ours, theirs = [], []
    with numpy_threads(threads):
        run_pybp()
        run_numpy()
        for _ in range(repeat):
            ours.append(time_once(lambda: [run_pybp() for _ in range(calls)], clock) / calls)
            theirs.append(time_once(lambda: [run_numpy() for _ in range(calls)], clock)
                          / calls)
    return statistics.median(ours), statistics.median(theirs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="samples per timing")
    parser.add_argument("--dtype", choices=["float32", "float64"], action="append",
                        help="dtype to time (repeatable; default both)")
    parser.add_argument("--quick", action="store_true", help="time a subset of shapes")
    parser.add_argument("--threads", type=int, action="append",
                        help="thread count to time (repeatable; default 1 and 2)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall clock, or CPU time of the process (see above)")
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    dtypes = args.dtype or ["float32", "float64"]
    thread_counts = args.threads or [1, 2]
    if threadpool_limits is None:
        print("threadpoolctl is not installed: NumPy uses its default BLAS threads")

    print(f"pybp isa {_native.get_isa()}, numpy {np.__version__}, clock {args.clock}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    print("| shape | m x n x k | op | dtype | threads | pybp ms | numpy ms "
          "| numpy/pybp | pybp GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|")

    before = pybp.get_num_threads()
    try:
        for shape in SHAPES:
            if args.quick and shape[0] not in QUICK:
                continue
            label, m, n, k, transpose_a, transpose_b = shape
            op_a = "T" if transpose_a else "N"
            op_b = "T" if transpose_b else "N"
            op = op_a + op_b
            for dtype in dtypes:
                for threads in thread_counts:
                    ours, theirs = measure(shape, np.dtype(dtype), threads, args.repeat,
                                           clock)
                    gflops = 2.0 * m * n * k / ours / 1e9
                    print(f"| {label} | {m}x{n}x{k} | {op} | {dtype} | {threads} "
                          f"| {ours * 1e3:.3f} | {theirs * 1e3:.3f} "
                          f"| {theirs / ours:.2f} | {gflops:.1f} |", flush=True)
    finally:
        pybp.set_num_threads(before)
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
