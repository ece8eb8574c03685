"""Data-parallel scaling on one machine: the training step at 1 vs 2 MPI ranks.

    python benchmarks/mpi_scaling.py              # needs the mpi extra (mpiexec, mpi4py)
    python benchmarks/mpi_scaling.py --repeats 5  # more alternating repeats, steadier medians

For the MLP (784-512-512-10) and the LeNet-style CNN, one global batch per step, float32:

* ``1 proc x 1 thread`` and ``1 proc x 2 threads``: plain training, OpenBLAS threads as set;
* ``2 ranks x 1 thread``: ``mpiexec -n 2``, DistributedDataParallel, half the batch each.

It reports the median step time, the speed-up over one process with two threads (the
fair comparison: the same two cores), the time DDP waited for its all-reduces per step,
and one blocking all-reduce of all the gradients alone. The three setups alternate, repeat
after repeat, so load drift hits them alike; each figure is the median over repeats of
the per-run median step. Quote numbers from an idle machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WARMUP, STEPS = 5, 40
BATCH = {"mlp": 256, "cnn": 64}


def _model(name: str):  # noqa: ANN202
    from nettrain import nn

    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 10),
    )


def worker(name: str, distributed: bool) -> dict:
    """Time STEPS training steps of one workload in this process (one rank under MPI)."""
    import nettrain as nt
    import nettrain.distributed as dist
    from nettrain import nn
    from nettrain.nn.parallel import DistributedDataParallel

    size, rank = 1, 0
    if distributed:
        dist.init_process_group("mpi")
        size, rank = dist.get_world_size(), dist.get_rank()
    nt.manual_seed(0)
    model = _model(name)
    rng = np.random.default_rng(rank)
    local = BATCH[name] // size
    x = nt.tensor(rng.standard_normal((local, 1, 28, 28)).astype(np.float32))
    y = nt.tensor(rng.integers(0, 10, local))
    net = DistributedDataParallel(model) if distributed else model
    optimizer = nt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for step in range(WARMUP + STEPS):
        if step == WARMUP and distributed:
            net._reducer.wait_seconds = 0.0
        start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(net(x), y).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    result = {"name": name, "step_ms": 1e3 * statistics.median(times[WARMUP:])}
    if distributed:
        result["wait_ms"] = 1e3 * net._reducer.wait_seconds / STEPS
        flat = nt.zeros(sum(p.numel() for p in model.parameters()))
        dist.barrier()
        start = time.perf_counter()
        for _ in range(STEPS):
            dist.all_reduce(flat)
        result["allreduce_ms"] = 1e3 * (time.perf_counter() - start) / STEPS
        result["floats"] = flat.numel()
    return result


def _run(name: str, threads: int, ranks: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    src = Path(__file__).parents[1] / "src"
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    command = [sys.executable, __file__, "worker", name, str(ranks > 1)]
    if ranks > 1:
        launcher = Path(sys.executable).parent / "mpiexec"
        command = [str(launcher if launcher.exists() else "mpiexec"), "-n", str(ranks), *command]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per setup")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import machine

    print("\n".join(machine.describe()))
    print(
        f"{'workload':<6} {'setup':<18} {'step ms':>9} {'vs 1x2':>7} {'DDP wait ms':>12} "
        f"{'allreduce ms':>13}"
    )
    setups = [
        ("1 proc x 1 thread", 1, 1),
        ("1 proc x 2 threads", 2, 1),
        ("2 ranks x 1 thread", 1, 2),
    ]
    for name in ("mlp", "cnn"):
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in setups}
        for _ in range(args.repeats):
            for label, threads, ranks in setups:
                runs[label].append(_run(name, threads, ranks))

        def median(label: str, key: str, runs: dict[str, list[dict]] = runs) -> float:
            return statistics.median(r[key] for r in runs[label])

        base = median("1 proc x 2 threads", "step_ms")
        for label, _, ranks in setups:
            step = median(label, "step_ms")
            wait = f"{median(label, 'wait_ms'):.2f}" if ranks > 1 else "-"
            reduce = (
                f"{median(label, 'allreduce_ms'):.2f} ({runs[label][0]['floats']:,} f32)"
                if ranks > 1
                else "-"
            )
            print(
                f"{name:<6} {label:<18} {step:>9.2f} {base / step:>6.2f}x {wait:>12} {reduce:>13}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        record = worker(sys.argv[2], sys.argv[3] == "True")
        if os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0")) == "0":
            print(json.dumps(record), flush=True)
    else:
        main()
