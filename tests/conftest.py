"""Shared fixtures."""

import os
import subprocess
import sys

import pytest

import pybp
from pybp import _native, errors

# The folder that holds the pybp package these tests imported: site-packages
# for an installed copy, the repository for an in-place build.
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pybp.__file__)))


@pytest.fixture
def run_python():
    """Run ``python ARGS`` in a subprocess that imports the same pybp.

    The working folder is the package's parent, so ``-c`` and ``-m`` never
    pick up an unbuilt source tree from the current folder instead.
    """

    def run(args, env=None, timeout=120):
        env = dict(os.environ if env is None else env)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        return subprocess.run([sys.executable, *args], env=env, cwd=PACKAGE_PARENT,
                              capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture(params=_native.supported_isas())
def isa(request):
    """Run a test once with the kernels of each instruction set the CPU has."""
    before = _native.get_isa()
    _native.set_isa(request.param)
    yield request.param
    _native.set_isa(before)


@pytest.fixture
def assert_rejected():
    """Check that call() raises error, a PybpError whose message has words."""

    def check(call, error, words, kinds=(ValueError, TypeError)):
        with pytest.raises(error) as info:
            call()
        assert isinstance(info.value, errors.PybpError)
        assert isinstance(info.value, kinds)
        for word in words:
            assert word in str(info.value)

    return check
