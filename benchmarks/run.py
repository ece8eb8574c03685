"""nettrain vs PyTorch (CPU) vs hand-written numpy, in one process, alternating rounds.

Usage:
    python benchmarks/run.py                    # every workload (about 2-3 minutes)
    python benchmarks/run.py --only op,chain    # some of them
    python benchmarks/run.py --rounds 9         # more rounds, steadier medians

Each framework starts from the same weights and data (see ``data.py``); the
first-step losses are printed side by side as a correctness check. Times are
medians over rounds of ms per step; ratios are nettrain / PyTorch from the same run.
See README.md for what each workload is and the latest table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data as bench_data  # noqa: E402
import lib_workloads  # noqa: E402
import machine  # noqa: E402
import numpy_ref  # noqa: E402

from nettrain.utils import keep_freed_memory  # noqa: E402

FRAMEWORKS = ("nettrain", "torch", "numpy")
CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter
_torch_threads_set = False
SETTLE_S = 0.25  # longer than OpenBLAS's idle spin (2^28 cycles)


@dataclass
class Spec:
    """One row of the table: a workload at one size."""

    key: str
    workload: str
    batch: int | None = None
    flops: float | None = None


SPECS = [
    Spec("toy", "toy"),
    Spec("op", "op"),
    Spec("chain", "chain"),
    Spec("mlp16", "mlp", 16, bench_data.mlp_flops(16)),
    Spec("mlp128", "mlp", 128, bench_data.mlp_flops(128)),
    Spec("mlp1024", "mlp", 1024, bench_data.mlp_flops(1024)),
    Spec("cnn", "cnn", 64),
    Spec("adam", "adam"),
    Spec("lstm", "lstm", 32),
    Spec("transformer", "transformer", 16),
]
EXTRA = ("cli", "memory")


@dataclass
class Result:
    """Timings of one framework on one spec."""

    times: list[float] = field(default_factory=list)  # ms per step, one per round
    check: float | None = None
    skipped: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def check_value(value: Any) -> float:
    """A step's return value (loss tensor, array or float) as one float."""
    if isinstance(value, float):
        return value
    if hasattr(value, "detach"):
        value = value.detach()
    flat = value.reshape(-1)[0]
    return float(flat.item() if hasattr(flat, "item") else flat)


def build(framework: str, spec: Spec) -> Callable[[], Any]:
    """The step function of ``framework`` for ``spec`` (raises lib_workloads.Skip)."""
    inputs = bench_data.make(spec.workload, spec.batch)
    if framework == "numpy":
        if spec.workload not in numpy_ref.BUILDERS:
            raise lib_workloads.Skip("no hand-written numpy version")
        return numpy_ref.BUILDERS[spec.workload](inputs)
    return lib_workloads.BUILDERS[spec.workload](framework, inputs)


def time_steps(step: Callable[[], Any], count: int) -> float:
    """ms per step over ``count`` consecutive steps."""
    start = _clock()
    for _ in range(count):
        step()
    return (_clock() - start) * 1e3 / count


def settle(step: Callable[[], Any]) -> None:
    """Before a round: let the previous framework's idle threads go to sleep, then run one
    untimed step. OpenBLAS workers spin for about 2^28 cycles (~0.1 s) after each call and
    OpenMP workers spin too; on a 2-core machine a spinning neighbour took half the cores
    from the next round (PyTorch's transformer step measured 16 ms instead of 7)."""
    time.sleep(SETTLE_S)
    step()


def bench(spec: Spec, frameworks: list[str], rounds: int, round_ms: float) -> dict[str, Result]:
    """Build every framework's step, check first losses, then time alternating rounds."""
    results = {fw: Result() for fw in frameworks}
    steps: dict[str, Callable[[], Any]] = {}
    counts: dict[str, int] = {}
    for fw in frameworks:
        try:
            step = build(fw, spec)
            results[fw].check = check_value(step())  # the first step, from the shared start
        except lib_workloads.Skip as exc:
            results[fw].skipped = str(exc)
            continue
        except Exception as exc:  # a framework bug must not hide the other results
            results[fw].skipped = f"error: {type(exc).__name__}: {exc}"[:200]
            continue
        once = time_steps(step, 1)  # warm-up, and a first guess of the step time
        counts[fw] = max(1, min(5000, int(round_ms / max(once, 1e-3))))
        time_steps(step, min(counts[fw], 3))
        steps[fw] = step
    gc.collect()
    gc.freeze()  # see README: keep imported modules out of the cyclic GC's scans
    order = list(steps)
    for r in range(rounds):
        rotated = order[r % len(order) :] + order[: r % len(order)] if order else []
        for fw in rotated:
            settle(steps[fw])
            results[fw].times.append(time_steps(steps[fw], counts[fw]))
    steps.clear()
    gc.unfreeze()
    gc.collect()
    return results


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited over fork+exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_child(framework: str, steps: int) -> None:
    """Run MLP b128 alone in this process and print its RSS profile as JSON."""
    step = build(framework, Spec("mlp128", "mlp", 128))
    samples = {}
    for i in range(1, steps + 1):
        step()
        if i in (10, 100, steps):
            samples[i] = current_rss_mb()
    print(json.dumps({"peak": peak_rss_mb(), "samples": samples}))


