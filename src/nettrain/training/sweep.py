"""Sweeps: the Cartesian product of ``--grid`` values, validated up front, recorded on disk.

A sweep lives in ``runs/<name>/sweep-<YYYYmmdd-HHMMSS>/``: ``sweep.json`` (the plan and
every point's status, rewritten atomically as points change), ``sweep.csv`` (one row per
point) and ``logs/``. Each point trains as an ordinary run under
``<sweep>/point-NNN/<timestamp>/``, so ``eval``, ``inspect-params`` and ``--resume`` work
on it. Running the points in processes is ``sweep_runner``'s job.

Grid values: ``KEY=V1,V2,...``, each value parsed as YAML exactly like ``--set``. Values are
split on *top-level* commas only: commas inside ``[...]``, ``{...}`` or quotes stay, so
``--grid 'model.layers[0].out_features=8,16'`` has two values and ``--grid
'data.train.labels=[0,1],[1,0]'`` has two lists.

Example:
    >>> [axis.texts for axis in parse_grids(["optimizer.lr=0.1,0.01"])]
    [['0.1', '0.01']]
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nettrain._atomic import atomic_write_text
from nettrain.errors import ConfigError, ConfigIssue
from nettrain.training.yaml_io import parse_key_path, parse_yaml

SWEEP_JSON, SWEEP_CSV = "sweep.json", "sweep.csv"
#: A point is finished once completed or failed; ``--resume`` runs the rest.
FINISHED = ("completed", "failed")
_CLOSERS = {"[": "]", "{": "}"}


@dataclass
class GridAxis:
    """One ``--grid KEY=V1,V2``: the key, each value's YAML text and its parsed value."""

    key: str
    texts: list[str]
    values: list[Any]


