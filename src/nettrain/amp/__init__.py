"""Mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``."""

from nettrain.amp.autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled
from nettrain.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "get_autocast_dtype", "is_autocast_enabled"]
