"""Run a sweep's points as ``python -m nettrain train ... --quiet`` processes, N at a time.

Separate processes keep points independent (a crash, a NaN or a leaked global cannot touch
another point) and use several cores. Each child runs in its own session so that a
terminal's Ctrl-C reaches only this process, which then sends exactly one SIGINT to every
child and waits: each child saves its ``interrupted`` checkpoint, exactly as a Ctrl-C on
``nettrain train`` would, and ``--resume`` later continues it with ``train --resume``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nettrain.training.runs import train_arguments
from nettrain.training.sweep import FINISHED, Point, Sweep, find_run_dir

#: How long children get to save their checkpoint after SIGINT before they are killed.
STOP_TIMEOUT_S = 60.0
_POLL_S = 0.05

ProgressCallback = Callable[[Point, int, int], None]


class SweepInterrupted(Exception):
    """Ctrl-C stopped the sweep; ``nettrain sweep --resume <directory>`` continues it."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"sweep interrupted; unfinished points keep their checkpoints\n"
            f"resume with: nettrain sweep --resume {directory}"
        )
        self.directory = directory


@dataclass
class _Child:
    point: Point
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    started: float


def train_command(sweep: Sweep, point: Point) -> list[str]:
    """The child's command line: a fresh run, or ``--resume`` of its interrupted run."""
    saved = Path(point.run_dir) / "checkpoints" if point.run_dir else None
    resumable = saved is not None and saved.is_dir() and any(saved.glob("*.safetensors"))
    resume = point.run_dir if resumable else None
    words = train_arguments(
        sweep.config,
        [*sweep.base_overrides, *point.overrides],
        sweep.device,
        runs_dir=sweep.directory,
        resume=resume,
    )
    return [sys.executable, "-m", "nettrain", *words, "--name", point.name, "--quiet"]


def run_sweep(sweep: Sweep, on_change: ProgressCallback | None = None) -> Sweep:
    """Run every unfinished point, at most ``sweep.jobs`` at once; record each outcome.

    Raises:
        SweepInterrupted: on Ctrl-C, after every running child has stopped and been saved.
    """
    todo = [p for p in sweep.points if p.status not in FINISHED]
    total = len(sweep.points)
    running: list[_Child] = []
    done = total - len(todo)
    try:
        while todo or running:
            while todo and len(running) < max(1, sweep.jobs):
                running.append(_start(sweep, todo.pop(0)))
                sweep.save()
            for child in [c for c in running if c.process.poll() is not None]:
                running.remove(child)
                _finish(sweep, child)
                done += 1
                sweep.save()
                if on_change is not None:
                    on_change(child.point, done, total)
            time.sleep(_POLL_S)
    except KeyboardInterrupt:
        _stop_all(sweep, running)
        raise SweepInterrupted(sweep.directory) from None
    return sweep


def _start(sweep: Sweep, point: Point) -> _Child:
    log = (sweep.directory / "logs" / f"{point.name}.log").open("ab")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_source_root(), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        train_command(sweep, point),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # the terminal's Ctrl-C reaches us only; we forward it once
    )
    point.status, point.message = "running", None
    return _Child(point, process, log, time.perf_counter())


def _source_root() -> str:
    """The folder holding this ``nettrain`` package, so children import the same code."""
    return str(Path(__file__).resolve().parents[2])


def _finish(sweep: Sweep, child: _Child, interrupted: bool = False) -> None:
    """Record a stopped child's status, run directory, wall time and summary."""
    child.log.close()
    point, code = child.point, child.process.returncode
    elapsed = time.perf_counter() - child.started
    run_dir = find_run_dir(sweep.directory, point)
    point.run_dir = str(run_dir) if run_dir else point.run_dir
    point.wall_time_s = round((point.wall_time_s or 0.0) + elapsed, 3)
    summary = _read_summary(run_dir)
    point.summary = summary or point.summary
    if code == 0:
        point.status, point.message = "completed", None
    elif interrupted or code == 130:
        point.status, point.message = "interrupted", "stopped by Ctrl-C; --resume continues it"
    else:
        point.status, point.message = "failed", _error_message(sweep, point, code)


def _read_summary(run_dir: Path | None) -> dict[str, Any]:
    if run_dir is None:
        return {}
    try:
        return dict(json.loads((run_dir / "summary.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _error_message(sweep: Sweep, point: Point, code: int) -> str:
    """The child's ``error: ...`` message (with its indented lines), else its last line."""
    log = sweep.directory / "logs" / f"{point.name}.log"
    lines = [line.rstrip() for line in log.read_text(errors="replace").splitlines()]
    starts = [i for i, line in enumerate(lines) if line.startswith("error:")]
    if starts:
        message = [lines[starts[-1]].removeprefix("error:").strip()]
        for line in lines[starts[-1] + 1 :]:
            if not line[:1].isspace():
                break
            message.append(line.strip())
        return " ".join(message)
    lines = [line for line in lines if line.strip()]
    return lines[-1].strip() if lines else f"exited with status {code}"


def _stop_all(sweep: Sweep, running: list[_Child]) -> None:
    """SIGINT every child once, wait for each (killing stragglers), record them."""
    for child in running:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in running:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting politely
            child.process.kill()
            child.process.wait()
        _finish(sweep, child, interrupted=child.process.returncode != 0)
    sweep.save()
