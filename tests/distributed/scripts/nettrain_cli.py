"""``nettrain ARGS`` with test-only knobs, run alike in one process and under mpiexec.

Environment:
    NETTRAIN_TEST_DTYPE=float64: build the model in float64 and feed it float64 data (the
        config cannot say so), so 1-vs-N comparisons can use float64 tolerances.
    NETTRAIN_TEST_FAULT=<kind>:<rank>:<n>: on rank ``rank`` only, ``raise`` a RuntimeError
        in the n-th SGD step, or ``perturb`` the first parameter after it (one replica
        drifts from the others).
    NETTRAIN_TEST_NO_MPI4PY=1: make ``import mpi4py`` fail, as without the 'mpi' extra.
    NETTRAIN_TEST_MODULES=<file>: at exit, write the names of the imported modules there.
"""

import atexit
import os
import sys
from pathlib import Path

import nettrain as nt
import nettrain.nn as nn
import nettrain.optim as optim
from nettrain.training.distributed import world_from_env


def _fault_at(kind: str, call: int, rank: int) -> None:
    """Patch SGD.step: raise in the n-th step, or nudge the first parameter after it."""
    original = optim.SGD.step
    calls = [0]

    def step(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == call and kind == "raise":
            raise RuntimeError(f"injected failure on rank {rank} at step {call}")
        result = original(self, *args, **kwargs)
        if calls[0] == call:
            with nt.no_grad():
                first = self.param_groups[0]["params"][0]
                first.add_(nt.full_like(first, 1e-3))
        return result

    optim.SGD.step = step


def _float64_model() -> None:
    """Parameters in float64, and Linear casts the (float32) data to them."""
    nt.set_default_dtype(nt.float64)
    original = nn.Linear.forward

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        return original(self, input.to(self.weight.dtype))

    nn.Linear.forward = forward


if os.environ.get("NETTRAIN_TEST_DTYPE") == "float64":
    _float64_model()
if os.environ.get("NETTRAIN_TEST_FAULT"):
    kind, rank, call = os.environ["NETTRAIN_TEST_FAULT"].split(":")
    if world_from_env().rank == int(rank):
        _fault_at(kind, int(call), int(rank))
if os.environ.get("NETTRAIN_TEST_NO_MPI4PY"):
    sys.modules["mpi4py"] = None  # an import of mpi4py now raises ImportError

if os.environ.get("NETTRAIN_TEST_MODULES"):
    out = Path(os.environ["NETTRAIN_TEST_MODULES"])
    atexit.register(lambda: out.write_text("\n".join(sorted(sys.modules)), encoding="utf-8"))

from nettrain.cli.app import main  # noqa: E402

sys.argv[0] = "nettrain"
main()
