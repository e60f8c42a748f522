"""Measure one peer's memory on W1 in a fresh process; print one JSON line.

Usage: ``python bench/memory.py PEER [THREADS]`` with PEER one of pybp,
numpy, torch, sklearn. The process imports the peer, makes 60,000 random
W1 samples (179 MiB of float32 features) and the model, then:

- peak: the rise of the peak resident set size (VmHWM) over one epoch at
  batch 128, above the resident set size (VmRSS) with imports, data and
  model in place. The peak is reset first by writing 5 to
  /proc/self/clear_refs (Linux 4.0 and later). Where that fails, the rise
  of ``resource.getrusage().ru_maxrss`` is used and named in the output.
- growth: VmRSS after 1,000 more steps on one batch minus VmRSS after the
  first 100 of them.
"""

import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import peers  # noqa: E402

N_SAMPLES = 60_000
GROWTH_STEPS = 1_000


def status_kib(field):
    """Return a VmXXX field of /proc/self/status in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak():
    """Reset VmHWM to the current RSS; return False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return status_kib("VmHWM") <= status_kib("VmRSS") + 64


def build(peer, spec, x, y):
    """Return (one_epoch(), one_step()) for peer on data x, y."""
    batch = spec["batch"]
    xb, yb = x[:batch], y[:batch]
    if peer == "pybp":
        model = peers.pybp_model(spec)

        def epoch():
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)

        return epoch, lambda: model.train_on_batch(xb, yb)
    if peer == "numpy":
        net = peers.numpy_model(spec)
        rng = np.random.default_rng(0)

        def epoch():
            order = rng.permutation(x.shape[0])
            for start in range(0, x.shape[0], batch):
                index = order[start:start + batch]
                net.train_step(x[index], y[index])

        return epoch, lambda: net.train_step(xb, yb)
    if peer == "torch":
        import torch

        model = peers.torch_model(spec)
        step = peers.torch_step_function(spec, model)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        txb, tyb = tx[:batch], ty[:batch]

        def epoch():
            order = torch.randperm(x.shape[0])
            for start in range(0, x.shape[0], batch):
                index = order[start:start + batch]
                step(tx[index], ty[index])

        return epoch, lambda: step(txb, tyb)
    if peer == "sklearn":
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        model = peers.sklearn_model(spec, warm_start=True)
        classes = np.arange(spec["sizes"][-1])
        return (lambda: model.fit(x, y),
                lambda: model.partial_fit(xb, yb, classes=classes))
    raise ValueError(f"peer must be pybp, numpy, torch or sklearn, got {peer!r}")


def measure(peer, threads):
    spec = peers.WORKLOADS["W1"]
    if peer == "pybp":
        import pybp

        pybp.set_num_threads(threads)
    elif peer == "torch":
        import torch

        torch.set_num_threads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")
    x, y = peers.make_data(spec, N_SAMPLES)
    epoch, step = build(peer, spec, x, y)
    whole_before = status_kib("VmHWM")
    rss_before = status_kib("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if reset_peak():
        method = "VmHWM after clear_refs"
        epoch()
        peak = status_kib("VmHWM") - rss_before
    else:
        method = "ru_maxrss rise"
        epoch()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before
    whole = max(whole_before, status_kib("VmHWM"))
    for _ in range(100):
        step()
    rss_start = status_kib("VmRSS")
    for _ in range(GROWTH_STEPS):
        step()
    growth = status_kib("VmRSS") - rss_start
    return {"peer": peer, "threads": threads, "method": method,
            "peak_mib": peak / 1024, "growth_mib": growth / 1024,
            "base_mib": rss_before / 1024, "whole_peak_mib": whole / 1024,
            "growth_steps": GROWTH_STEPS}


if __name__ == "__main__":
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(json.dumps(measure(sys.argv[1], threads)))
