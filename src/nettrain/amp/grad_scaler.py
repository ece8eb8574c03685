"""``GradScaler``: loss scaling for float16 training, as ``torch.amp.GradScaler``.

float16 gradients underflow to zero below ~6e-8. Scaling the loss by a large factor
before ``backward`` keeps small gradients representable; ``step`` divides them back
(``unscale_``) and skips the optimizer step when any gradient overflowed to inf/NaN;
``update`` then lowers the scale after an overflow and raises it again after
``growth_interval`` clean steps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nettrain.autograd import no_grad
from nettrain.backend import get_array_module


class GradScaler:
    """Dynamic loss scaling.

    Args:
        device: ``"cuda"`` or ``"cpu"`` (accepted as in PyTorch; scaling works the same).
        init_scale: the first scale factor.
        growth_factor: multiplies the scale after ``growth_interval`` steps without inf/NaN.
        backoff_factor: multiplies the scale after a step with inf/NaN gradients.
        growth_interval: clean steps between two growths.
        enabled: False makes every method a pass-through (``scale`` returns its input).

    Example:
        >>> scaler = nettrain.amp.GradScaler("cuda")
        >>> with nettrain.autocast("cuda"):
        ...     loss = loss_fn(model(x), y)
        >>> scaler.scale(loss).backward()
        >>> scaler.step(optimizer)
        >>> scaler.update()
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if growth_factor <= 1.0:
            raise ValueError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise ValueError("The backoff factor must be < 1.0.")
        self._device = device
        self._enabled = bool(enabled)
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        # id(optimizer) -> {"unscaled": bool, "found_inf": bool}, reset by update()
        self._per_optimizer: dict[int, dict[str, bool]] = {}

    # -- the four calls of a training step -------------------------------------------

    def scale(self, outputs: Any) -> Any:
        """``outputs * scale`` (a Tensor, or lists/tuples/dicts of them)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if isinstance(outputs, dict):
            return {k: self.scale(v) for k, v in outputs.items()}
        return outputs * self._scale

    def unscale_(self, optimizer: Any) -> None:
        """Divide this optimizer's gradients by the scale in place (once per step)."""
        if not self._enabled:
            return
        record = self._record(optimizer)
        if record["unscaled"]:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        # PyTorch multiplies by a float32 reciprocal, computing half gradients in float32
        inverse = np.float32(1.0 / self._scale)
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    data = grad._data
                    xp = get_array_module(data)
                    if data.dtype == np.float16:
                        data[...] = data * inverse  # computed in float32, stored in float16
                    else:
                        data *= inverse
                    grad._vc[0] += 1
                    if not found_inf and not bool(xp.isfinite(data).all()):
                        found_inf = True
        record["unscaled"] = True
        record["found_inf"] = found_inf

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale if not done yet; call ``optimizer.step`` unless a gradient was inf/NaN.

        Returns what ``optimizer.step`` returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        record = self._record(optimizer)
        if not record["unscaled"]:
            self.unscale_(optimizer)
        if record["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | Any = None) -> None:
        """Adjust the scale after a step: back off on inf/NaN, grow after clean steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        elif self._per_optimizer:
            if any(r["found_inf"] for r in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer = {}

    # -- state ------------------------------------------------------------------------

    def _record(self, optimizer: Any) -> dict[str, bool]:
        return self._per_optimizer.setdefault(
            id(optimizer), {"unscaled": False, "found_inf": False}
        )

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's keys and values (an empty dict when disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Inverse of ``state_dict``."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a "
                "disabled instance of GradScaler."
            )
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
