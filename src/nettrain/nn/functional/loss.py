"""Losses with PyTorch's signatures: thin checks around the fused ops of ``nettrain.ops.loss``."""

from __future__ import annotations

import warnings
from typing import Any

from nettrain.amp import autocast_mode as _amp
from nettrain.errors import ShapeError
from nettrain.ops import loss as loss_ops
from nettrain.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(
    reduction: str,
    size_average: Any = None,
    reduce: Any = None,
    allowed: tuple[str, ...] = _REDUCTIONS,
) -> str:
    """Validate ``reduction``; map the deprecated size_average/reduce pair as PyTorch does."""
    if size_average is not None or reduce is not None:
        mean = True if size_average is None else bool(size_average)
        keep = True if reduce is None else bool(reduce)
        reduction = ("mean" if mean else "sum") if keep else "none"
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
            "instead.",
            UserWarning,
            stacklevel=3,
        )
    if reduction not in allowed:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; expected one of {allowed}"
        )
    return reduction


def _check_same_size(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"{name}: using a target size ({tuple(target.shape)}) that is different to the input "
            f"size ({tuple(input.shape)}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _weighted(
    name: str,
    loss: Tensor,
    weight: Tensor,
    input: Tensor,
    reduction: str,  # noqa: A002
    mean_over_weight: bool,
) -> Tensor:
    """The elementwise-weight form of mse/l1/huber (PyTorch's composite rules)."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{name}: Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum() if mean_over_weight else weighted.mean()


def _class_layout(name: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Any]:  # noqa: A002
    """Logits ``(N, C, d1, ...)`` as rows ``(N*d1*..., C)``; also the per-row output shape."""
    if input.dim() == 1:  # unbatched (C,) with a scalar target
        return input.reshape(1, -1), target.reshape(-1) if target.dim() == 0 else target, ()
    if input.dim() == 2:
        return input, target, (input.shape[0],)
    classes = input.shape[1]
    order = (0, *range(2, input.dim()), 1)  # classes last, then one row per position
    rows = input.permute(*order).reshape(-1, classes)
    shape = (input.shape[0], *input.shape[2:])
    if target.dtype.is_floating_point:
        return rows, target.permute(*order).reshape(-1, classes), shape
    return rows, target.reshape(-1), shape


def _check_index_target(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    expected = (input.shape[0], *input.shape[2:]) if input.dim() >= 2 else ()
    if tuple(target.shape) != tuple(expected):
        raise ShapeError(
            f"{name}: expected target of shape {tuple(expected)} for input of shape "
            f"{tuple(input.shape)}, got target of shape {tuple(target.shape)}"
        )
    if target.dtype.is_floating_point:
        raise RuntimeError(f"{name}: expected an integer class-index target, got {target.dtype}")


def _check_weight(name: str, weight: Any, classes: int) -> None:
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ShapeError(
            f"{name}: weight should be a 1D tensor of {classes} elements (one per class), got "
            f"shape {tuple(weight.shape)}"
        )


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Log-softmax plus negative log-likelihood in one fused, stable op.

    ``target`` holds class indices (shape ``(N, d1, ...)``) or class probabilities (the
    input's shape, floating point).

    Example:
        >>> F.cross_entropy(nettrain.randn(4, 3), nettrain.tensor([0, 2, 1, 0]))
    """
    reduction = _reduction(reduction, size_average, reduce)
    if _amp.STATE.active:
        input, target, weight = _amp.to_float32(input, target, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    classes = input.shape[1] if input.dim() >= 2 else input.shape[0]
    _check_weight("cross_entropy", weight, classes)
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise ShapeError(
                f"cross_entropy: class-probability target must have the input's shape "
                f"{tuple(input.shape)}, got {tuple(target.shape)}"
            )
        rows, probs, shape = _class_layout("cross_entropy", input, target)
        out = loss_ops.SoftCrossEntropy.apply(rows, probs, weight, label_smoothing, reduction)
    else:
        _check_index_target("cross_entropy", input, target)
        rows, index, shape = _class_layout("cross_entropy", input, target)
        out = loss_ops.CrossEntropy.apply(
            rows, index, weight, ignore_index, label_smoothing, reduction
        )
    return out.reshape(shape) if reduction == "none" else out


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities ``(N, C, d1, ...)``."""
    reduction = _reduction(reduction, size_average, reduce)
    if _amp.STATE.active:
        input, weight = _amp.to_float32(input, weight)
    _check_weight("nll_loss", weight, input.shape[1] if input.dim() >= 2 else input.shape[0])
    _check_index_target("nll_loss", input, target)
    rows, index, shape = _class_layout("nll_loss", input, target)
    out = loss_ops.NLLLoss.apply(rows, index, weight, ignore_index, reduction)
    return out.reshape(shape) if reduction == "none" else out


def _pointwise(
    name: str,
    op: Any,
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str,
    weight: Tensor | None,
) -> Tensor:
    """An elementwise loss op, reduced directly or after an optional per-element weight."""
    if _amp.STATE.active:
        input, target, weight = _amp.to_float32(input, target, weight)
    _check_same_size(name, input, target)
    if weight is None:
        return op.apply(input, target, reduction)
    return _weighted(name, op.apply(input, target, "none"), weight, input, reduction, True)


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error ``(input - target)**2``, reduced."""
    reduction = _reduction(reduction, size_average, reduce)
    return _pointwise("mse_loss", loss_ops.MSELoss, input, target, reduction, weight)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced."""
    reduction = _reduction(reduction, size_average, reduce)
    return _pointwise("l1_loss", loss_ops.L1Loss, input, target, reduction, weight)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Quadratic ``0.5 d**2 / beta`` below ``beta``, linear ``|d| - beta/2`` above."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if _amp.STATE.active:
        input, target = _amp.to_float32(input, target)
    _check_same_size("smooth_l1_loss", input, target)
    if beta == 0.0:
        return loss_ops.L1Loss.apply(input, target, reduction)
    return loss_ops.HuberLoss.apply(input, target, reduction, float(beta), float(beta))


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Quadratic ``0.5 d**2`` below ``delta``, linear ``delta (|d| - delta/2)`` above."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got {delta}")
    if _amp.STATE.active:
        input, target, weight = _amp.to_float32(input, target, weight)
    _check_same_size("huber_loss", input, target)
    if weight is not None:
        loss = loss_ops.HuberLoss.apply(input, target, "none", float(delta), 1.0)
        return _weighted("huber_loss", loss, weight, input, reduction, False)
    return loss_ops.HuberLoss.apply(input, target, reduction, float(delta), 1.0)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """BCE of probabilities in [0, 1]; each log is clamped at -100 as in PyTorch."""
    _amp.refuse_unsafe("binary_cross_entropy", input)
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    return loss_ops.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + BCE in a stable form (finite for logits of any size)."""
    if _amp.STATE.active:
        input, target, weight, pos_weight = _amp.to_float32(input, target, weight, pos_weight)
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({tuple(target.shape)}) must be the same as input size "
            f"({tuple(input.shape)})"
        )
    return loss_ops.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence of ``target`` from log-probabilities ``input``.

    Use ``reduction='batchmean'`` for the mathematical KL divergence ('mean' also divides
    by the number of classes, and warns as PyTorch does).
    """
    if _amp.STATE.active:
        input, target = _amp.to_float32(input, target)
    reduction = _reduction(reduction, size_average, reduce, (*_REDUCTIONS, "batchmean"))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    return loss_ops.KLDivLoss.apply(input, target, reduction, bool(log_target))
