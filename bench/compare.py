"""Compare pybp with its peers on workloads W1-W6 and W1's memory use.

Usage::

    python bench/compare.py [--quick] [--threads 1,2] [--repeats N] [--out FILE]

Peers: a plain NumPy implementation (bench/numpy_mlp.py), PyTorch eager,
torch.compile, and scikit-learn's MLP (partial_fit per minibatch, and fit).
A peer that is not installed is skipped with a line saying so. For every
workload and thread count all cases are warmed up, then timed in turns
(the order rotates each repeat) so that drifting machine load hits all of
them alike. A sample runs a case enough times to take 0.05 s (0.02 s with
--quick). The report gives the median, min-max, peer/pybp time ratio (above
1 means pybp is faster), GFLOP/s and the share of the peak. The peak is the
best NumPy float32 square matrix product rate measured in the same run at
that thread count.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE slow a current NumPy's OpenBLAS, so
the script runs itself again without them (only its own process and
children).
"""

import os
import sys

import benchenv

if __name__ == "__main__":
    benchenv.reexec_without_openblas_overrides()

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402


benchenv.ensure_pybp_importable()
import pybp  # noqa: E402

import peers  # noqa: E402

BENCH_DIR = benchenv.BENCH_DIR

GEMM_PEAK_LABEL = "square"


class Runner:
    """Times groups of cases and collects the report's rows."""

    def __init__(self, args, installed):
        self.args = args
        self.installed = installed
        self.rows = []
        self.notes = []
        self.peak = {}
        self.compile_spent = 0.0
        self.compile_ok = None
        self._blas_limiter = None

    def log(self, message):
        print(message, file=sys.stderr, flush=True)

    # ---- threads ----

    def set_threads(self, n):
        pybp.set_num_threads(n)
        if self.installed.get("torch"):
            import torch

            torch.set_num_threads(n)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            # NOTE: without threadpoolctl NumPy's BLAS keeps its own thread
            # count, so its rows do not follow the threads column.
            self.log("threadpoolctl is not installed: NumPy's BLAS threads are "
                     "not limited; pip install threadpoolctl")
            return
        self._blas_limiter = threadpool_limits(n, user_api="blas")

    # ---- timing ----

    def calibrate(self, case):
        """Warm a case up and return the calls per sample to fill min_time."""
        start = time.perf_counter()
        calls = 0
        while calls < 2 or time.perf_counter() - start < self.args.warmup:
            case.run()
            calls += 1
            if calls == 1 and time.perf_counter() - start > 0.3:
                break
        per_call = (time.perf_counter() - start) / calls
        return max(1, min(100_000, math.ceil(self.args.min_time / per_call)))

    def sample(self, case, calls):
        gc.collect()
        time.sleep(self.args.pause)
        clock = self.args.clock_function
        start = clock()
        for _ in range(calls):
            case.run()
        return (clock() - start) / (calls * case.steps)

    def measure(self, cases, repeats):
        """Return {case: [seconds per step]} with cases timed in turns."""
        calls = {case: self.calibrate(case) for case in cases}
        times = {case: [] for case in cases}
        for r in range(repeats):
            shift = r % len(cases)
            for case in cases[shift:] + cases[:shift]:
                times[case].append(self.sample(case, calls[case]))
        return times

    def add_group(self, workload, threads, cases, repeats, gflop, extra=""):
        times = self.measure(cases, repeats)
        ref = [c for c in cases if c.reference][0]
        ref_median = statistics.median(times[ref])
        for case in cases:
            t = times[case]
            median = statistics.median(t)
            row = dict(workload=workload, peer=case.peer, case=case.label,
                       threads=threads, median=median, low=min(t), high=max(t),
                       ratio=median / ref_median, gflop=gflop, extra=extra)
            self.rows.append(row)
            self.log(format_row(row, self.peak))

    # ---- torch.compile ----

    def compile_allowed(self, what):
        """Return True while torch.compile is usable and within its time budget."""
        if not self.args.compile or not self.installed.get("torch"):
            return False
        if self.compile_ok is None:
            self.compile_ok = self.probe_compile()
        if not self.compile_ok:
            return False
        if self.compile_spent > self.args.compile_budget:
            self.notes.append(f"torch.compile skipped for {what}: the compile budget "
                              f"of {self.args.compile_budget:.0f} s was spent")
            return False
        return True

    def probe_compile(self):
        """Compile W1's step in a child process, which also fills the disk cache."""
        code = ("import sys; sys.path.insert(0, %r); import peers; "
                "peers.torch_train_cases('W1', peers.WORKLOADS['W1'], compiled=True)"
                % BENCH_DIR)
        start = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, timeout=self.args.compile_timeout)
        except subprocess.TimeoutExpired:
            self.notes.append(f"torch.compile skipped: compiling W1's step took over "
                              f"{self.args.compile_timeout:.0f} s")
            return False
        elapsed = time.perf_counter() - start
        self.compile_spent += elapsed
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            self.notes.append(f"torch.compile skipped: it failed ({last[:160]})")
            return False
        self.notes.append(f"torch.compile: compiling W1's step in a fresh process "
                          f"took {elapsed:.0f} s")
        return True

    def compiled(self, what, build):
        """Return build()'s cases, timing the compile, or [] when not allowed."""
        if not self.compile_allowed(what):
            return []
        start = time.perf_counter()
        try:
            cases = build()
        except Exception as exc:  # noqa: BLE001 - any compiler failure skips the peer
            message = " ".join(str(exc).split())[:160]
            self.notes.append(f"torch.compile failed for {what}: "
                              f"{type(exc).__name__}: {message}")
            cases = []
        self.compile_spent += time.perf_counter() - start
        return cases


