"""Softmax functions (``nt.softmax``, ``nt.log_softmax``) over ``ops.activation``.

``nn.functional`` reuses ``_softmax_like`` so the dim and dtype handling exists once.
"""

from __future__ import annotations

import warnings
from typing import Any

from nettrain.amp import autocast_mode as _amp
from nettrain.dtypes import to_dtype
from nettrain.ops import activation as _ops
from nettrain.tensor import Tensor


def _softmax_dim(fn: str, ndim: int, dim: int | None, stacklevel: int) -> int:
    """Resolve ``dim``; None picks PyTorch's legacy implicit dim, with a warning."""
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {fn} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=stacklevel,
        )
        return 0 if ndim in (0, 1, 3) else 1
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
            f"but got {dim})"
        )
    return dim % rank


def _softmax_like(
    op: Any,
    fn: str,
    input: Tensor,
    dim: int | None,
    stacklevel: int,
    dtype: Any,  # noqa: A002
) -> Tensor:
    axis = _softmax_dim(fn, input.ndim, dim, stacklevel + 1)
    if _amp.STATE.active and dtype is None:
        (input,) = _amp.to_float32(input)
    if dtype is not None:
        input = input.to(to_dtype(dtype))
    if input.ndim == 0:  # numpy has no axis 0 on a scalar
        return op.apply(input.reshape(1), 0).reshape(())
    return op.apply(input, axis)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim`` (``torch.softmax``; dim is required here)."""
    return _softmax_like(_ops.Softmax, "softmax", input, dim, 3, dtype)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed stably."""
    return _softmax_like(_ops.LogSoftmax, "log_softmax", input, dim, 3, dtype)
