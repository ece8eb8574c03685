"""Run directories: ``runs/<name>/<YYYYmmdd-HHMMSS>/``, never overwritten, never outside ``runs/``.

A run directory holds ``config.yaml`` (the resolved config), ``metrics.jsonl``,
``metrics.csv``, ``checkpoints/`` and ``summary.json``. Names are validated so that a
config's ``name`` (or ``--name``) cannot point anywhere but a child of the runs directory.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nettrain._atomic import atomic_write_text
from nettrain.errors import ConfigError, ConfigIssue, StorageError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
CHECKPOINTS = "checkpoints"

_WHAT_TO_DO = {
    errno.ENOSPC: "free space or use --runs-dir elsewhere",
    errno.EDQUOT: "free space within your quota or use --runs-dir elsewhere",
    errno.EFBIG: "raise the file-size limit (ulimit -f) or use --runs-dir elsewhere",
    errno.EACCES: "check the directory's permissions or use --runs-dir elsewhere",
    errno.EPERM: "check the directory's permissions or use --runs-dir elsewhere",
    errno.EROFS: "the filesystem is read-only; use --runs-dir elsewhere",
}


@contextmanager
def writing(path: str | os.PathLike[str], what: str) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into a StorageError naming the file and cause.

    A full disk, a quota or ``ulimit -f`` is the user's environment, not a bug in nettrain:
    the message says which file (``what``: checkpoint, metrics, summary) could not be
    written, why, and what to do. Writes are atomic, so the previous file stays intact.

    Example:
        >>> with writing(run_dir / "summary.json", "summary"):
        ...     atomic_write_text(run_dir / "summary.json", text)
    """
    try:
        yield
    except OSError as exc:
        cause = exc.strerror or str(exc) or type(exc).__name__
        hint = _WHAT_TO_DO.get(exc.errno or 0, "check the disk, or use --runs-dir elsewhere")
        raise StorageError(
            f"cannot write {what} {os.fspath(path)}: {cause} ({hint})", os.fspath(path), exc.errno
        ) from exc