# ---- workloads ----

def run_gemm(runner, threads_list):
    installed = runner.installed
    shapes = peers.gemm_shapes()
    if runner.args.quick:
        shapes = [s for s in shapes if not s[0].startswith("W3") and s[1] <= 1024]
    for threads in threads_list:
        runner.set_threads(threads)
        # Squares first: they set the peak that every later row is measured against.
        ordered = sorted(shapes, key=lambda s: not s[0].startswith(GEMM_PEAK_LABEL))
        for label, m, k, n, ta, tb in ordered:
            cases = peers.gemm_cases(m, k, n, ta, tb, installed)
            gflop = 2.0 * m * k * n / 1e9
            shape = f"{m}x{k}x{n}{' Ta' if ta else ''}{' Tb' if tb else ''}"
            times = runner.measure(cases, runner.args.repeats)
            if label.startswith(GEMM_PEAK_LABEL):
                best = gflop / min(times[cases[1]])
                runner.peak[threads] = max(runner.peak.get(threads, 0.0), best)
            ref_median = statistics.median(times[cases[0]])
            for case in cases:
                t = times[case]
                row = dict(workload=f"W6 {label}", peer=case.peer, case=case.label,
                           threads=threads, median=statistics.median(t), low=min(t),
                           high=max(t), ratio=statistics.median(t) / ref_median,
                           gflop=gflop, extra=shape)
                runner.rows.append(row)
                runner.log(format_row(row, runner.peak))


def run_training(runner, name, threads_list, repeats):
    spec = peers.WORKLOADS[name]
    installed = runner.installed
    gflop = peers.step_gflop(spec["sizes"], spec["batch"])
    builders = [lambda: peers.pybp_train_cases(name, spec),
                lambda: peers.numpy_train_cases(name, spec)]
    if installed.get("torch"):
        builders.append(lambda: peers.torch_train_cases(name, spec))
    if installed.get("sklearn") and not (runner.args.quick and name == "W3"):
        builders.append(lambda: peers.sklearn_train_cases(name, spec))
    cases = [case for build in builders for case in build()]
    if runner.args.quick and name == "W3":
        # Keep W3's reference step only: each of its steps takes about 0.5 s.
        cases = [c for c in cases if c.peer != "pybp" or c.reference]
    cases += runner.compiled(f"{name} step",
                             lambda: peers.torch_train_cases(name, spec, compiled=True))
    for threads in threads_list:
        runner.set_threads(threads)
        runner.add_group(name, threads, cases, repeats, gflop)
    del cases
    gc.collect()


