"""``nettrain inspect-params CHECKPOINT|RUN_DIR``: statistics of every tensor in a checkpoint."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nettrain.cli.console import DebugOption, fmt, key_value_table, print_json, stdout


def inspect_params(
    target: Annotated[
        Path,
        typer.Argument(
            help="A .safetensors checkpoint (nettrain's or a plain state dict, e.g. from "
            "PyTorch) or a run directory (uses its latest checkpoint).",
            metavar="CHECKPOINT|RUN_DIR",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON document (path, tensors, totals, metadata) instead of tables.",
        ),
    ] = False,
    pattern: Annotated[
        str | None,
        typer.Option("--filter", help="Only tensors whose name matches this glob.", metavar="GLOB"),
    ] = None,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Show name, shape, dtype, count, mean, std, min, max and L2 norm of every tensor."""
    from nettrain.training.inspect import inspect_checkpoint

    report = inspect_checkpoint(target, pattern)
    if as_json:
        print_json(report.to_json())
        return
    console = stdout()
    console.print(_tensor_table(report))
    totals = report.totals
    console.print(
        key_value_table(
            "totals",
            [
                ("tensors", totals["tensors"]),
                ("elements", totals["elements"]),
                (
                    "parameters (model.*)" if report.format == "nettrain" else "parameters",
                    totals["parameters"],
                ),
                ("bytes", totals["bytes"]),
            ],
        )
    )
    console.print(key_value_table("metadata", _metadata_rows(report.metadata)))


def _tensor_table(report: Any) -> Table:
    table = Table(title=f"{report.path} ({report.format})", title_justify="left")
    for column in ("name", "shape", "dtype", "count", "mean", "std", "min", "max", "norm"):
        table.add_column(column, justify="left" if column in ("name", "dtype") else "right")
    for t in report.tensors:
        table.add_row(
            t.name,
            str(tuple(t.shape)),
            t.dtype,
            fmt(t.count),
            fmt(t.mean),
            fmt(t.std),
            fmt(t.min),
            fmt(t.max),
            fmt(t.norm),
        )
    return table


def _metadata_rows(metadata: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in metadata.items():
        if key == "config":
            continue  # long; shown by --json and in the run's config.yaml
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True)
        rows.append((key, value if value is not None else "-"))
    return rows or [("(none)", "")]
