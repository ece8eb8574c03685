"""Utilities, as ``torch.utils`` (``nettrain.utils.data``)."""

from nettrain.utils import data

__all__ = ["data"]
