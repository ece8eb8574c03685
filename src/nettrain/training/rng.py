"""Every random number generator a run touches: seeding, capture and restore, epoch seeds.

A checkpoint holds ``capture_rng()`` and the data order of epoch ``e`` comes from
``epoch_seed(seed, e)`` alone, so a resumed run draws exactly the numbers an uninterrupted
one would.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed nettrain's global generator, numpy's legacy global state and ``random``."""
    import nettrain

    nettrain.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def capture_rng() -> dict[str, Any]:
    """Every global RNG state, as JSON-friendly values."""
    import nettrain

    name, keys, pos, has_gauss, cached = np.random.get_state()
    version, state, gauss = random.getstate()
    return {
        "nettrain": nettrain.get_rng_state(),
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "python": [version, list(state), gauss],
    }


def restore_rng(states: dict[str, Any]) -> None:
    """Inverse of ``capture_rng``."""
    import nettrain

    nettrain.set_rng_state(states["nettrain"])
    name, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    version, state, gauss = states["python"]
    random.setstate((version, tuple(state), gauss))


def epoch_seed(seed: int, epoch: int) -> int:
    """The data-order seed of one epoch: depends only on (seed, epoch), so resuming is exact."""
    return int(np.random.SeedSequence([seed % 2**63, epoch]).generate_state(1, np.uint64)[0] >> 1)
