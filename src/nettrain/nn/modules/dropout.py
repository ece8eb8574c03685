"""``Dropout``: random zeroing in training mode, the identity in eval mode."""

from __future__ import annotations

from nettrain.nn.functional.dropout import _check_p, dropout
from nettrain.nn.modules.module import Module
from nettrain.tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` while training; scale the rest by 1/(1-p).

    Example:
        >>> layer = Dropout(p=0.2).eval()
        >>> layer(nettrain.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
