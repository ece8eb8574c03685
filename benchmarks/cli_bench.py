"""The ``cli`` workload: ``nettrain train`` against the same loop written with the library.

Both run in this process on scikit-learn's digits (1,797 samples, batch 32), the same
64-128-128-10 MLP, SGD with momentum, for the same number of epochs. The CLI run
includes everything the tool adds: config validation, run directory, progress
display, metrics files and checkpoints. The ratio CLI / library is the tool's overhead.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

EPOCHS = 2
CONFIG = """\
name: bench_mlp
seed: 0
device: cpu
model:
  type: Sequential
  layers:
    - {{type: Linear, in_features: 64, out_features: 128}}
    - {{type: ReLU}}
    - {{type: Linear, in_features: 128, out_features: 128}}
    - {{type: ReLU}}
    - {{type: Linear, in_features: 128, out_features: 10}}
loss: {{type: CrossEntropyLoss}}
optimizer: {{type: SGD, lr: 0.01, momentum: 0.9}}
data:
  train: {{type: digits}}
  batch_size: 32
train:
  epochs: {epochs}
  log_every_steps: 20
  checkpoint_every_epochs: {epochs}
  metrics: [loss]
"""


def run_cli(config: Path, runs_dir: Path) -> float:
    """Seconds for ``nettrain train CONFIG`` (the typer app, in this process)."""
    from nettrain.cli.app import app

    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            app(["train", str(config), "--runs-dir", str(runs_dir)], standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise RuntimeError(f"nettrain train failed: {out.getvalue()[-500:]}") from None
    return time.perf_counter() - start


def run_library(epochs: int) -> float:
    """Seconds for the same training written directly with nettrain's library."""
    import nettrain as nt
    import nettrain.nn as nn
    from nettrain.training.datasets import digits
    from nettrain.utils.data import DataLoader, TensorDataset

    start = time.perf_counter()
    data = digits()
    nt.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    loss_fn = nn.CrossEntropyLoss()
    opt = nt.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(
        TensorDataset(nt.from_numpy(data.x), nt.from_numpy(data.y)), batch_size=32, shuffle=True
    )
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        float(loss.item())
    return time.perf_counter() - start


def section(rounds: int) -> list[str]:
    """Lines for the report: median seconds of each and the overhead ratio."""
    try:
        import sklearn  # noqa: F401

        import nettrain.cli.app  # noqa: F401
    except ImportError as exc:
        return [f"cli: skipped ({exc})"]
    cli_times, lib_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench_mlp.yaml"
        config.write_text(CONFIG.format(epochs=EPOCHS))
        try:
            # one untimed run of each first: imports (typer, rich, pydantic, sklearn) are
            # paid once per process, not per training run
            run_cli(config, Path(tmp) / "runs")
            run_library(EPOCHS)
            for _ in range(max(1, min(rounds, 3))):  # each run takes seconds
                cli_times.append(run_cli(config, Path(tmp) / "runs"))
                lib_times.append(run_library(EPOCHS))
        except Exception as exc:  # the tool is written concurrently; report, don't crash
            return [f"cli: failed ({type(exc).__name__}: {str(exc)[:200]})"]
    cli, lib = statistics.median(cli_times), statistics.median(lib_times)
    return [
        f"cli: `nettrain train` MLP 64-128-128-10 on digits, {EPOCHS} epochs of 57 steps",
        "",
        "| | median s | best s |",
        "|---|---|---|",
        f"| nettrain train (CLI) | {cli:.3f} | {min(cli_times):.3f} |",
        f"| same loop with the library | {lib:.3f} | {min(lib_times):.3f} |",
        "",
        f"CLI overhead (CLI / library): **{cli / lib:.2f}**",
    ]
