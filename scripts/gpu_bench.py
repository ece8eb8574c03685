"""GPU benchmarks: nettrain (cupy) against PyTorch CUDA in one process, alternating rounds.

Workloads (float32): MLP 784-512-512-10 training step at batch 1024 and 8192, the LeNet-style
CNN step at batch 256, and an Adam step over the MLP's ~670k parameters. Both frameworks start
from the same weights and data; the first-step losses are printed as a correctness check.

    python scripts/gpu_bench.py [--device cuda] [--rounds 5] [--steps 20]

``--device cpu`` runs the same code on the CPU (used to test this script without a GPU).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import nettrain as nt
import nettrain.nn as nn
import nettrain.nn.functional as F
from nettrain.backend import synchronize


def _mlp(lib: Any) -> Any:
    return lib.nn.Sequential(
        lib.nn.Linear(784, 512),
        lib.nn.ReLU(),
        lib.nn.Linear(512, 512),
        lib.nn.ReLU(),
        lib.nn.Linear(512, 10),
    )


def _cnn(lib: Any) -> Any:
    n = lib.nn
    return n.Sequential(
        n.Conv2d(1, 8, 3),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Conv2d(8, 16, 3),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Flatten(),
        n.Linear(400, 10),
    )


def _copy_weights(torch_model: Any, model: nn.Module) -> None:
    state = {k: nt.tensor(v.detach().cpu().numpy()) for k, v in torch_model.state_dict().items()}
    model.load_state_dict(state)


def _workloads(batch_mlp: list[int], device: str, torch: Any) -> dict[str, tuple[Callable, ...]]:
    """name -> (nettrain step, torch step or None, nettrain first loss, torch first loss)."""
    rng = np.random.default_rng(0)
    tdev = "cuda" if device.startswith("cuda") else "cpu"
    out: dict[str, tuple[Callable, ...]] = {}

    def classifier(name: str, make: Callable, x_np: np.ndarray, y_np: np.ndarray) -> None:
        model = make(nn).to(device)
        x, y = nt.tensor(x_np, device=device), nt.tensor(y_np, device=device)
        opt = nt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step() -> float:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        torch_step = None
        if torch is not None:
            tmodel = make(torch)
            _copy_weights(tmodel, model)
            tmodel = tmodel.to(tdev)
            tx, ty = torch.tensor(x_np, device=tdev), torch.tensor(y_np, device=tdev)
            topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)

            def torch_step() -> float:
                topt.zero_grad()
                loss = torch.nn.functional.cross_entropy(tmodel(tx), ty)
                loss.backward()
                topt.step()
                return loss

        out[name] = (step, torch_step)

    for batch in batch_mlp:
        x = rng.standard_normal((batch, 784)).astype(np.float32)
        y = rng.integers(0, 10, batch)
        classifier(f"mlp b{batch}", _mlp, x, y)
    classifier(
        "cnn b256",
        _cnn,
        rng.standard_normal((256, 1, 28, 28)).astype(np.float32),
        rng.integers(0, 10, 256),
    )
    out["adam 670k"] = _adam(device, tdev, torch)
    return out


def _adam(device: str, tdev: str, torch: Any) -> tuple[Callable, Callable | None]:
    model = _mlp(nn).to(device)
    opt = nt.optim.Adam(model.parameters(), lr=1e-3)
    for p in model.parameters():
        p.grad = nt.ones_like(p) * 0.01
    torch_step = None
    if torch is not None:
        tmodel = _mlp(torch).to(tdev)
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        for p in tmodel.parameters():
            p.grad = torch.full_like(p, 0.01)
        torch_step = topt.step
    return opt.step, torch_step


def _time(step: Callable, sync: Callable[[], None], steps: int) -> float:
    """Mean ms per call, waiting for queued GPU work before and after."""
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return (time.perf_counter() - start) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--mlp-batches", default="1024,8192")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    nt.manual_seed(0)
    batches = [int(b) for b in args.mlp_batches.split(",")]
    workloads = _workloads(batches, args.device, torch)

    def tsync() -> None:
        if torch is not None and args.device != "cpu":
            torch.cuda.synchronize()

    print(f"device {args.device}; {args.rounds} rounds x {args.steps} steps; median ms/step")
    print(f"{'workload':<12} {'nettrain':>10} {'torch':>10} {'ratio':>7}  first losses")
    for name, (step, torch_step) in workloads.items():
        first = step()
        first_t = torch_step() if torch_step is not None else None
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(_time(step, lambda: synchronize(args.device), args.steps))
            if torch_step is not None:
                theirs.append(_time(torch_step, tsync, args.steps))
        mine = statistics.median(ours)
        other = statistics.median(theirs) if theirs else float("nan")
        losses = ""
        if first is not None and hasattr(first, "item"):
            losses = f"{first.item():.6f}"
            if first_t is not None and hasattr(first_t, "item"):
                losses += f" / {first_t.item():.6f}"
        print(f"{name:<12} {mine:>10.3f} {other:>10.3f} {mine / other:>7.2f}  {losses}")


if __name__ == "__main__":
    main()
