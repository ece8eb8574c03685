"""The ``cli`` workload: ``nettrain train`` against the same loop written with the library.

Both run in this process on scikit-learn's digits (1,797 samples, batch 32), the same
64-128-128-10 MLP, SGD with momentum, for the same number of epochs. The CLI run
includes everything the tool adds: config validation, run directory, progress
display, metrics files and checkpoints (each fsynced) and the summary table.

Each is timed at two lengths (SHORT and LONG epochs), which separates what the tool adds
per step (the slope: the shape guard, metrics, progress events, NaN checks), the number
that matters for any real run, from what it adds once per run (the intercept: config
validation, run directory, checkpoint writes). The ratio of whole SHORT runs is reported
too. The click command is built once, as ``nettrain`` builds it once per process: like
the imports, that is process start-up, which neither side's timing includes.
"""

from __future__ import annotations

import contextlib
import functools
import io
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SHORT, LONG = 2, 10
STEPS_PER_EPOCH = 57  # 1,797 samples in batches of 32
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


@functools.cache
def _command() -> Any:
    """The click command ``nettrain`` runs, built from the typer app once per process."""
    import typer.main

    from nettrain.cli.app import app

    return typer.main.get_command(app)


def run_cli(config: Path, runs_dir: Path) -> float:
    """Seconds for ``nettrain train CONFIG`` (the typer app, in this process)."""
    command = _command()
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            command.main(
                ["train", str(config), "--runs-dir", str(runs_dir)],
                prog_name="nettrain",
                standalone_mode=False,
            )
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
    """Lines for the report: per-step and per-run overhead of the tool over the library."""
    try:
        import sklearn  # noqa: F401

        import nettrain.cli.app  # noqa: F401
    except ImportError as exc:
        return [f"cli: skipped ({exc})"]
    times: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            configs = {}
            for epochs in (SHORT, LONG):
                configs[epochs] = Path(tmp) / f"bench_mlp_{epochs}.yaml"
                configs[epochs].write_text(CONFIG.format(epochs=epochs))
            # one untimed run of each first: imports (typer, rich, pydantic, sklearn) are
            # paid once per process, not per training run
            run_cli(configs[SHORT], Path(tmp) / "runs")
            run_library(SHORT)
            for _ in range(max(3, min(rounds, 5))):  # alternating, so drift hits both alike
                for epochs in (SHORT, LONG):
                    cli = run_cli(configs[epochs], Path(tmp) / "runs")
                    times.setdefault(("cli", epochs), []).append(cli)
                    times.setdefault(("lib", epochs), []).append(run_library(epochs))
        except Exception as exc:  # report, don't crash the other workloads' report
            return [f"cli: failed ({type(exc).__name__}: {str(exc)[:200]})"]
    med = {key: statistics.median(values) for key, values in times.items()}
    extra_steps = (LONG - SHORT) * STEPS_PER_EPOCH
    per_step = {w: (med[(w, LONG)] - med[(w, SHORT)]) / extra_steps for w in ("cli", "lib")}
    fixed = {w: med[(w, SHORT)] - SHORT * STEPS_PER_EPOCH * per_step[w] for w in ("cli", "lib")}
    return [
        f"cli: `nettrain train` MLP 64-128-128-10 on digits, {STEPS_PER_EPOCH} steps per epoch",
        "",
        f"| | {SHORT} epochs, median s | {LONG} epochs, median s | per step ms | per run ms |",
        "|---|---|---|---|---|",
        *(
            f"| {label} | {med[(w, SHORT)]:.3f} | {med[(w, LONG)]:.3f} "
            f"| {per_step[w] * 1e3:.3f} | {fixed[w] * 1e3:.1f} |"
            for w, label in (("cli", "nettrain train (CLI)"), ("lib", "same loop, library"))
        ),
        "",
        f"CLI overhead per step (CLI / library slope): **{per_step['cli'] / per_step['lib']:.2f}**;"
        f" fixed cost of the tool per run: {(fixed['cli'] - fixed['lib']) * 1e3:.1f} ms;"
        f" whole {SHORT}-epoch runs: {med[('cli', SHORT)] / med[('lib', SHORT)]:.2f}",
    ]
