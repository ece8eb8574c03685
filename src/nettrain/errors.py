"""nettrain's exception hierarchy: the library raises these; only the CLI prints and exits.

Each class documents when it is raised, so callers can catch the narrowest one.
"""

from __future__ import annotations

from dataclasses import dataclass


class NettrainError(Exception):
    """Root of every error nettrain raises on purpose (bad input, unusable backend, ...)."""


class BackendUnavailableError(NettrainError, RuntimeError):
    """A device was asked for that this machine cannot provide (no cupy, no GPU)."""


class ShapeError(NettrainError, RuntimeError):
    """An op or module got inputs of incompatible shapes; the message names both."""


class GradcheckError(NettrainError, RuntimeError):
    """Analytical and numerical gradients disagree; the message names the worst element."""


class CheckpointError(NettrainError):
    """A checkpoint file is missing, truncated, corrupt, foreign, or does not fit the model."""


@dataclass
class ConfigIssue:
    """One problem found in a config file, located as precisely as the YAML allows."""

    key_path: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.key_path or '<root>'}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(NettrainError, ValueError):
    """A config file (or an override) is invalid; carries every problem found, not just one."""

    def __init__(self, issues: list[ConfigIssue] | ConfigIssue | str) -> None:
        if isinstance(issues, str):
            issues = [ConfigIssue("", issues)]
        elif isinstance(issues, ConfigIssue):
            issues = [issues]
        self.issues = list(issues)
        count = len(self.issues)
        header = f"{count} problem{'s' if count != 1 else ''} in the config:"
        super().__init__("\n".join([header, *(f"  {issue}" for issue in self.issues)]))


class StorageError(NettrainError):
    """A run's file (checkpoint, metrics, summary) could not be written: a full disk, a
    quota, a file-size limit or permissions. The environment's problem, not a bug; files
    are written atomically, so the previous version of the file is kept intact."""

    def __init__(self, message: str, path: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.errno = errno
