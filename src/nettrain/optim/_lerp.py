"""``lerp_`` computed in the tensor's own precision, for the optimizers in this package.

PyTorch rounds a scalar weight to the tensor's compute type (float32 for float16/float32,
float64 for float64); rounding it to float32 for float64 state would make float64
trajectories drift by ~1e-7.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.backend import Array


def lerp_(xp: Any, start: Array, end: Array, weight: float, tmp: Array) -> None:
    """``start.lerp_(end, weight)`` with PyTorch's two-branch formula; ``tmp`` is clobbered."""
    compute = np.float64 if start.dtype == np.float64 else np.float32
    w = compute(weight)
    xp.subtract(end, start, out=tmp)
    if w < 0.5:
        tmp *= float(w)
        start += tmp
    else:
        tmp *= float(compute(1.0) - w)
        xp.subtract(end, tmp, out=start)
