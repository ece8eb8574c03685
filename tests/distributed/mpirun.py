"""Spawn ``mpiexec -n N python script.py`` for the MPI tests, with a bounded wait.

Each job runs in its own session, so on timeout the whole process group (launcher and
ranks) is killed and the test fails instead of hanging CI. Tests skip only when mpi4py
or mpiexec is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"
SRC = Path(__file__).parents[2] / "src"


def mpiexec() -> str | None:
    """The launcher beside this python (the mpich wheel's), else the first on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    return shutil.which("mpiexec")


def require_mpi() -> str:
    """The mpiexec path, or skip the test when MPI is not installed."""
    try:
        from mpi4py import MPI  # noqa: F401
    except (ImportError, RuntimeError) as error:
        pytest.skip(f"mpi4py or its MPI library is missing ({error}): pip install -e '.[mpi]'")
    launcher = mpiexec()
    if launcher is None:
        pytest.skip("no mpiexec found: pip install -e '.[mpi]'")
    return launcher


def mpi_env() -> dict[str, str]:
    """The environment of a spawned run: this tree's source first, one BLAS thread."""
    return _env()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def run_script(script: str, args: tuple[str, ...] = (), timeout: float = 120) -> None:
    """Run a script in one process, without MPI (the single-process reference)."""
    command = [sys.executable, str(SCRIPTS / script), *args]
    proc = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(command)}\n{proc.stdout}\n{proc.stderr}"


def run_mpi(
    script: str,
    n: int = 2,
    args: tuple[str, ...] = (),
    timeout: float = 120,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run ``tests/distributed/scripts/<script>`` on ``n`` ranks; kill the group on timeout.

    With ``check`` a non-zero exit fails the test, showing both output streams.
    """
    launcher = require_mpi()
    env = _env()
    command = [launcher, "-n", str(n), sys.executable, str(SCRIPTS / script), *args]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(command)} ran past {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    if check:
        assert proc.returncode == 0, f"rc={proc.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def rank_files(folder: Path) -> dict[int, dict]:
    """The ``rank<r>.json`` records a script wrote into ``folder``."""
    return {int(p.stem[4:]): json.loads(p.read_text()) for p in folder.glob("rank*.json")}


def run_cli(
    args: tuple[str, ...],
    n: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """``nettrain ARGS`` through ``scripts/nettrain_cli.py``: in one plain process when
    ``n`` is None, else under ``mpiexec -n n``; the process group is killed on timeout.

    ``env`` adds variables (the script's test knobs). Never checks the exit status.
    """
    prefix = [] if n is None else [require_mpi(), "-n", str(n)]
    command = [*prefix, sys.executable, str(SCRIPTS / "nettrain_cli.py"), *map(str, args)]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_env(), **(env or {})},
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(command)} ran past {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)
