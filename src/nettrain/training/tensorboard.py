"""TensorBoard event files for a run (``train.tensorboard: true``), through tensorboardX.

``TensorBoardLogger`` takes the same records the run writes to ``metrics.jsonl`` (one call
per record), so the loop needs one extra line where it logs. Scalars are tagged
``<split>/<metric>`` for epoch records (``val/loss``), ``step/<metric>`` for the logged
training steps, and ``lr``; all at the global step, so TensorBoard's x axis matches
``metrics.csv``. The resolved config is stored once as text. Files go to the run's
``tensorboard/`` folder: ``tensorboard --logdir runs`` then shows every run.

tensorboardX is optional: ``pip install 'nettrain[tensorboard]'``.

Example:
    >>> logger = TensorBoardLogger(run_dir, config_text)  # doctest: +SKIP
    >>> logger.write_record({"event": "epoch", "split": "val", "step": 10, "loss": 0.4})
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from nettrain.errors import ConfigError, ConfigIssue

FOLDER = "tensorboard"
INSTALL_HINT = (
    "pip install 'nettrain[tensorboard]' (from a checkout: pip install -e '.[tensorboard]')"
)
#: Record fields that are coordinates or bookkeeping, not metrics.
_NOT_METRICS = ("event", "split", "epoch", "step", "lr", "elapsed_s")


def tensorboard_available() -> bool:
    """Whether tensorboardX can be imported (checked without importing it)."""
    return importlib.util.find_spec("tensorboardX") is not None


class TensorBoardLogger:
    """Writes a run's metrics and config as TensorBoard events; see the module docstring.

    Args:
        run_dir: the run directory; events go to ``run_dir/tensorboard``.
        config_text: the resolved config (YAML), shown under TensorBoard's Text tab.
        purge_step: on resume, the step the run continues from: TensorBoard hides events
            at or after it that an interrupted attempt had already written.

    Raises:
        ConfigError: tensorboardX is not installed (names ``train.tensorboard``).
    """

    def __init__(self, run_dir: Path, config_text: str, purge_step: int | None = None) -> None:
        if not tensorboard_available():
            raise ConfigError(
                ConfigIssue(
                    "train.tensorboard",
                    "tensorboard: true needs tensorboardX, which is not installed",
                    hint=INSTALL_HINT,
                )
            )
        from tensorboardX import SummaryWriter

        self.logdir = Path(run_dir) / FOLDER
        self.writer = SummaryWriter(logdir=str(self.logdir), purge_step=purge_step)
        if purge_step is None:
            # four-space indent: TensorBoard renders text as markdown; this keeps it verbatim
            block = "\n".join("    " + line for line in config_text.splitlines())
            self.writer.add_text("config", block, global_step=0)

    def write_record(self, record: dict[str, Any]) -> None:
        """Log one ``metrics.jsonl`` record (a step or an epoch of one split)."""
        step = int(record.get("step", 0))
        kind, split = record.get("event"), record.get("split", "train")
        prefix = "step" if kind == "step" else split
        for name, value in record.items():
            if name in _NOT_METRICS or not _is_number(value):
                continue
            if kind == "step" or name != "samples_per_sec":
                self.writer.add_scalar(f"{prefix}/{name}", float(value), step)
        if kind == "step" and _is_number(record.get("lr")):
            self.writer.add_scalar("lr", float(record["lr"]), step)

    def flush(self) -> None:
        """Push pending events to disk (at checkpoints, so a crash loses little)."""
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file (idempotent)."""
        self.writer.close()


def _is_number(value: Any) -> bool:
    # NaN/inf are kept: a diverging loss is exactly what a curve should show
    return isinstance(value, (int, float)) and not isinstance(value, bool)
