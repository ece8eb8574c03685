"""``nettrain.cuda.amp``: PyTorch's older spellings of ``autocast`` and ``GradScaler``."""

from __future__ import annotations

from typing import Any

from nettrain.amp import autocast_mode, grad_scaler


class autocast(autocast_mode.autocast):  # noqa: N801
    """``torch.cuda.amp.autocast(enabled=True, dtype=float16, cache_enabled=True)``."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(grad_scaler.GradScaler):
    """``torch.cuda.amp.GradScaler(init_scale, growth_factor, ..., enabled)`` for 'cuda'."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )


__all__ = ["GradScaler", "autocast"]
