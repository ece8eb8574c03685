"""Instructions per step of an overhead-bound workload, counted with valgrind (load-independent).

Wall-clock timings mean little on a loaded machine; the number of instructions a step
executes does not depend on load. It is a proxy for time (it ignores cache misses,
branch mispredictions and PyTorch's second thread), good for comparing two versions of
nettrain's engine and, roughly, nettrain against PyTorch on the same small workloads.

Usage:
    python benchmarks/instructions.py op chain toy          # nettrain and torch
    python benchmarks/instructions.py --frameworks nettrain op

Each (framework, workload) runs twice under ``valgrind --tool=callgrind``, with
``--steps`` and with twice as many steps, after a warm-up; the difference divided by the
extra steps is the per-step count, so imports and set-up cancel out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = {"toy": 500, "op": 1000, "chain": 10}
MINIMAL = ("op", "chain")  # the workloads minimal_engine.py implements


def _child(framework: str, workload: str, steps: int) -> None:
    """Build the workload, warm it up, then run ``steps`` steps (under valgrind)."""
    sys.path.insert(0, str(HERE))
    import gc

    import data as bench_data
    import lib_workloads
    import minimal_engine

    if framework == "torch":
        import torch

        torch.set_num_threads(1)
    inputs = bench_data.make(workload)
    if framework == "minimal":
        step = getattr(minimal_engine, f"build_{workload}")(inputs)
    else:
        step = getattr(lib_workloads, f"build_{workload}")(framework, inputs)
    for _ in range(5):
        step()
    gc.collect()
    gc.freeze()  # as run.py: torch's import leaves objects the GC would rescan
    for _ in range(steps):
        step()


def _count(framework: str, workload: str, steps: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            framework,
            workload,
            str(steps),
        ]
        # a fixed hash seed: set and dict layouts (and so instruction counts) repeat
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        text = Path(out).read_text()
    match = re.search(r"^summary:\s+(\d+)", text, re.MULTILINE) or re.search(
        r"^totals:\s+(\d+)", text, re.MULTILINE
    )
    if match is None:
        raise RuntimeError("no instruction total in callgrind output")
    return int(match.group(1))


def per_step(framework: str, workload: str, steps: int) -> float:
    """Instructions of one step: the difference of runs with ``steps`` and ``2*steps``."""
    low = _count(framework, workload, steps)
    high = _count(framework, workload, 2 * steps)
    return (high - low) / steps


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="+", choices=sorted(STEPS))
    parser.add_argument(
        "--frameworks", default="nettrain,torch,minimal", help="comma-separated; minimal: op/chain"
    )
    args = parser.parse_args()
    frameworks = args.frameworks.split(",")
    print("instructions per step (valgrind callgrind; a proxy for time)")
    for workload in args.workloads:
        counts = {
            fw: per_step(fw, workload, STEPS[workload])
            for fw in frameworks
            if fw != "minimal" or workload in MINIMAL
        }
        line = "  ".join(f"{fw} {n / 1e3:,.1f}k" for fw, n in counts.items())
        ratios = ""
        if "nettrain" in counts and "torch" in counts:
            ratios += f"  nettrain/torch {counts['nettrain'] / counts['torch']:.2f}"
        if "nettrain" in counts and "minimal" in counts:
            ratios += f"  nettrain/minimal {counts['nettrain'] / counts['minimal']:.2f}"
        print(f"{workload:6s} {line}{ratios}", flush=True)


if __name__ == "__main__":
    main()
