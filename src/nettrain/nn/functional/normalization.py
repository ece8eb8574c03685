"""Normalization: ``batch_norm``, ``layer_norm``, ``group_norm``, ``rms_norm``, ``normalize``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nettrain.amp import autocast_mode as _amp
from nettrain.autograd.grad_mode import no_grad
from nettrain.errors import ShapeError
from nettrain.ops.normalization import Normalize
from nettrain.ops.shape import Where
from nettrain.tensor import Tensor

__all__ = ["batch_norm", "group_norm", "layer_norm", "normalize", "rms_norm"]


def _channel_view(param: Tensor | None, ndim: int) -> Tensor | None:
    """A per-channel (C,) tensor viewed as (1, C, 1, ...) to broadcast over (N, C, ...)."""
    if param is None:
        return None
    return param.reshape((1, -1) + (1,) * (ndim - 2))


def _check_channels(name: str, input: Tensor, tensors: dict[str, Any]) -> None:  # noqa: A002
    channels = input.shape[1]
    for label, t in tensors.items():
        if t is not None and tuple(t.shape) != (channels,):
            raise ShapeError(
                f"{name}: {label} should have shape ({channels},) for input of shape "
                f"{tuple(input.shape)}, got {tuple(t.shape)}"
            )


def _update_running(running: Tensor, batch_value: Any, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place (no history)."""
    data = running._data
    data *= 1.0 - momentum
    data += momentum * batch_value.astype(data.dtype, copy=False)
    running._vc[0] += 1


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of ``(N, C, ...)`` input by batch or running statistics.

    In training, batch statistics normalize and ``running_mean``/``running_var`` (when
    given) move towards the batch mean and the *unbiased* batch variance, as in PyTorch.

    Example:
        >>> x = nettrain.randn(8, 3)
        >>> F.batch_norm(x, None, None, training=True).mean(0).abs().max() < 1e-6
        tensor(True)
    """
    if _amp.STATE.active:  # statistics in float32; the next matmul casts back down
        input, weight, bias = _amp.to_float32(input, weight, bias)
    if input.dim() < 2:
        raise ShapeError(
            f"batch_norm: expected input of shape (N, C, ...), got {tuple(input.shape)}"
        )
    _check_channels(
        "batch_norm",
        input,
        {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias},
    )
    ndim = input.dim()
    w, b = _channel_view(weight, ndim), _channel_view(bias, ndim)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        mean = _channel_view(running_mean, ndim)
        scale = (_channel_view(running_var, ndim) + eps).rsqrt()
        if w is not None:
            scale = scale * w
        out = (input - mean) * scale
        return out if b is None else out + b
    count = input.numel() // input.shape[1]
    if count <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{tuple(input.shape)}"
        )
    axes = (0,) + tuple(range(2, ndim))
    out, mean, var = Normalize.apply(input, w, b, axes, eps)
    with no_grad():
        if running_mean is not None:
            _update_running(running_mean, mean._data.reshape(-1), momentum)
        if running_var is not None:
            unbiased = var._data.reshape(-1) * (count / (count - 1))
            _update_running(running_var, unbiased, momentum)
    return out


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dimensions of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if _amp.STATE.active:
        input, weight, bias = _amp.to_float32(input, weight, bias)
    if tuple(input.shape[input.dim() - len(shape) :]) != shape or input.dim() < len(shape):
        raise ShapeError(
            f"layer_norm: expected input with shape [*, {', '.join(map(str, shape))}], got "
            f"input of shape {tuple(input.shape)}"
        )
    for label, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ShapeError(f"layer_norm: {label} should have shape {shape}, got {tuple(t.shape)}")
    axes = tuple(range(input.dim() - len(shape), input.dim()))
    return Normalize.apply(input, weight, bias, axes, eps)[0]


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each group of ``C / num_groups`` channels of each sample."""
    if _amp.STATE.active:
        input, weight, bias = _amp.to_float32(input, weight, bias)
    if input.dim() < 2:
        raise ShapeError(
            f"group_norm: expected input of shape (N, C, ...), got {tuple(input.shape)}"
        )
    n, channels = input.shape[0], input.shape[1]
    if channels % num_groups:
        raise ShapeError(
            f"group_norm: expected the number of channels ({channels}) to be divisible by "
            f"num_groups={num_groups}, got input of shape {tuple(input.shape)}"
        )
    _check_channels("group_norm", input, {"weight": weight, "bias": bias})
    grouped = input.reshape(n, num_groups, channels // num_groups, -1)
    w = None if weight is None else weight.reshape(1, num_groups, -1, 1)
    b = None if bias is None else bias.reshape(1, num_groups, -1, 1)
    out = Normalize.apply(grouped, w, b, (2, 3), eps)[0]
    return out.reshape(tuple(input.shape))


def rms_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Scale by the root mean square over the trailing dims: x / sqrt(mean(x²) + eps) * weight.

    ``eps=None`` uses the machine epsilon of the input's dtype, as PyTorch does.
    """
    import numpy as np

    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.dim() < len(shape) or tuple(input.shape[input.dim() - len(shape) :]) != shape:
        raise ShapeError(
            f"rms_norm: expected input with shape [*, {', '.join(map(str, shape))}], got "
            f"input of shape {tuple(input.shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise ShapeError(f"rms_norm: weight should have shape {shape}, got {tuple(weight.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * (input.square().mean(axes, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def _vector_norm(input: Tensor, p: float, dim: Any) -> Tensor:  # noqa: A002
    """The p-norm over ``dim`` (kept), with gradient 0 at an all-zero vector, as PyTorch.

    ``s ** (1/p)`` has an infinite slope at s = 0; the root is taken of a stand-in 1 there
    and the result replaced by 0, so no inf * 0 reaches the gradient.
    """
    if p == float("inf"):
        return input.abs().amax(dim, keepdim=True)
    if p == 2:
        total = (input * input).sum(dim, keepdim=True)
    elif p == 1:
        return input.abs().sum(dim, keepdim=True)
    else:
        total = input.abs().pow(p).sum(dim, keepdim=True)
    positive = total._data > 0
    safe = Where.apply(positive, total, 1.0)
    return Where.apply(positive, safe.sqrt() if p == 2 else safe.pow(1.0 / p), 0.0)


def normalize(
    input: Tensor,  # noqa: A002
    p: float = 2.0,
    dim: Any = 1,
    eps: float = 1e-12,
    out: Tensor | None = None,
) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``: unit-norm vectors, zeros stay zero.

    Example:
        >>> F.normalize(nettrain.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"normalize: expected a floating point input, got {input.dtype} (use .float())"
        )
    if not p > 0:
        raise NotImplementedError(f"normalize: p must be positive (or inf), got p={p}")
    if isinstance(dim, int) and not -input.dim() <= dim < max(input.dim(), 1):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.dim()}, "
            f"{input.dim() - 1}], but got {dim})"
        )
    return input / _vector_norm(input, p, dim).clamp(min=eps)
