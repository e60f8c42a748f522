"""Microbenchmarks of pybp's matrix multiply next to numpy.matmul.

Run with ``pytest bench/ --benchmark-only``; ``pytest tests`` does not
collect this directory. bench/gemm_ratio.py prints the same shapes as
ratios.
"""

import numpy as np
import pytest

from gemm_ratio import SHAPES, operands
from pybp import _native


@pytest.fixture(params=SHAPES, ids=[shape[0].replace(" ", "-") for shape in SHAPES])
def shape(request):
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("library", ["pybp", "numpy"])
def test_gemm_speed(benchmark, shape, dtype, library):
    label, m, n, k, transpose_a, transpose_b = shape
    a, b, c = operands(np.random.default_rng(0), dtype, m, n, k, transpose_a,
                       transpose_b)
    benchmark.group = f"gemm {label} {np.dtype(dtype).name}"
    benchmark.extra_info["gflop"] = 2.0 * m * n * k / 1e9
    if library == "pybp":
        benchmark(_native.matmul, a, b, c, transpose_a, transpose_b)
    else:
        a_op = a.T if transpose_a else a
        b_op = b.T if transpose_b else b
        benchmark(np.matmul, a_op, b_op, out=c)