@dataclass
class Point:
    """One combination of grid values and what became of it."""

    index: int
    overrides: list[str]
    values: dict[str, Any]
    status: str = "pending"
    run_dir: str | None = None
    message: str | None = None
    wall_time_s: float | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The run name of this point (a directory inside the sweep)."""
        return f"point-{self.index:03d}"


def split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes; see the module docstring."""
    parts, depth, quote, start = [], [], "", 0
    for position, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _CLOSERS:
            depth.append(_CLOSERS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "," and not depth:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return parts


def parse_grids(specs: list[str]) -> list[GridAxis]:
    """Parse every ``--grid`` spec; raise one ConfigError listing every malformed one."""
    axes, issues, seen = [], [], set()
    for spec in specs:
        where = f"--grid {spec}"
        key, sep, text = spec.partition("=")
        key = key.strip()
        try:
            if not sep or not key:
                raise ValueError("expected KEY=V1,V2,..., e.g. optimizer.lr=0.1,0.01")
            parse_key_path(key)
            if key in seen:
                raise ValueError(f"'{key}' has two --grid options; give its values in one")
            texts = split_top_level(text)
            if any(not t for t in texts):
                raise ValueError(f"empty value in {text!r}; separate values with single commas")
            values = [parse_yaml(t, file=where)[0] for t in texts]
        except ValueError as exc:
            issues.append(ConfigIssue(key, str(exc), file=where))
            continue
        except ConfigError as exc:
            issues += [ConfigIssue(key, i.message, file=where, hint=i.hint) for i in exc.issues]
            continue
        seen.add(key)
        axes.append(GridAxis(key, texts, values))
    if not specs:
        issues.append(ConfigIssue("", "a sweep needs at least one --grid KEY=V1,V2,..."))
    if issues:
        raise ConfigError(issues)
    return axes


def expand(axes: list[GridAxis]) -> list[Point]:
    """The Cartesian product of the axes, first axis slowest, as numbered points."""
    points = []
    choices = [list(zip(axis.texts, axis.values, strict=True)) for axis in axes]
    for index, combo in enumerate(itertools.product(*choices), start=1):
        overrides = [f"{axis.key}={text}" for axis, (text, _) in zip(axes, combo, strict=True)]
        values = {axis.key: value for axis, (_, value) in zip(axes, combo, strict=True)}
        points.append(Point(index, overrides, values))
    return points


def validate_points(config: Path, base: list[str], points: list[Point]) -> None:
    """Load every point's config; raise one ConfigError with every problem of every point.

    An issue caused by a grid value names the ``--grid`` (and the value), not ``--set``.
    """
    from nettrain.training.config import load_config

    issues: list[ConfigIssue] = []
    seen: set[str] = set()
    for point in points:
        try:
            load_config(config, [*base, *point.overrides])
        except ConfigError as exc:
            for issue in exc.issues:
                for override in point.overrides:
                    key = override.partition("=")[0]
                    if issue.file in (f"--set {key}", f"--set {override}"):
                        issue.file = f"--grid {key} (value {override.partition('=')[2]})"
                text = str(issue)
                if text not in seen:  # a bad base value fails every point the same way
                    seen.add(text)
                    issues.append(issue)
    if issues:
        raise ConfigError(issues)


def create_sweep_dir(runs_dir: Path, name: str, now: datetime | None = None) -> Path:
    """A fresh ``runs_dir/name/sweep-<timestamp>`` (``-1``, ``-2`` appended when taken)."""
    from nettrain.training.runs import validate_run_name

    validate_run_name(name)
    parent = Path(runs_dir).resolve() / name
    parent.mkdir(parents=True, exist_ok=True)
    stamp = "sweep-" + (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for suffix in range(10_000):
        candidate = parent / (stamp if suffix == 0 else f"{stamp}-{suffix}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        (candidate / "logs").mkdir()
        return candidate
    raise ConfigError(f"could not find a free sweep directory under {parent}")


@dataclass
class Sweep:
    """The plan (config, overrides, grid) and the points, as stored in ``sweep.json``."""

    directory: Path
    config: Path
    base_overrides: list[str]
    grid: list[dict[str, Any]]
    points: list[Point]
    jobs: int = 1
    device: str | None = None

    def save(self) -> None:
        """Rewrite ``sweep.json`` and ``sweep.csv`` atomically (after every change)."""
        data = {
            "config": str(self.config),
            "set": self.base_overrides,
            "grid": self.grid,
            "jobs": self.jobs,
            "device": self.device,
            "points": [_point_json(point) for point in self.points],
        }
        text = json.dumps(data, indent=2, default=str, allow_nan=True) + "\n"
        atomic_write_text(self.directory / SWEEP_JSON, text)
        atomic_write_text(self.directory / SWEEP_CSV, sweep_csv(self))

    @classmethod
    def load(cls, directory: Path) -> Sweep:
        """Read a sweep directory's ``sweep.json`` back (for ``--resume``, compare, plot)."""
        path = Path(directory) / SWEEP_JSON
        if not path.is_file():
            raise FileNotFoundError(f"{directory} is not a sweep directory (no {SWEEP_JSON})")
        data = json.loads(path.read_text(encoding="utf-8"))
        points = [
            Point(
                index=p["index"],
                overrides=p["overrides"],
                values=p["values"],
                status=p["status"],
                run_dir=p.get("run_dir"),
                message=p.get("message"),
                wall_time_s=p.get("wall_time_s"),
                summary=p.get("summary") or {},
            )
            for p in data["points"]
        ]
        return cls(
            Path(directory).resolve(),
            Path(data["config"]),
            list(data["set"]),
            data["grid"],
            points,
            int(data.get("jobs", 1)),
            data.get("device"),
        )

    def grid_keys(self) -> list[str]:
        """The grid keys, in ``--grid`` order."""
        return [axis["key"] for axis in self.grid]


def _point_json(point: Point) -> dict[str, Any]:
    return {
        "index": point.index,
        "overrides": point.overrides,
        "values": point.values,
        "status": point.status,
        "run_dir": point.run_dir,
        "message": point.message,
        "wall_time_s": point.wall_time_s,
        "summary": point.summary,
    }


def point_metrics(point: Point) -> dict[str, float]:
    """``final.<split>.<metric>``, ``best_val_loss`` and ``best_epoch`` from its summary."""
    row: dict[str, float] = {}
    for split, values in (point.summary.get("metrics") or {}).items():
        for metric, value in values.items():
            row[f"final.{split}.{metric}"] = value
    for key in ("best_val_loss", "best_epoch", "steps", "epochs"):
        if point.summary.get(key) is not None:
            row[key] = point.summary[key]
    return row


def sort_key(point: Point) -> tuple[int, float]:
    """Best validation loss first (else the final training loss); unscored points last."""
    metrics = point_metrics(point)
    for key in ("best_val_loss", "final.val.loss", "final.train.loss"):
        value = metrics.get(key)
        if isinstance(value, (int, float)) and math.isfinite(value):
            return (0, float(value))
    return (1, float(point.index))


def sweep_csv(sweep: Sweep) -> str:
    """One row per point: grid values, status, run dir, wall time, final and best metrics."""
    metric_columns: list[str] = []
    for point in sweep.points:
        metric_columns += [k for k in point_metrics(point) if k not in metric_columns]
    columns = ["point", *sweep.grid_keys(), "status", "run_dir", "wall_time_s", *metric_columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*columns, "message"])
    for point in sweep.points:
        values = [json.dumps(point.values[key]) for key in sweep.grid_keys()]
        metrics = point_metrics(point)
        row = [point.index, *values, point.status, point.run_dir or "", point.wall_time_s]
        row += [metrics.get(c, "") for c in metric_columns]
        writer.writerow([*("" if v is None else v for v in row), point.message or ""])
    return buffer.getvalue()


def find_run_dir(sweep_dir: Path, point: Point) -> Path | None:
    """The run directory a point's process created (``<sweep>/point-NNN/<stamp>``), if any."""
    parent = sweep_dir / point.name
    runs = (
        sorted(p for p in parent.iterdir() if (p / "config.yaml").is_file())
        if parent.is_dir()
        else []
    )
    return runs[-1] if runs else None
