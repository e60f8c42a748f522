"""The compiled module loads, and the runtime settings behave."""

import os

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
def test_pybp_isa_environment_forces_kernels(isa, run_python):
    code = "import pybp; print(pybp.config()['isa'])"
    env = dict(os.environ, PYBP_ISA=isa)
    run = run_python(["-c", code], env=env)
    if isa in _native.supported_isas():
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == isa
    else:
        assert run.returncode != 0
        assert "does not support" in run.stderr


def test_pybp_isa_environment_rejects_unknown_name(run_python):
    env = dict(os.environ, PYBP_ISA="sse9")
    run = run_python(["-c", "import pybp"], env=env)
    assert run.returncode != 0
    assert "ISA must be one of" in run.stderr


def test_omp_num_threads_sets_default(run_python):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    code = "import pybp; print(pybp.get_num_threads())"
    run = run_python(["-c", code], env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1"


def test_gomp_spincount_defaults_to_short_spin(run_python):
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    code = "import pybp; print(pybp.config()['gomp_spincount'])"
    run = run_python(["-c", code], env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1000"


@pytest.mark.parametrize("name, value", [("GOMP_SPINCOUNT", "5"),
                                         ("OMP_WAIT_POLICY", "passive")])
def test_user_wait_policy_is_kept(run_python, name, value):
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    env[name] = value
    code = "import pybp; c = pybp.config(); print(c['gomp_spincount'], c['omp_wait_policy'])"
    run = run_python(["-c", code], env=env)
    assert run.returncode == 0, run.stderr
    spincount, policy = run.stdout.split()
    assert (spincount if name == "GOMP_SPINCOUNT" else policy) == value
    assert (policy if name == "GOMP_SPINCOUNT" else spincount) == "None"
