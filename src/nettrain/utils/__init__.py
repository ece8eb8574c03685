"""Utilities, as ``torch.utils`` (``nettrain.utils.data``), and ``keep_freed_memory``."""

from nettrain.utils import data
from nettrain.utils.allocator import keep_freed_memory

__all__ = ["data", "keep_freed_memory"]