def memory_section(frameworks: list[str], steps: int) -> list[str]:
    """Peak RSS of 1,000 MLP b128 steps, each framework in its own fresh process."""
    lines = [
        f"Memory: MLP b128, {steps} steps, each framework alone in a fresh process",
        "",
        "| framework | peak RSS MB | RSS at step 10 | step 100 | last step |",
        "|---|---|---|---|---|",
    ]
    peaks = {}
    for fw in frameworks:
        proc = subprocess.run(
            [sys.executable, __file__, "--memory-child", fw, "--memory-steps", str(steps)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            lines.append(f"| {fw} | failed: {proc.stderr.strip().splitlines()[-1:]} | | | |")
            continue
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        s = out["samples"]
        peaks[fw] = out["peak"]
        lines.append(
            f"| {fw} | {out['peak']:.0f} | {s['10']:.0f} | {s['100']:.0f} | {s[str(steps)]:.0f} |"
        )
    if "nettrain" in peaks and "torch" in peaks:
        lines += ["", f"peak RSS nettrain / PyTorch: {peaks['nettrain'] / peaks['torch']:.2f}"]
    return lines


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[tuple[Spec, dict[str, Result]]], frameworks: list[str]) -> list[str]:
    lines = [
        "| workload | nettrain ms | PyTorch ms | numpy ms | nettrain/PyTorch | numpy/PyTorch"
        " | best nt / pt / np | GFLOP/s nt / pt / np | first loss nt / pt / np |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for spec, res in rows:
        med = {fw: res[fw].median if fw in res and res[fw].times else None for fw in FRAMEWORKS}
        best = {fw: res[fw].best if fw in res and res[fw].times else None for fw in FRAMEWORKS}
        check = {fw: res[fw].check if fw in res else None for fw in FRAMEWORKS}
        torch_ms = med["torch"]
        ratio = med["nettrain"] / torch_ms if med["nettrain"] and torch_ms else None
        floor = med["numpy"] / torch_ms if med["numpy"] and torch_ms else None
        gflops = "-"
        if spec.flops:
            gflops = " / ".join(
                "-" if med[fw] is None else f"{spec.flops / med[fw] / 1e6:.1f}" for fw in FRAMEWORKS
            )
        lines.append(
            f"| {spec.key} | {fmt(med['nettrain'])} | {fmt(torch_ms)} | {fmt(med['numpy'])} "
            f"| **{fmt(ratio, 2)}** | {fmt(floor, 2)} "
            f"| {' / '.join(fmt(best[fw]) for fw in FRAMEWORKS)} | {gflops} "
            f"| {' / '.join(fmt(check[fw], 6) for fw in FRAMEWORKS)} |"
        )
        for fw in frameworks:
            if fw in res and res[fw].skipped:
                notes.append(f"- {spec.key}: {fw} skipped ({res[fw].skipped})")
        known = [v for v in check.values() if v is not None]
        if len(known) > 1 and max(known) - min(known) > 1e-4 * max(1.0, abs(known[0])):
            notes.append(f"- {spec.key}: FIRST-STEP VALUES DISAGREE {check}")
    return lines + ([""] + notes if notes else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", help="comma-separated: " + ", ".join([s.key for s in SPECS] + list(EXTRA))
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per workload")
    parser.add_argument("--round-ms", type=float, default=150.0, help="target time of one round")
    parser.add_argument("--memory-steps", type=int, default=1000)
    parser.add_argument(
        "--torch-threads", type=int, help="optional: torch.set_num_threads (default: torch's own)"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCK),
        default="wall",
        help="optional: 'cpu' times process CPU (all threads) instead of wall time, steadier"
        " for single-threaded work on a busy machine",
    )
    parser.add_argument(
        "--allocator",
        choices=("keep", "default"),
        default="keep",
        help="'keep' (default): nettrain.utils.keep_freed_memory() for the whole process, as"
        " `nettrain train` does; 'default': glibc's own thresholds (page faults every step)",
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global _clock
    _clock = CLOCK[args.clock]
    if args.memory_child:
        memory_child(args.memory_child, args.memory_steps)
        return 0
    wanted = set(args.only.split(",")) if args.only else {s.key for s in SPECS} | set(EXTRA)
    unknown = wanted - {s.key for s in SPECS} - set(EXTRA)
    if unknown:
        parser.error(f"unknown workload(s) {sorted(unknown)}")
    try:
        import torch

        frameworks = list(FRAMEWORKS)
        if args.torch_threads:
            global _torch_threads_set
            _torch_threads_set = True
            torch.set_num_threads(args.torch_threads)
    except ImportError:
        frameworks = ["nettrain", "numpy"]
    kept = args.allocator == "keep" and keep_freed_memory()
    allocator = "freed memory kept (keep_freed_memory)" if kept else "glibc defaults"
    print("\n".join(machine.describe(_torch_threads_set)), flush=True)
    print(f"allocator: {allocator}, for all frameworks in this process", flush=True)
    rows = []
    for spec in SPECS:
        if spec.key not in wanted:
            continue
        start = time.perf_counter()
        res = bench(spec, frameworks, args.rounds, args.round_ms)
        rows.append((spec, res))
        meds = ", ".join(f"{fw} {r.median:.3f}" for fw, r in res.items() if r.times)
        print(
            f"{spec.key}: {meds} ms ({time.perf_counter() - start:.1f} s, peak RSS "
            f"{peak_rss_mb():.0f} MB)",
            flush=True,
        )
    lines = [""] + table(rows, frameworks) if rows else []
    if "cli" in wanted:
        import cli_bench

        lines += [""] + cli_bench.section(args.rounds)
    if "memory" in wanted:
        lines += [""] + memory_section(frameworks, args.memory_steps)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
