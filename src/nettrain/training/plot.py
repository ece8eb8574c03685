"""Learning curves from ``metrics.jsonl``: one panel per metric, train and val, many runs.

matplotlib is optional (``pip install 'nettrain[plot]'``) and always used with the Agg
backend, so plotting works on servers without a display.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from nettrain.errors import NettrainError


class PlotUnavailableError(NettrainError):
    """matplotlib is not installed."""


def curves(
    run_dir: Path, x: str = "step"
) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    """``{(split, metric): (xs, ys)}`` from a run's log.

    With ``x="step"`` training curves use the logged steps (denser), validation its epoch
    records at their step; with ``x="epoch"`` both use the epoch records.
    """
    if x not in ("step", "epoch"):
        raise ValueError(f"x must be 'step' or 'epoch', got {x!r}")
    out: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        split = record.get("split", "train")
        wanted = "step" if x == "step" and split == "train" else "epoch"
        if record.get("event") != wanted:
            continue
        for metric, value in record.items():
            if metric in ("event", "split", "epoch", "step", "lr", "samples_per_sec", "elapsed_s"):
                continue
            if isinstance(value, (int, float)):
                xs, ys = out.setdefault((split, metric), ([], []))
                xs.append(float(record[x]))
                ys.append(float(value))
    return out


def plot_runs(
    run_dirs: list[Path],
    labels: list[str],
    output: Path,
    metrics: list[str] | None = None,
    x: str = "step",
) -> Path:
    """Draw every run's curves into one PNG at ``output``; return the path.

    Raises:
        PlotUnavailableError: matplotlib is missing (the message says what to install).
        ValueError: no run logged any of the requested metrics.
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotUnavailableError(
            "nettrain plot needs matplotlib, which is not installed: pip install 'nettrain[plot]'"
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = [curves(d, x) for d in run_dirs]
    found: list[str] = []
    for run in data:
        for _, metric in run:
            if metric not in found:
                found.append(metric)
    chosen = [m for m in found if metrics is None or m in metrics]
    if not chosen:
        wanted = ", ".join(metrics) if metrics else "any metric"
        raise ValueError(f"no run logged {wanted}; logged: {', '.join(found) or 'nothing'}")
    figure, axes = plt.subplots(1, len(chosen), figsize=(5.5 * len(chosen), 4), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for panel, metric in zip(axes[0], chosen, strict=True):
        for index, (run, label) in enumerate(zip(data, labels, strict=True)):
            color = colors[index % len(colors)]
            _draw(panel, run, metric, label, color)
        panel.set_title(metric)
        panel.set_xlabel(x)
        panel.grid(alpha=0.3)
        panel.legend(fontsize="small")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output


def _draw(panel: Any, run: dict[Any, Any], metric: str, label: str, color: str) -> None:
    for split, style in (("train", "-"), ("val", "--"), ("test", ":")):
        if (split, metric) in run:
            xs, ys = run[(split, metric)]
            marker = "o" if len(xs) < 30 else None
            panel.plot(xs, ys, style, color=color, marker=marker, ms=3, label=f"{label} ({split})")
