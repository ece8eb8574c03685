"""Shared fixtures: the ``device`` fixture runs a test on the CPU, and on cuda when usable."""

from __future__ import annotations

import os

# pytest -n 2 already keeps both cores busy; threaded BLAS on top oversubscribes them and
# turns sub-millisecond matrix products into tens of milliseconds. Set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nettrain as nt  # noqa: E402
from nettrain.backend import cuda_is_available  # noqa: E402

_DEVICES = ["cpu"] + (["cuda"] if cuda_is_available() else [])


@pytest.fixture(
    params=[pytest.param(d, marks=pytest.mark.gpu if d == "cuda" else ()) for d in ["cpu", "cuda"]]
)
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
