"""nn.functional: ``embedding`` and ``one_hot``."""

from __future__ import annotations

from nettrain.autograd.grad_mode import no_grad
from nettrain.backend import get_array_module
from nettrain.ops.sparse import Embedding
from nettrain.tensor import Tensor

__all__ = ["embedding", "one_hot"]


def _check_indices(input: Tensor, num: int) -> None:  # noqa: A002
    if input.dtype.name not in ("int64", "int32", "int16", "int8", "uint8"):
        raise TypeError(
            f"embedding: expected integer indices (LongTensor), got {input.dtype}; "
            "convert with .long()"
        )
    if input.numel() and (int(input._data.min()) < 0 or int(input._data.max()) >= num):
        raise IndexError(
            f"index out of range in self: embedding indices must lie in [0, {num}), got "
            f"min {int(input._data.min())} and max {int(input._data.max())}"
        )


def _renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:  # noqa: A002
    """Scale the looked-up rows whose norm exceeds ``max_norm`` down to it, in place."""
    data = weight._data
    xp = get_array_module(data)
    rows = xp.unique(input._data.reshape(-1))
    picked = data[rows]
    norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    with no_grad():
        data[rows] = picked * scale[:, None].astype(data.dtype)
        weight._vc[0] += 1


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at the integer positions in ``input``; shape ``input.shape + (dim,)``.

    Example:
        >>> F.embedding(nettrain.tensor([[0, 2]]), nettrain.randn(3, 4)).shape
        (1, 2, 4)
    """
    if sparse:
        raise NotImplementedError(
            "sparse=True (sparse gradients) is not supported by nettrain; use sparse=False"
        )
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D, got shape {tuple(weight.shape)}")
    num = weight.shape[0]
    _check_indices(input, num)
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"Padding_idx must be within num_embeddings, got {padding_idx}")
        padding_idx %= num
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return Embedding.apply(weight, input._data, padding_idx, scale_grad_by_freq)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dimension of size ``num_classes``."""
    data = tensor._data
    if num_classes < 0:
        num_classes = int(data.max()) + 1 if data.size else 0
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes and non-negative.")
    xp = get_array_module(data)
    return Tensor._make(xp.eye(num_classes, dtype=xp.int64)[data])
