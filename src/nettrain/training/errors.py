"""How a training run stops early: a non-finite loss or Ctrl-C.

Both carry where the run lives and which checkpoint resumes it, so the CLI (and scripts)
can report them without knowing the loop's internals.
"""

from __future__ import annotations

from pathlib import Path

from nettrain.errors import NettrainError


class NonFiniteLossError(NettrainError, RuntimeError):
    """The loss became NaN or infinite; the run stopped and kept its last good checkpoint."""

    def __init__(
        self,
        message: str,
        step: int,
        epoch: int,
        run_dir: Path | None = None,
        checkpoint: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.epoch = epoch
        self.run_dir = run_dir
        self.checkpoint = checkpoint


class TrainingInterrupted(NettrainError):
    """Ctrl-C stopped the run; ``checkpoint`` (when saved) resumes it exactly."""

    def __init__(
        self, message: str, run_dir: Path | None, checkpoint: Path | None, resume_command: str
    ) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.checkpoint = checkpoint
        self.resume_command = resume_command
