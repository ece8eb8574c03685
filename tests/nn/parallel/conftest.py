"""Lets these tests import the ``mpirun`` spawning helper from tests/distributed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "distributed"))
