"""Atomic file writes: a reader sees the old content or all of the new, never a mix.

Used by ``nettrain.save`` and by the training tool for checkpoints, metrics and summaries.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory, fsync, rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` so that ``path`` holds either its old content or all of ``data``.

    The temporary file lives in the target's directory (``os.replace`` is atomic only
    within one filesystem) and is removed if anything fails before the rename.
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(target.parent)


def atomic_write_same(paths: list[Path], data: bytes) -> None:
    """Write the same ``data`` under several names in one directory with one fsync.

    The temporary file is written and synced once, then hard-linked and renamed onto each
    name: each rename is atomic, and a later write of one name replaces its link, never
    the shared content. A write error (full disk) removes the temporary files and leaves
    every existing name untouched; a filesystem without hard links gets one atomic write
    per name instead.
    """
    if not paths:
        return
    directory = paths[0].parent
    fd, tmp = tempfile.mkstemp(prefix=f".{paths[0].name}.", suffix=".tmp", dir=directory)
    made = [tmp]
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            for index in range(1, len(paths)):
                made.append(f"{tmp}.{index}")
                os.link(tmp, made[-1])
        except OSError:  # no hard links here (some network or FAT filesystems)
            _remove(made)
            for path in paths:
                atomic_write_bytes(path, data)
            return
        for name, path in zip(made, paths):
            os.replace(name, path)
    except BaseException:
        _remove(made)
        raise
    _fsync_dir(directory)


def _remove(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (not supported on every platform: best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
