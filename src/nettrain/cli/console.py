"""Rendering for the CLI: rich tables to stdout, progress and messages to stderr.

Also holds the options every command shares (``--debug``) and the small state they set.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


class _State:
    """Per-invocation flags read by the app's exception handler."""

    debug = False


STATE = _State()


def _set_debug(value: bool) -> bool:
    STATE.debug = bool(value)
    return value


DebugOption = typer.Option(
    "--debug",
    help="Show the full traceback on errors.",
    callback=_set_debug,
    is_eager=True,
)


def stdout() -> Console:
    """Results (tables): stdout; when piped, wide enough that paths and names stay whole."""
    import sys

    width = None if sys.stdout.isatty() else 200
    return Console(highlight=False, soft_wrap=False, width=width)


def stderr() -> Console:
    """Progress and messages: stderr, so stdout stays parseable."""
    import sys

    width = None if sys.stderr.isatty() else 160  # logs: keep the whole progress line
    return Console(stderr=True, highlight=False, width=width)


def print_json(data: Any) -> None:
    """One JSON document on stdout (stable key order, no rich markup)."""
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str, allow_nan=True))


def fmt(value: Any, digits: int = 4) -> str:
    """Numbers compactly: 0.1235, 1.2e-07, nan; None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}f}"
    return str(value)


def key_value_table(title: str, rows: list[tuple[str, Any]]) -> Table:
    """A two-column table (summary, metadata)."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(key, fmt(value) if not isinstance(value, str) else value)
    return table


class TrainProgress:
    """Callback for ``loop.fit``: one progress bar over all steps, a line per epoch.

    Example:
        >>> with TrainProgress() as progress:
        ...     fit(resolved, callback=progress)
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or stderr()
        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("acc {task.fields[acc]}"),
            TextColumn("lr {task.fields[lr]}"),
            TextColumn("{task.fields[speed]} samples/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task: Any = None
        self.min_interval_s = 0.05
        self._pending: Any = None
        self._shown = -math.inf

    def __enter__(self) -> TrainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, event: Any) -> None:
        if event.kind == "step":
            # the display refreshes ~10 times a second: format only what it can show
            self._pending = event
            if time.perf_counter() - self._shown >= self.min_interval_s:
                self._flush()
            return
        self._flush()
        if event.kind == "start":
            self._start(event)
        elif event.kind == "epoch":
            parts = [f"epoch {event.epoch}/{event.epochs}"]
            for split, values in event.metrics.items():
                parts += [f"{split} {k} {fmt(v)}" for k, v in values.items()]
            self.progress.console.print("  ".join(parts))

    def _flush(self) -> None:
        """Show the latest step event, if one is waiting."""
        event, self._pending = self._pending, None
        if event is not None and self.task is not None:
            self._shown = time.perf_counter()
            self.progress.update(
                self.task,
                completed=event.step,
                epoch=event.epoch,
                loss=fmt(event.loss),
                acc=fmt(event.accuracy),
                lr=fmt(event.lr, 3),
                speed=fmt(round(event.samples_per_sec)) if event.samples_per_sec else "-",
            )

    def _start(self, event: Any) -> None:
        self.progress.console.print(f"run directory: {event.run_dir}")
        self.progress.start()
        self.task = self.progress.add_task(
            "train",
            total=event.epochs * event.steps_per_epoch,
            completed=event.step,
            epoch=event.epoch,
            epochs=event.epochs,
            loss="-",
            acc="-",
            lr=fmt(event.lr, 3),
            speed="-",
        )

    def close(self) -> None:
        """Stop the live display (idempotent)."""
        self._flush()
        if self.task is not None:
            self.progress.stop()
            self.task = None


def summary_table(result: Any) -> Table:
    """The table ``train`` prints at the end (stdout)."""
    rows: list[tuple[str, Any]] = [
        ("run directory", str(result.run_dir)),
        ("status", result.status),
        ("device", result.device),
        ("epochs", result.epochs),
        ("steps", result.steps),
    ]
    for split, values in result.metrics.items():
        rows += [(f"{split} {name}", value) for name, value in values.items()]
    if result.best_val_loss is not None:
        split = "val" if "val" in result.metrics else "train"
        rows.append((f"best {split} loss", result.best_val_loss))
    rows.append(("wall time (s)", f"{result.wall_time_s:.2f}"))
    for label, path in result.checkpoints.items():
        rows.append((f"checkpoint ({label})", path))
    return key_value_table("nettrain run summary", rows)
