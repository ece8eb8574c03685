"""``nettrain.amp``: PyTorch's mixed-precision API (``autocast``, ``GradScaler``).

``GradScaler`` runs PyTorch's loss-scaling algorithm; ``autocast`` is accepted and keeps
every op in its inputs' dtype, since nettrain has no mixed-precision kernels.
"""

from nettrain.amp.autocast_mode import autocast, is_autocast_enabled
from nettrain.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_enabled"]