def run_inference(runner, threads_list, repeats):
    spec = peers.WORKLOADS["W1"]
    installed = runner.installed
    for batch in (1, 1024):
        gflop = peers.forward_gflop(spec["sizes"], batch)
        cases = peers.pybp_predict_cases(spec, batch)
        cases += peers.numpy_predict_cases(spec, batch)
        if installed.get("torch"):
            cases += peers.torch_predict_cases(spec, batch)
        if installed.get("sklearn"):
            cases += peers.sklearn_predict_cases(spec, batch)
        cases += runner.compiled(f"W4 batch {batch}", lambda: peers.torch_predict_cases(
            spec, batch, compiled=True))
        for threads in threads_list:
            runner.set_threads(threads)
            runner.add_group(f"W4 batch {batch}", threads, cases, repeats, gflop)


def run_digits(runner, threads_list, repeats):
    runs = peers.digits_runs([p for p, v in runner.installed.items() if v])
    spec = peers.DIGITS
    (xtr, _), _ = peers.digits_split()
    steps = spec["epochs"] * -(-xtr.shape[0] // spec["batch"])
    gflop = peers.step_gflop(spec["sizes"], spec["batch"]) * steps
    for threads in threads_list:
        runner.set_threads(threads)
        accuracy = {}
        times = {peer: [] for peer in runs}
        for r in range(repeats):
            names = list(runs)
            shift = r % len(names)
            for peer in names[shift:] + names[:shift]:
                gc.collect()
                time.sleep(runner.args.pause)
                clock = runner.args.clock_function
                start = clock()
                accuracy[peer] = runs[peer]()
                times[peer].append(clock() - start)
        ref = statistics.median(times["pybp"])
        for peer, t in times.items():
            row = dict(workload="W5 digits", peer=peer, case="30 epochs",
                       threads=threads, median=statistics.median(t), low=min(t),
                       high=max(t), ratio=statistics.median(t) / ref, gflop=gflop,
                       extra=f"test accuracy {accuracy[peer]:.4f}")
            runner.rows.append(row)
            runner.log(format_row(row, runner.peak))


def run_memory(runner, threads):
    results = []
    for peer in ("pybp", "numpy", "torch", "sklearn"):
        if peer != "pybp" and peer != "numpy" and not runner.installed.get(peer):
            continue
        cmd = [sys.executable, os.path.join(BENCH_DIR, "memory.py"), peer, str(threads)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            runner.notes.append(f"memory test of {peer} timed out after 600 s")
            continue
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            runner.notes.append(f"memory test of {peer} failed: {last[:160]}")
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(result)
        runner.log(f"memory {peer}: {result}")
    return results


# ---- report ----

def format_seconds(t):
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.3f} ms"
    return f"{t:.2f} s"


def format_row(row, peak):
    rate = row["gflop"] / row["median"]
    share = peak.get(row["threads"])
    share_text = f"{100 * rate / share:.0f}%" if share else "-"
    return (f"| {row['workload']} | {row['peer']} | {row['case']} | {row['threads']} "
            f"| {format_seconds(row['median'])} | {format_seconds(row['low'])} - "
            f"{format_seconds(row['high'])} | {row['ratio']:.2f} | {rate:.2f} | "
            f"{share_text} | {row['extra']} |")


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl is not installed)"

    parts = []
    for pool in threadpool_info():
        parts.append(f"{pool.get('internal_api')} {pool.get('version')} "
                     f"(kernel {pool.get('architecture', '-')}, "
                     f"{pool.get('num_threads')} threads, "
                     f"{os.path.basename(pool.get('filepath', ''))})")
    return "; ".join(parts)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def header(args, installed, load_start, started):
    lines = [f"Date: {started:%Y-%m-%d %H:%M} UTC",
             "Command: " + shlex.join([os.path.relpath(sys.executable)] + sys.argv),
             f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs",
             f"Python {platform.python_version()}, pybp {pybp.__version__} "
             f"{pybp.config()}"]
    versions = ", ".join(f"{peer} {v}" if v else f"{peer} not installed"
                         for peer, v in installed.items())
    lines.append("Peers: " + versions)
    lines.append("BLAS and OpenMP pools: " + blas_description())
    unset = os.environ.get("PYBP_BENCH_UNSET")
    lines.append("Unset for this run: " + (unset or "nothing (none was set)"))
    thread_env = {k: v for k, v in os.environ.items()
                  if k.startswith(("OMP_", "GOMP_", "OPENBLAS_", "MKL_"))}
    lines.append(f"Thread settings: threads {args.threads} set per row through "
                 f"pybp.set_num_threads, torch.set_num_threads and threadpoolctl "
                 f"(BLAS); environment {thread_env or 'none'}")
    lines.append(f"Timing: {args.clock} clock, {args.repeats} repeats (W3: {args.w3_repeats}) after warm-up, "
                 f"each sample >= {args.min_time} s, {args.pause} s pause before each")
    lines.append("Load average at start: " + " ".join(f"{x:.2f}" for x in load_start))
    return lines


