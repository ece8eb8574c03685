"""``nettrain ARGS`` with test-only knobs, run alike in one process and under mpiexec.

Environment:
    NETTRAIN_TEST_DTYPE=float64: build the model in float64 (the config cannot say so), so
        1-vs-N comparisons can use float64 tolerances.
    NETTRAIN_TEST_FAULT=<kind>:<rank>:<n>: on rank ``rank`` only, ``raise`` a RuntimeError
        at the n-th loss evaluation, or ``perturb`` the first parameter after the n-th
        SGD step (one replica drifts from the others).
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


def _raise_at(call: int, rank: int) -> None:
    original = nn.CrossEntropyLoss.forward
    calls = [0]

    def forward(self, output, target):
        calls[0] += 1
        if calls[0] == call:
            raise RuntimeError(f"injected failure on rank {rank} at loss call {call}")
        return original(self, output, target)

    nn.CrossEntropyLoss.forward = forward


def _perturb_at(call: int) -> None:
    original = optim.SGD.step
    calls = [0]

    def step(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == call:
            with nt.no_grad():
                first = self.param_groups[0]["params"][0]
                first.add_(nt.full_like(first, 1e-3))
        return result

    optim.SGD.step = step


if os.environ.get("NETTRAIN_TEST_DTYPE") == "float64":
    nt.set_default_dtype(nt.float64)
if os.environ.get("NETTRAIN_TEST_FAULT"):
    kind, rank, call = os.environ["NETTRAIN_TEST_FAULT"].split(":")
    if world_from_env().rank == int(rank) and kind == "raise":
        _raise_at(int(call), int(rank))
    elif world_from_env().rank == int(rank):
        _perturb_at(int(call))
if os.environ.get("NETTRAIN_TEST_NO_MPI4PY"):
    sys.modules["mpi4py"] = None  # an import of mpi4py now raises ImportError

if os.environ.get("NETTRAIN_TEST_MODULES"):
    out = Path(os.environ["NETTRAIN_TEST_MODULES"])
    atexit.register(lambda: out.write_text("\n".join(sorted(sys.modules)), encoding="utf-8"))

from nettrain.cli.app import main  # noqa: E402

sys.argv[0] = "nettrain"
main()
