"""``Dropout`` and channel-wise ``Dropout1d/2d/3d``: random zeroing while training only."""

from __future__ import annotations

from nettrain.nn.functional.dropout import _check_p, dropout, dropout1d, dropout2d, dropout3d
from nettrain.nn.modules.module import Module
from nettrain.tensor import Tensor

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


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


class _DropoutNd(Module):
    """Shared state of the channel-wise dropouts (PyTorch's ``_DropoutNd``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` / ``(C, L)`` input while training."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input while training.

    Example:
        >>> Dropout2d(p=0.2)(nettrain.ones(1, 4, 2, 2)).shape
        (1, 4, 2, 2)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` input while training."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout3d(input, self.p, self.training, self.inplace)
