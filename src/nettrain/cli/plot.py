"""``nettrain plot RUN_OR_SWEEP_DIR...``: learning curves as a PNG; prints its path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nettrain.cli.compare import MetricOption, TargetsArgument
from nettrain.cli.console import DebugOption


def plot(
    targets: Annotated[list[Path], TargetsArgument],
    metrics: Annotated[list[str] | None, MetricOption] = None,
    x: Annotated[str, typer.Option("--x", help="Horizontal axis: step or epoch.")] = "step",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="PNG file (default: curves.png in the first run or sweep).",
            metavar="FILE.png",
        ),
    ] = None,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Plot train and val curves per metric; runs share a figure, labelled by what differs."""
    from nettrain.training.compare import compare_runs, expand_targets, run_label
    from nettrain.training.plot import PlotUnavailableError, plot_runs

    if x not in ("step", "epoch"):
        raise typer.BadParameter(f"use step or epoch, got {x!r}", param_hint="--x")
    run_dirs = expand_targets(list(targets))
    runs = compare_runs(run_dirs)["runs"]
    labels = [run_label(r["config"], Path(r["run_dir"]).name) for r in runs]
    target = output or Path(targets[0]) / "curves.png"
    try:
        path = plot_runs(run_dirs, labels, target, list(metrics) if metrics else None, x)
    except PlotUnavailableError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--metric") from None
    typer.echo(str(path))
