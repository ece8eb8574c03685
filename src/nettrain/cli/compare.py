"""``nettrain compare RUN_OR_SWEEP_DIR...``: runs side by side (what differs, how they did)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nettrain.cli.console import DebugOption, fmt, print_json, stdout

TargetsArgument = typer.Argument(
    help="Run directories and/or sweep directories.",
    metavar="RUN_OR_SWEEP_DIR...",
    show_default=False,
)
MetricOption = typer.Option(
    "--metric", help="Only these metrics (loss, accuracy, ...; repeatable).", metavar="NAME"
)


def compare(
    targets: Annotated[list[Path], TargetsArgument],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    metrics: Annotated[list[str] | None, MetricOption] = None,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Compare runs: the config keys that differ, final and best metrics, steps, time, device."""
    from nettrain.training.compare import compare_runs, expand_targets

    result = compare_runs(expand_targets(list(targets)), list(metrics) if metrics else None)
    if as_json:
        print_json(result)
        return
    stdout().print(comparison_table(result))


def comparison_table(result: dict[str, Any]) -> Table:
    """One column per run; rows: differing config keys, then metrics and run facts."""
    runs = result["runs"]
    paths = [Path(_short(r["run_dir"])) for r in runs]
    common = Path(os.path.commonpath(paths)) if len(paths) > 1 else None
    if common is not None and common in paths:  # one run inside another: show whole paths
        common = None
    title = f"comparison (run directories in {common})" if common else "comparison"
    table = Table(title=title, title_justify="left")
    table.add_column("", style="bold")
    for index in range(1, len(runs) + 1):
        table.add_column(f"run {index}", overflow="fold")
    shown = [str(p.relative_to(common)) if common else str(p) for p in paths]
    rows: list[tuple[str, list[Any]]] = [("run directory", shown)]
    rows += [(key, [r["config"].get(key) for r in runs]) for key in result["differing_keys"]]
    names: list[tuple[str, str]] = []
    for run in runs:
        for split, values in run["final"].items():
            names += [(split, m) for m in values if (split, m) not in names]
    rows += [
        (f"{split} {metric}", [r["final"].get(split, {}).get(metric) for r in runs])
        for split, metric in names
    ]
    for label, key in (
        ("best val loss", "best_val_loss"),
        ("best epoch", "best_epoch"),
        ("status", "status"),
        ("epochs", "epochs"),
        ("steps", "steps"),
        ("wall time (s)", "wall_time_s"),
        ("device", "device"),
    ):
        rows.append((label, [r[key] for r in runs]))
    for label, values in rows:
        table.add_row(label, *(v if isinstance(v, str) else fmt(v) for v in values))
    return table


def _short(path: str) -> str:
    """A run directory relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
