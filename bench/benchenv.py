"""Process set-up shared by the benchmark scripts; import it before NumPy.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set, make a current NumPy's
OpenBLAS pick slower kernels, so ``reexec_without_openblas_overrides`` runs
the script again without them. Only that process and its children change.
"""

import os
import sys

OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)


def reexec_without_openblas_overrides():
    """Replace this process by itself without the OpenBLAS overrides, if set.

    The names that were unset are passed on in PYBP_BENCH_UNSET for the report.
    """
    if "numpy" in sys.modules:
        raise RuntimeError("reexec_without_openblas_overrides must run before "
                           "NumPy is imported")
    found = [k for k in OPENBLAS_OVERRIDES if k in os.environ]
    if not found:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    env["PYBP_BENCH_UNSET"] = ",".join(found)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def ensure_pybp_importable():
    """Put the source tree on sys.path (and PYTHONPATH for children) if needed."""
    try:
        import pybp  # noqa: F401
    except ImportError:
        sys.path.insert(0, ROOT)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
