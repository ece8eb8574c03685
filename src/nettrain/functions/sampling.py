"""Random draws from a tensor's values (``nt.multinomial``, ``nt.bernoulli``).

Draws come from nettrain's host generator so a seed reproduces them on every device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import to_device, to_numpy
from nettrain.random import _generator_for
from nettrain.tensor import Tensor


def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Draw category indices with probability proportional to the rows of ``input``.

    Draws come from nettrain's generator (``generator``, or the global one), so a seed
    reproduces them on every device; they are not PyTorch's stream. Without replacement
    each row's draws are distinct.

    Example:
        >>> nt.multinomial(nt.tensor([0.1, 0.9]), 4, replacement=True).shape
        (4,)
    """
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {input.ndim}")
    weights = to_numpy(input._data).astype(np.float64).reshape(-1, input.shape[-1])
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    categories = weights.shape[1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"cannot sample n_sample ({num_samples}) > prob_dist.size(-1) ({categories}) "
            "samples without replacement; pass replacement=True"
        )
    rng = _generator_for(generator)
    if replacement:
        uniform = rng.random((weights.shape[0], num_samples))
        cdf = np.cumsum(weights, axis=1)
        cdf /= cdf[:, -1:]  # exactly 1.0 at the end, so u < 1 never runs past it
        # one searchsorted per distribution (row), vectorised over its draws
        samples = np.stack([np.searchsorted(c, u, side="right") for c, u in zip(cdf, uniform)])
    else:
        # Efraimidis-Spirakis: the k smallest keys -log(u) / w are a weighted draw without
        # replacement; zero weights get key inf and come last
        with np.errstate(divide="ignore"):
            keys = -np.log1p(-rng.random(weights.shape)) / weights
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64).reshape((*input.shape[:-1], num_samples))
    return Tensor._make(to_device(samples, input.device))


def bernoulli(
    input: Tensor,  # noqa: A002
    p: float | None = None,
    *,
    generator: Any = None,
) -> Tensor:
    """0/1 draws, 1 with probability ``input`` (or ``p``), in ``input``'s dtype (no grad)."""
    probs = to_numpy(input._data) if p is None else np.full(input.shape, p)
    if probs.size and (np.nanmin(probs) < 0 or np.nanmax(probs) > 1 or np.isnan(probs).any()):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    draws = _generator_for(generator).random(input.shape) < probs
    return Tensor._make(to_device(draws.astype(input._data.dtype), input.device))
