"""nn.functional: activations, with PyTorch's signatures (``inplace`` included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nettrain import functions as _fn
from nettrain.functions.activation import _softmax_like
from nettrain.ops import activation as _ops
from nettrain.tensor import Tensor

__all__ = [
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "tanh",
]


def _maybe_inplace(input: Tensor, inplace: bool, compute: Callable[[Tensor], Tensor]) -> Tensor:  # noqa: A002
    """``inplace=True`` writes the result into ``input`` (and rebases its history)."""
    if inplace:
        return input._inplace(compute)
    return compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0) elementwise."""
    return _maybe_inplace(input, inplace, _fn.relu)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6) elementwise."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """x clipped to [min_val, max_val]."""
    return _maybe_inplace(input, inplace, lambda x: _fn.clamp(x, min_val, max_val))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else negative_slope * x."""
    return _maybe_inplace(input, inplace, lambda x: _ops.LeakyReLU.apply(x, float(negative_slope)))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _maybe_inplace(input, inplace, lambda x: _ops.ELU.apply(x, float(alpha)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula instead of erf."""
    if approximate == "none":
        return _ops.GELU.apply(input)
    if approximate == "tanh":
        return _ops.GELUTanh.apply(input)
    raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (a.k.a. swish)."""
    return _maybe_inplace(input, inplace, _ops.SiLU.apply)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x))."""
    return _fn.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    return _fn.tanh(input)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, linear where beta * x > threshold."""
    return _ops.Softplus.apply(input, float(beta), float(threshold))


def softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (computed stably).

    Example:
        >>> F.softmax(nettrain.tensor([[1.0, 2.0]]), dim=1).sum(1)
        tensor([1.])
    """
    return _softmax_like(_ops.Softmax, "softmax", input, dim, _stacklevel, dtype)


def log_softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x)."""
    return _softmax_like(_ops.LogSoftmax, "log_softmax", input, dim, _stacklevel, dtype)


def softmin(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """softmax(-x) along ``dim``."""
    return _softmax_like(_ops.Softmax, "softmin", -input, dim, _stacklevel, dtype)
