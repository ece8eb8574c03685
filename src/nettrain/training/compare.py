"""Runs side by side: the config keys that differ, metrics, steps, wall time, device.

Used by ``nettrain compare`` and to label the curves of ``nettrain plot``. A target is a run
directory (``config.yaml`` + ``summary.json``) or a sweep directory (``sweep.json``; its
points' run directories, in point order).

Example:
    >>> rows = compare_runs(expand_targets(["runs/linear/20250101-120000"]))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from nettrain.training.yaml_io import format_key_path


def expand_targets(targets: list[str | os.PathLike[str]]) -> list[Path]:
    """Run directories meant by ``targets`` (sweeps expand to their points' runs)."""
    from nettrain.training.sweep import SWEEP_JSON, Sweep

    runs: list[Path] = []
    for target in targets:
        path = Path(target)
        if (path / SWEEP_JSON).is_file():
            runs += [Path(p.run_dir) for p in Sweep.load(path).points if p.run_dir]
        elif (path / "config.yaml").is_file():
            runs.append(path)
        elif path.exists():
            raise FileNotFoundError(
                f"{path} is neither a run directory (config.yaml) nor a sweep (sweep.json)"
            )
        else:
            raise FileNotFoundError(f"no such run or sweep directory: {path}")
    if not runs:
        raise FileNotFoundError("no run directories found in " + ", ".join(map(str, targets)))
    return runs


def flatten(data: Any, prefix: tuple[str | int, ...] = ()) -> dict[str, Any]:
    """``{"optimizer": {"lr": 0.1}}`` -> ``{"optimizer.lr": 0.1}`` (lists indexed ``[i]``)."""
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, (*prefix, str(key))))
        return out
    if isinstance(data, list) and data and any(isinstance(v, (dict, list)) for v in data):
        out = {}
        for index, value in enumerate(data):
            out.update(flatten(value, (*prefix, index)))
        return out
    return {format_key_path(prefix): data}


def differing_keys(configs: list[dict[str, Any]]) -> list[str]:
    """Dotted keys whose values are not the same in every config (missing counts)."""
    flat = [flatten(c) for c in configs]
    keys: list[str] = []
    for f in flat:
        keys += [k for k in f if k not in keys]
    missing = object()
    return [k for k in keys if len({json.dumps(f.get(k, missing), default=str) for f in flat}) > 1]


def load_run(run_dir: Path) -> dict[str, Any]:
    """A run's config (as saved) and ``summary.json`` (empty when it never finished)."""
    config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    return {"config": config, "summary": summary}


def compare_runs(run_dirs: list[Path], metrics: list[str] | None = None) -> dict[str, Any]:
    """One record per run with only the differing config keys; see the module docstring.

    Args:
        run_dirs: run directories (see ``expand_targets``).
        metrics: metric names to keep (``loss``, ``accuracy``, ...); None keeps all.

    Returns:
        ``{"differing_keys": [...], "runs": [{"run_dir", "config", "final", "best_val_loss",
        "best_epoch", "status", "epochs", "steps", "wall_time_s", "device"}, ...]}``.
    """
    loaded = [load_run(d) for d in run_dirs]
    keys = differing_keys([r["config"] for r in loaded])
    runs = []
    for run_dir, run in zip(run_dirs, loaded, strict=True):
        flat, summary = flatten(run["config"]), run["summary"]
        final = {
            split: {m: v for m, v in values.items() if metrics is None or m in metrics}
            for split, values in (summary.get("metrics") or {}).items()
        }
        runs.append(
            {
                "run_dir": str(run_dir),
                "config": {k: flat.get(k) for k in keys},
                "final": final,
                "best_val_loss": summary.get("best_val_loss"),
                "best_epoch": summary.get("best_epoch"),
                "status": summary.get("status", "unfinished"),
                "epochs": summary.get("epochs"),
                "steps": summary.get("steps"),
                "wall_time_s": summary.get("wall_time_s"),
                "device": summary.get("device"),
            }
        )
    return {"differing_keys": keys, "runs": runs}


def run_label(config: dict[str, Any], fallback: str) -> str:
    """A short label from a run's differing keys: ``lr=0.1 out_features=8``."""
    if not config:
        return fallback
    return " ".join(f"{key.rsplit('.', 1)[-1]}={value}" for key, value in config.items())
