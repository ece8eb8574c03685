"""The benchmark workloads compute the same thing in every framework.

A benchmark that times different computations compares nothing: each workload's first
steps (losses after one and two updates) must agree between nettrain, the hand-written
numpy floor and PyTorch (when installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import data as bench_data  # noqa: E402
import lib_workloads  # noqa: E402
import numpy_ref  # noqa: E402
import run as bench_run  # noqa: E402

SPECS = [s for s in bench_run.SPECS if s.key != "mlp1024"]  # mlp128 covers the same code


def _first_values(framework: str, spec: bench_run.Spec) -> list[float]:
    step = bench_run.build(framework, spec)
    return [bench_run.check_value(step()) for _ in range(2)]


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_nettrain_matches_the_numpy_floor(spec):
    if spec.workload not in numpy_ref.BUILDERS:
        pytest.skip(f"{spec.key} has no hand-written numpy version")
    ours = _first_values("nettrain", spec)
    floor = _first_values("numpy", spec)
    np.testing.assert_allclose(ours, floor, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_nettrain_matches_pytorch(spec):
    pytest.importorskip("torch")
    ours = _first_values("nettrain", spec)
    theirs = _first_values("torch", spec)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_a_parameter_layout_mismatch_is_refused():
    data = bench_data.make("toy")
    data["params"] = [p.T.copy() for p in data["params"]]
    with pytest.raises(lib_workloads.Skip, match="shape"):
        lib_workloads.build_toy("nettrain", data)