TABLE_HEAD = ("| workload | peer | case | threads | median | min - max | peer/pybp | "
              "GFLOP/s | % of peak | notes |\n|---|---|---|---|---|---|---|---|---|---|")


def find(rows, workload, peer, case=None, threads=None):
    for row in rows:
        if (row["workload"] == workload and row["peer"] == peer
                and (case is None or row["case"] == case)
                and (threads is None or row["threads"] == threads)):
            return row
    return None


def target_lines(rows, memory, peak, threads):
    """Return one line per target of the benchmark plan: met or by how much missed."""
    lines = []

    def verdict(ok):
        return "met" if ok else "MISSED"

    # The numpy row's ratio is OpenBLAS time over pybp time: pybp's relative speed.
    gemm = [(r["workload"], r["ratio"]) for r in rows
            if r["workload"].startswith("W6") and r["peer"] == "numpy"
            and r["threads"] == threads]
    if gemm:
        worst = min(gemm, key=lambda g: g[1])
        ok = sum(1 for _, v in gemm if v >= 0.95)
        lines.append(f"- GEMM >= 0.95x OpenBLAS at each shape: "
                     f"{ok}/{len(gemm)} shapes; worst {worst[1]:.2f}x at {worst[0]} "
                     f"-> {verdict(ok == len(gemm))}")
    for name, limit, peer_factor in (("W1", 0.9e-3, 2.5), ("W2", 20e-6, 15.0)):
        pybp_row = find(rows, name, "pybp", "step (plan)", threads)
        torch_row = find(rows, name, "torch", None, threads)
        if pybp_row:
            text = (f"- {name} step <= {format_seconds(limit)}: "
                    f"{format_seconds(pybp_row['median'])} "
                    f"-> {verdict(pybp_row['median'] <= limit)}")
            if torch_row:
                text += (f"; >= {peer_factor}x torch eager: {torch_row['ratio']:.2f}x -> "
                         f"{verdict(torch_row['ratio'] >= peer_factor)}")
            lines.append(text)
    w3 = find(rows, "W3", "pybp", "step (plan)", threads)
    if w3:
        share = (w3["gflop"] / w3["median"]) / peak[threads] if peak.get(threads) else 0
        lines.append(f"- W3 step <= 190 ms: {format_seconds(w3['median'])} -> "
                     f"{verdict(w3['median'] <= 0.19)}; >= 90% of peak: "
                     f"{100 * share:.0f}% -> {verdict(share >= 0.9)}")
    for batch, limit in ((1, 8e-6), (1024, 2.5e-3)):
        row = find(rows, f"W4 batch {batch}", "pybp", "predict (plan)", threads)
        call = find(rows, f"W4 batch {batch}", "pybp", "predict", threads)
        if row:
            lines.append(f"- W4 batch {batch} <= {format_seconds(limit)}: plan "
                         f"{format_seconds(row['median'])} -> "
                         f"{verdict(row['median'] <= limit)}; model.predict "
                         f"{format_seconds(call['median'])} -> "
                         f"{verdict(call['median'] <= limit)}")
    mine = [m for m in memory if m["peer"] == "pybp"]
    if mine:
        m = mine[0]
        lines.append(f"- W1 epoch peak RSS <= 5 MiB above the loaded process: "
                     f"{m['peak_mib']:.1f} MiB -> {verdict(m['peak_mib'] <= 5)}; "
                     f"growth over {m['growth_steps']} steps {m['growth_mib']:.2f} MiB "
                     f"-> {verdict(m['growth_mib'] <= 0.5)}")
    return lines


