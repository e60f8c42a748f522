"""The compiled module loads, and the runtime settings behave."""

import os
import subprocess
import sys

import pytest

import pybp
from pybp import _native


def test_config_reports_isa_threads_and_flags():
    info = pybp.config()
    assert info["isa"] in info["supported_isas"]
    assert info["num_threads"] >= 1
    assert "-O3" in info["build_flags"]
    assert "-ffast-math" not in info["build_flags"]
    assert "-march=native" not in info["build_flags"]


def test_set_num_threads_round_trip():
    before = pybp.get_num_threads()
    try:
        pybp.set_num_threads(1)
        assert pybp.get_num_threads() == 1
    finally:
        pybp.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_set_num_threads_rejects(bad):
    with pytest.raises(pybp.PybpError, match="threads"):
        pybp.set_num_threads(bad)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_pybp_isa_environment_forces_kernels(isa):
    code = "import pybp; print(pybp.config()['isa'])"
    env = dict(os.environ, PYBP_ISA=isa)
    run = subprocess.run([sys.executable, "-c", code], env=env,
                         capture_output=True, text=True)
    if isa in _native.supported_isas():
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == isa
    else:
        assert run.returncode != 0
        assert "does not support" in run.stderr


def test_pybp_isa_environment_rejects_unknown_name():
    env = dict(os.environ, PYBP_ISA="sse9")
    run = subprocess.run([sys.executable, "-c", "import pybp"], env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert "ISA must be one of" in run.stderr


def test_omp_num_threads_sets_default():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    code = "import pybp; print(pybp.get_num_threads())"
    run = subprocess.run([sys.executable, "-c", code], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1"
