"""How libgomp's wait policy changes pybp's call cost and its neighbours' speed.

Usage: ``python bench/threads.py [--threads 2] [--quick]``

libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT when it loads, so each
setting runs in its own child process. Each child measures, at the given
thread count:

- tiny: per-call time of ``pybp.ops.matmul`` on 8x8 (one thread, no
  parallel region) and on 96x96x96 (1.8 MFLOP, just above the size that
  runs on all threads, so it opens a parallel region);
- the W2 and W1 training steps (plan calls);
- numpy: a 512x512 float32 NumPy product alone, then each call's time in a
  loop that alternates it with a W1 step. If the product is slower right
  after a step than alone, pybp's waiting threads slow NumPy. If the step
  is slower right after the product, OpenBLAS's threads slow pybp;
- busy: the W1 step while one CPU-bound process competes for the cores,
  as on a shared machine.
"""

import os
import sys

import benchenv

if __name__ == "__main__":
    benchenv.reexec_without_openblas_overrides()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

benchenv.ensure_pybp_importable()

# (label, environment changes); the default leaves both variables unset,
# which makes libgomp spin 300,000 times before it sleeps (libgomp manual,
# GOMP_SPINCOUNT; gcc 12).
SETTINGS = [
    ("default", {}),
    ("OMP_WAIT_POLICY=passive", {"OMP_WAIT_POLICY": "passive"}),
    ("OMP_WAIT_POLICY=active", {"OMP_WAIT_POLICY": "active"}),
    ("GOMP_SPINCOUNT=0", {"GOMP_SPINCOUNT": "0"}),
    ("GOMP_SPINCOUNT=1000", {"GOMP_SPINCOUNT": "1000"}),
    ("GOMP_SPINCOUNT=10000", {"GOMP_SPINCOUNT": "10000"}),
    ("GOMP_SPINCOUNT=100000", {"GOMP_SPINCOUNT": "100000"}),
]
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def per_call(fn, min_time, repeats=5):
    """Return the median seconds per call over repeats of >= min_time each."""
    fn()
    start = time.perf_counter()
    warm = 0
    while warm < 3 or time.perf_counter() - start < min_time / 4:
        fn()
        warm += 1
    estimate = (time.perf_counter() - start) / warm
    calls = max(1, math.ceil(min_time / estimate))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def w_step(name):
    """Return a function running one plan train step of workload name."""
    import peers

    cases = peers.pybp_train_cases(name, peers.WORKLOADS[name])
    return cases[0].run


def alternating(first, second, min_time):
    """Return median seconds of each call when first and second alternate."""
    first_times, second_times = [], []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time * 5 or len(first_times) < 20:
        t0 = time.perf_counter()
        first()
        t1 = time.perf_counter()
        second()
        t2 = time.perf_counter()
        first_times.append(t1 - t0)
        second_times.append(t2 - t1)
    # The first pair runs before the pattern settles.
    return statistics.median(first_times[1:]), statistics.median(second_times[1:])


def child(threads, min_time):
    import pybp
    from threadpoolctl import threadpool_limits

    pybp.set_num_threads(threads)
    threadpool_limits(threads, user_api="blas")
    rng = np.random.default_rng(0)
    result = {}
    a8 = rng.standard_normal((8, 8), dtype=np.float32)
    out8 = np.empty((8, 8), np.float32)
    result["matmul 8 us"] = 1e6 * per_call(
        lambda: pybp.ops.matmul(a8, a8, out=out8), min_time)
    a96 = rng.standard_normal((96, 96), dtype=np.float32)
    out96 = np.empty((96, 96), np.float32)
    result["matmul 96 us"] = 1e6 * per_call(
        lambda: pybp.ops.matmul(a96, a96, out=out96), min_time)
    w2 = w_step("W2")
    result["W2 step us"] = 1e6 * per_call(w2, min_time)
    w1 = w_step("W1")
    result["W1 step ms"] = 1e3 * per_call(w1, min_time)

    a = rng.standard_normal((512, 512), dtype=np.float32)
    c = np.empty_like(a)

    def numpy_product():
        np.matmul(a, a, out=c)

    result["numpy 512 ms"] = 1e3 * per_call(numpy_product, min_time)
    w1_next, numpy_next = alternating(w1, numpy_product, min_time)
    result["numpy after W1 ms"] = 1e3 * numpy_next
    result["W1 after numpy ms"] = 1e3 * w1_next

    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        result["W1 busy ms"] = 1e3 * per_call(w1, min_time)
    finally:
        busy.kill()
        busy.wait()
    return result


COLUMNS = [("matmul 8 us", "8x8 us"), ("matmul 96 us", "96^3 us"),
           ("W2 step us", "W2 us"), ("W1 step ms", "W1 ms"),
           ("numpy 512 ms", "np512 ms"), ("numpy after W1 ms", "np512 after W1 ms"),
           ("W1 after numpy ms", "W1 after np512 ms"), ("W1 busy ms", "W1 busy ms")]


# Columns that the score weighs: the parallel-region call, both steps, the
# two halves of the alternating loop and the step beside a busy process.
SCORED = ("matmul 96 us", "W2 step us", "W1 step ms", "numpy after W1 ms",
          "W1 after numpy ms", "W1 busy ms")


def score(values, default):
    """Return the geometric mean of values over default on the SCORED columns."""
    logs = [math.log(values[key] / default[key]) for key in SCORED]
    return math.exp(sum(logs) / len(logs))


def run_setting(extra_env, threads, min_time):
    env = {k: v for k, v in os.environ.items() if k not in WAIT_VARIABLES}
    env.update(extra_env)
    cmd = [sys.executable, os.path.abspath(__file__), "--child",
           "--threads", str(threads), "--min-time", str(min_time)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed: {proc.stderr.strip()[-300:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="shorter samples and one round")
    parser.add_argument("--rounds", type=int, default=None,
                        help="times each setting runs, in turns (default 3)")
    parser.add_argument("--min-time", type=float, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    min_time = args.min_time or (0.05 if args.quick else 0.2)
    if args.child:
        print(json.dumps(child(args.threads, min_time)))
        return
    rounds = args.rounds or (1 if args.quick else 3)
    results = {label: [] for label, _ in SETTINGS}
    load_start = os.getloadavg()
    for _ in range(rounds):
        for label, extra in SETTINGS:
            results[label].append(run_setting(extra, args.threads, min_time))
            print(f"{label}: {results[label][-1]}", file=sys.stderr, flush=True)
    print(f"Threads: {args.threads}; medians of {rounds} round(s), each setting in a "
          f"fresh process; load average {load_start} at start, {os.getloadavg()} "
          "at end")
    print("Command: " + " ".join([os.path.basename(sys.executable)] + sys.argv))
    print()
    print("| setting | " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    medians = {label: {key: statistics.median(r[key] for r in results[label])
                       for key, _ in COLUMNS} for label, _ in SETTINGS}
    for label, _ in SETTINGS:
        values = [medians[label][key] for key, _ in COLUMNS]
        print(f"| {label} | " + " | ".join(f"{v:.3g}" for v in values) + " |")
    scores = {label: score(medians[label], medians["default"]) for label in medians}
    best = min(scores, key=scores.get)
    print()
    print("Score: geometric mean of time over the default's for " +
          ", ".join(SCORED) + " (lower is better):")
    print(", ".join(f"{label} {value:.2f}" for label, value in scores.items()))
    print(f"Recommended: {best}")


if __name__ == "__main__":
    main()
