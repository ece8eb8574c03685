"""Shared fixtures: the ``device`` fixture runs a test on the CPU, and on cuda when usable."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.backend import cuda_is_available

_DEVICES = ["cpu"] + (["cuda"] if cuda_is_available() else [])


@pytest.fixture(params=[pytest.param(d, marks=pytest.mark.gpu if d == "cuda" else ())
                        for d in ["cpu", "cuda"]])
def device(request: pytest.FixtureRequest) -> str:
    """Each test using it runs on cpu always and on cuda when cupy and a GPU exist."""
    if request.param not in _DEVICES:
        pytest.skip("cuda: cupy or an NVIDIA GPU is not available")
    return request.param


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same random state."""
    nt.manual_seed(0)
    np.random.seed(0)
