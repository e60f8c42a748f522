"""pytest-benchmark timings of whole training steps (W1, W2) and W4 predict.

Run with ``pytest bench/ --benchmark-only``; the default test command only
collects tests/. Thread counts 1 and 2 are parametrized.
"""

import numpy as np
import pytest

import peers

pybp = pytest.importorskip("pybp")


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}thr")
def threads(request):
    before = pybp.get_num_threads()
    pybp.set_num_threads(request.param)
    yield request.param
    pybp.set_num_threads(before)


@pytest.mark.parametrize("name", ["W1", "W2"])
def test_plan_step(benchmark, name, threads):
    step = peers.pybp_train_cases(name, peers.WORKLOADS[name])[0]
    benchmark(step.run)


@pytest.mark.parametrize("name", ["W1", "W2"])
def test_train_on_batch(benchmark, name, threads):
    spec = peers.WORKLOADS[name]
    model = peers.pybp_model(spec)
    x, y = peers.make_data(spec, spec["batch"])
    loss = benchmark(model.train_on_batch, x, y)
    assert np.isfinite(loss)


@pytest.mark.parametrize("batch", [1, 1024])
def test_predict(benchmark, batch, threads):
    spec = peers.WORKLOADS["W1"]
    model = peers.pybp_model(spec)
    x, _ = peers.make_data(spec, batch)
    probs = benchmark(model.predict, x)
    assert probs.shape == (batch, spec["sizes"][-1])


def test_predict_plan_batch1(benchmark, threads):
    case = peers.pybp_predict_cases(peers.WORKLOADS["W1"], 1)[0]
    benchmark(case.run)