def validate_run_name(name: str) -> str:
    """Return ``name`` when it is a safe single path component, else raise ConfigError.

    Letters, digits, ``_``, ``.`` and ``-``, starting with a letter or digit: so no
    ``/``, no ``..``, no absolute paths, nothing that leaves the runs directory.

    Example:
        >>> validate_run_name("mnist-mlp")
        'mnist-mlp'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ConfigError(
            ConfigIssue(
                "name",
                f"invalid run name {name!r}",
                hint="use letters, digits, '_', '.' and '-' (starting with a letter or digit), "
                "no '/' or '..': the run directory must stay inside the runs directory",
            )
        )
    return name


def create_run_dir(
    runs_dir: str | os.PathLike[str], name: str, now: datetime | None = None
) -> Path:
    """Create and return a fresh ``runs_dir/name/<timestamp>`` directory.

    When the timestamp is taken, ``-1``, ``-2``, ... are appended; ``mkdir`` without
    ``exist_ok`` makes the claim atomic, so two runs started in the same second never share
    (or overwrite) a directory.
    """
    validate_run_name(name)
    root = Path(runs_dir).resolve()
    parent = root / name
    if parent.resolve().parent != root:  # a symlink named like the run could still escape
        raise ConfigError(ConfigIssue("name", f"run directory {parent} is outside {root}"))
    parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for suffix in range(10_000):
        candidate = parent / (stamp if suffix == 0 else f"{stamp}-{suffix}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        (candidate / CHECKPOINTS).mkdir()
        return candidate
    raise ConfigError(f"could not find a free run directory under {parent}")


def write_config(run_dir: Path, raw: dict[str, Any]) -> Path:
    """Save the resolved config (after overrides) as ``config.yaml``."""
    path = run_dir / "config.yaml"
    with writing(path, "config"):
        atomic_write_text(path, yaml.safe_dump(raw, sort_keys=False, default_flow_style=None))
    return path


def versions() -> dict[str, str]:
    """Versions worth recording next to results: nettrain, python, numpy, cupy if loaded."""
    import nettrain

    found = {
        "nettrain": nettrain.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    from nettrain import backend

    if backend._cupy is not None:  # only report cupy when this process actually uses it
        found["cupy"] = str(backend._cupy.__version__)
    return found


def write_summary(run_dir: Path, summary: dict[str, Any]) -> Path:
    """Write ``summary.json`` atomically (final metrics, wall time, versions, device)."""
    path = run_dir / "summary.json"
    text = json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n"
    with writing(path, "summary"):
        atomic_write_text(path, text)
    return path


def find_checkpoint(target: str | os.PathLike[str]) -> Path:
    """The checkpoint meant by ``target``: a file, or a run directory's latest checkpoint.

    For a run directory, ``interrupted.safetensors`` wins over ``last.safetensors`` when it
    is newer (a run stopped by Ctrl-C resumes from where it stopped).
    """
    path = Path(target)
    if path.is_file():
        return path
    if not path.exists():
        raise FileNotFoundError(f"no such checkpoint or run directory: {path}")
    folder = path / CHECKPOINTS if (path / CHECKPOINTS).is_dir() else path
    candidates = [
        c for c in (folder / "interrupted.safetensors", folder / "last.safetensors") if c.is_file()
    ]
    if not candidates:
        raise FileNotFoundError(
            f"{path} holds no checkpoint (looked for {folder}/last.safetensors and "
            "interrupted.safetensors); pass a .safetensors file or a run directory"
        )
    return max(candidates, key=lambda c: c.stat().st_mtime_ns)


def run_dir_of(checkpoint: Path) -> Path | None:
    """The run directory a checkpoint belongs to (``<run>/checkpoints/x``), or None."""
    parent = checkpoint.resolve().parent
    if parent.name == CHECKPOINTS and (parent.parent / "config.yaml").is_file():
        return parent.parent
    return None


def load_run_config(
    target: str | os.PathLike[str], overrides: list[str] | None = None
) -> tuple[Any, Path | None]:
    """A config to evaluate with: a YAML file, or a run directory's saved ``config.yaml``.

    For a run directory also returns its default checkpoint (``best``, else the latest), and
    resolves relative data paths from the original config's folder (kept in summary.json).
    """
    from nettrain.training.config import load_config

    path = Path(target)
    if not path.is_dir():
        if not path.is_file():
            raise FileNotFoundError(f"no such config file or run directory: {path}")
        return load_config(path, list(overrides or [])), None
    config_file = path / "config.yaml"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path} is not a run directory (it has no config.yaml)")
    resolved = load_config(config_file, list(overrides or []))
    try:
        recorded = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        if recorded.get("base_dir"):
            resolved.base_dir = Path(recorded["base_dir"])
    except (OSError, ValueError):
        pass
    best = path / CHECKPOINTS / "best.safetensors"
    return resolved, best if best.is_file() else find_checkpoint(path)


def train_arguments(
    config: str | os.PathLike[str],
    overrides: list[str] | tuple[str, ...] = (),
    device: str | None = None,
    runs_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> list[str]:
    """The words after ``nettrain`` that train (or, with ``resume``, continue) a run; the one
    place a ``nettrain train ... --resume`` command is assembled."""
    words = ["train", os.fspath(config)]
    for item in overrides:
        words += ["--set", item]
    if device:
        words += ["--device", device]
    if runs_dir is not None and os.fspath(runs_dir) != "runs":
        words += ["--runs-dir", os.fspath(runs_dir)]
    if seed is not None:
        words += ["--seed", str(seed)]
    if resume is not None:
        words += ["--resume", os.fspath(resume)]
    return words


def resume_command(
    config: str | os.PathLike[str] | None,
    run_dir: str | os.PathLike[str] | None,
    overrides: list[str] | tuple[str, ...] = (),
    device: str | None = None,
    runs_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
) -> str:
    """The exact shell command that continues a run (same config, overrides and options).

    Example:
        >>> resume_command("cfg.yaml", "runs/x/1", ["optimizer.lr=0.1"])
        'nettrain train cfg.yaml --set optimizer.lr=0.1 --resume runs/x/1'
    """
    words = train_arguments(
        config if config is not None else "CONFIG",
        overrides,
        device,
        runs_dir,
        seed,
        run_dir if run_dir is not None else "RUN_DIR",
    )
    return shlex.join(["nettrain", *words])
