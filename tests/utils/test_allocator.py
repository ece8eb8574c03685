"""keep_freed_memory: freed step memory is reused instead of faulted in again."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from nettrain.utils import allocator, keep_freed_memory

GLIBC = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"

# Six 4 MiB arrays allocated and freed per "step": by default glibc maps them afresh or
# trims the heap after each step, so the pages fault in again (thousands per step).
STEPS = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from nettrain.utils import keep_freed_memory
    applied = keep_freed_memory()
    def step():
        arrays = [np.ones(1 << 20, dtype=np.float32) for _ in range(6)]
        del arrays
    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    print(applied, (after - before) / 20)
    """
)


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_freed_arrays_are_reused_without_page_faults() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", STEPS], capture_output=True, text=True, env=env, check=True
    )
    applied, faults = done.stdout.split()
    assert applied == "True"
    pages_per_step = 6 * (4 << 20) // 4096
    assert float(faults) < 0.01 * pages_per_step, done.stdout


def test_glibc_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert keep_freed_memory() is False


def test_off_glibc_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator.platform, "libc_ver", lambda: ("musl", "1.2"))
    assert keep_freed_memory() is False


@pytest.mark.parametrize(
    "kwargs", [{"mmap_bytes": 64 << 20}, {"mmap_bytes": 0}, {"retain_bytes": 1 << 31}]
)
def test_out_of_range_sizes_name_the_limits(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="mmap_bytes <= 33554432"):
        keep_freed_memory(**kwargs)


@pytest.mark.parametrize("value", ["0", "false", "No"])
def test_cli_opt_out(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setenv("NETTRAIN_KEEP_FREED_MEMORY", value)
    assert allocator.keep_freed_memory_for_cli() is False and not calls
    monkeypatch.setenv("NETTRAIN_KEEP_FREED_MEMORY", "1")
    assert allocator.keep_freed_memory_for_cli() is True and calls == [1]