def report(runner, args, head, memory, load_end):
    out = ["## Comparison with peers", ""]
    out += [line + "  " for line in head]
    out.append("Load average at end: " + " ".join(f"{x:.2f}" for x in load_end))
    out.append("")
    peaks = ", ".join(f"{t} thread{'s' if t > 1 else ''} {p:.1f} GFLOP/s"
                      for t, p in sorted(runner.peak.items()))
    out.append(f"Peak (best NumPy float32 square product in this run): {peaks or '-'}. "
               "peer/pybp is the peer's median time over pybp's reference row "
               "(above 1: pybp is faster).")
    out.append("")
    out.append(TABLE_HEAD)
    out += [format_row(row, runner.peak) for row in runner.rows]
    if memory:
        out += ["", "W1, one epoch over 60,000 samples at batch 128, each peer in its own "
                f"process ({memory[0]['threads']} thread(s)); peak measured as "
                f"{memory[0]['method']}:", "",
                "| peer | peak above loaded process | RSS growth over 1,000 steps | "
                "loaded process | whole-process peak |", "|---|---|---|---|---|"]
        for m in memory:
            out.append(f"| {m['peer']} | {m['peak_mib']:.1f} MiB | "
                       f"{m['growth_mib']:.2f} MiB | {m['base_mib']:.0f} MiB | "
                       f"{m['whole_peak_mib']:.0f} MiB |")
    threads = max(args.threads)
    out += ["", f"Targets, judged at {threads} thread(s):", ""]
    out += target_lines(runner.rows, memory, runner.peak, threads)
    if runner.notes:
        out += ["", "Notes:", ""] + [f"- {note}" for note in runner.notes]
    return "\n".join(out) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, shorter samples, no torch.compile, "
                             "no W3 matrix shapes, and on W3 only pybp's plan "
                             "step, NumPy and torch")
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed samples per case (default 4, --quick 2)")
    parser.add_argument("--out", default=None, help="also write the report to FILE")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6,memory",
                        help="comma-separated subset of W1-W6 and memory")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time samples by wall clock, or by this process's CPU "
                             "time, which leaves out other processes on a shared "
                             "machine but counts every thread's spinning")
    parser.add_argument("--no-compile", dest="compile", action="store_false",
                        help="skip torch.compile")
    parser.add_argument("--compile-timeout", type=float, default=240.0,
                        help="seconds allowed to compile W1's step in a probe process")
    parser.add_argument("--compile-budget", type=float, default=300.0,
                        help="seconds of torch.compile time after which later "
                             "workloads skip it")
    args = parser.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if not args.threads or min(args.threads) < 1:
        parser.error(f"--threads must list counts >= 1, got {args.threads}")
    if args.repeats is None:
        args.repeats = 2 if args.quick else 4
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    args.w3_repeats = 1 if args.quick else min(args.repeats, 2)
    args.min_time = 0.02 if args.quick else 0.05
    args.warmup = 0.03 if args.quick else 0.1
    args.pause = 0.02
    if args.quick:
        args.compile = False
    args.workloads = {w.strip() for w in args.workloads.split(",")}
    args.clock_function = time.perf_counter if args.clock == "wall" else time.process_time
    return args


def main(argv=None):
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    installed = peers.available_peers()
    runner = Runner(args, installed)
    for peer, version in installed.items():
        if version is None:
            runner.notes.append(f"{peer} is not installed: its rows are skipped")
    if not args.compile:
        runner.notes.append("torch.compile skipped (--quick or --no-compile)")
    threads = args.threads
    head = header(args, installed, load_start, started)
    for line in head:
        runner.log(line)
    runner.log(TABLE_HEAD)
    wall = time.perf_counter()
    sections = [("W6", lambda: run_gemm(runner, threads))]
    for name in ("W1", "W2", "W3"):
        repeats = args.w3_repeats if name == "W3" else args.repeats
        sections.append((name, lambda name=name, repeats=repeats: run_training(
            runner, name, threads, repeats)))
    sections.append(("W4", lambda: run_inference(runner, threads, args.repeats)))
    digits_repeats = 1 if args.quick else min(args.repeats, 3)
    sections.append(("W5", lambda: run_digits(runner, threads, digits_repeats)))
    memory = []
    sections.append(("memory", lambda: memory.extend(run_memory(runner, min(threads)))))
    spent = []
    for name, run in sections:
        if name in args.workloads:
            start = time.perf_counter()
            run()
            spent.append(f"{name} {time.perf_counter() - start:.0f} s")
    runner.notes.append(f"the whole run took {time.perf_counter() - wall:.0f} s "
                        f"({', '.join(spent)})")
    text = report(runner, args, head, memory, os.getloadavg())
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
