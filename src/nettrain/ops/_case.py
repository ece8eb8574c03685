"""The row types of the op case table (``nettrain.ops.cases``) and its input sampler.

Kept apart from the table so ``cases.py`` holds only rows; not public API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Shapes = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Case:
    """One call of an op: the function, its input shape sets and their value domain.

    ``domain`` is one name for every input or one per input: ``any`` (standard normal),
    ``pos`` (0.5..2), ``unit`` (-0.9..0.9), ``nonzero`` (away from kinks and poles) or
    ``distinct`` (well-separated values: no ties for max/min). ``grad=False`` marks an
    output without gradient; ``gradcheck=False`` a piecewise-constant op whose finite
    differences are meaningless.
    """

    name: str
    fn: Callable[..., Any]
    shapes: Sequence[Shapes]
    domain: str | tuple[str, ...] = "any"
    grad: bool = True
    gradcheck: bool = True

    def domains(self, count: int) -> tuple[str, ...]:
        """The domain of each of ``count`` inputs."""
        if isinstance(self.domain, str):
            return (self.domain,) * count
        return self.domain


@dataclass(frozen=True)
class Entry:
    """An op's public name (``nettrain.X`` or ``nn.functional.X``) and its cases."""

    public: str
    cases: tuple[Case, ...]


def sample(shape: tuple[int, ...], domain: str, rng: np.random.Generator) -> np.ndarray:
    """Random float64 values from a domain that keeps the op smooth and defined."""
    if domain == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    values = rng.standard_normal(shape)
    if domain == "nonzero":  # away from kinks at 0 (abs, relu) and poles (1/x)
        values = np.where(np.abs(values) < 0.25, np.sign(values + 1e-12) * 0.25, values)
        values += np.sign(values) * 0.05
    if domain == "distinct":  # well-separated values: no ties for max/min/sort-like ops
        values = rng.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.37 - 1.0
        values = values + rng.uniform(-0.05, 0.05, shape)
    return values


def sample_inputs(case: Case, shapes: Shapes, seed: int) -> list[np.ndarray]:
    """One float64 array per input of ``case`` for the shape set ``shapes``."""
    rng = np.random.default_rng(seed)
    return [sample(s, d, rng) for s, d in zip(shapes, case.domains(len(shapes)))]
