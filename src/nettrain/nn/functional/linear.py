"""nn.functional: ``linear`` and ``bilinear`` (fused ops, one graph node each)."""

from __future__ import annotations

from nettrain.amp import autocast_mode as _amp
from nettrain.errors import ShapeError
from nettrain.ops import linear as _ops
from nettrain.tensor import Tensor

__all__ = ["bilinear", "linear"]


def _check_dtypes(fn: str, *tensors: Tensor | None) -> None:
    present = [t for t in tensors if t is not None]
    dtypes = {t.dtype for t in present}
    if len(dtypes) > 1:
        names = ", ".join(str(t.dtype) for t in present)
        raise RuntimeError(
            f"{fn}: expected all inputs to have the same dtype, got {names}. Cast the input "
            "with .float() / .double(), or the module with .to(dtype)."
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` over the last dimension of ``input``.

    Example:
        >>> F.linear(nettrain.ones(3, 4), nettrain.ones(2, 4)).shape
        (3, 2)
    """
    if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {tuple(input.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)} (the input's last dimension must equal weight.shape[1])"
        )
    if bias is not None and bias.shape not in ((weight.shape[0],), ()):
        raise ShapeError(
            f"linear: bias of shape {tuple(bias.shape)} does not fit weight of shape "
            f"{tuple(weight.shape)}; expected ({weight.shape[0]},)"
        )
    if _amp.STATE.active:
        input, weight, bias = _amp.to_lower(input, weight, bias)
    _check_dtypes("linear", input, weight, bias)
    return _ops.Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = input1^T weight_k input2 + bias_k`` for each output feature k."""
    if (
        weight.ndim != 3
        or input1.shape[-1] != weight.shape[1]
        or input2.shape[-1] != weight.shape[2]
        or input1.shape[:-1] != input2.shape[:-1]
    ):
        raise ShapeError(
            f"bilinear: inputs of shapes {tuple(input1.shape)} and {tuple(input2.shape)} do "
            f"not fit weight of shape {tuple(weight.shape)} (expected (..., "
            f"{weight.shape[1] if weight.ndim == 3 else '?'}) and (..., "
            f"{weight.shape[2] if weight.ndim == 3 else '?'}) with equal leading dims)"
        )
    if _amp.STATE.active:
        input1, input2, weight, bias = _amp.to_lower(input1, input2, weight, bias)
    _check_dtypes("bilinear", input1, input2, weight, bias)
    return _ops.Bilinear.apply(input1, input2, weight, bias)
