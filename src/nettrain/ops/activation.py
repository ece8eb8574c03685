"""Activation ops; each docstring gives the derivative.

Backward formulas use only operators and ``ctx.xp`` functions, so they also run on
Tensors for double backward - except exact GELU, whose derivative needs ``erf``.
"""

from __future__ import annotations

import math
from typing import Any

from nettrain import backend as _backend
from nettrain.ops import Op
from nettrain.ops.unary import _float_input

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _erf_series(xp: Any, x: Any) -> Any:
    """erf for |x| <= 2.5: 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!! (no cancellation)."""
    x2 = x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 60):
        term *= x2 * (2.0 / (2 * n + 1))
        total += term
    return total * xp.exp(-x2) * (2.0 / math.sqrt(math.pi))


def _erfc_fraction(xp: Any, x: Any) -> Any:
    """erfc for x > 2.5 from its continued fraction, evaluated from a fixed depth upward."""
    tail = xp.zeros_like(x)
    for k in range(60, 0, -1):
        tail = (k / 2.0) / (x + tail)
    return xp.exp(-x * x) / (math.sqrt(math.pi) * (x + tail))


def erf(xp: Any, x: Any) -> Any:
    """The error function on an array (numpy or cupy), accurate to ~1e-15.

    Uses scipy's (numpy) or cupyx's (cupy) erf when installed, loaded on first use;
    otherwise a series and continued fraction written with array functions.
    """
    exact = _backend.erf_function(xp)
    if exact is not None:
        return exact(x)
    a = xp.abs(x)
    small = a <= 2.5
    out = xp.empty_like(x)
    out[small] = _erf_series(xp, a[small])
    out[~small] = 1.0 - _erfc_fraction(xp, a[~small])
    return xp.sign(x) * out


def _sigmoid(xp: Any, z: Any) -> Any:
    """1 / (1 + e^-z) without overflow, from differentiable pieces."""
    e = xp.exp(-xp.maximum(z, -z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


class Softmax(Op):
    """d softmax = y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        xp = ctx.xp
        x = _float_input(x, xp)
        out = x - xp.max(x, axis=dim, keepdims=True)
        xp.exp(out, out=out)
        out /= out.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return out * (grad - ctx.xp.sum(grad * out, axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Op):
    """d log_softmax = g - exp(y) * sum(g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        xp = ctx.xp
        x = _float_input(x, xp)
        out = x - xp.max(x, axis=dim, keepdims=True)
        out -= xp.log(xp.exp(out).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        xp = ctx.xp
        return grad - xp.exp(out) * xp.sum(grad, axis=ctx.dim, keepdims=True), None


class LeakyReLU(Op):
    """d leaky_relu = g where x > 0, else g * negative_slope."""

    @staticmethod
    def forward(ctx: Any, x: Any, negative_slope: float) -> Any:
        ctx.slope = negative_slope
        ctx.save_for_backward(x)
        return ctx.xp.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return ctx.xp.where(x > 0, grad, grad * ctx.slope), None


class ELU(Op):
    """d elu = g where x > 0, else g * (y + alpha)."""

    @staticmethod
    def forward(ctx: Any, x: Any, alpha: float) -> Any:
        xp = ctx.xp
        out = xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0)) * alpha)
        ctx.alpha = alpha
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, out = ctx.saved_tensors
        return ctx.xp.where(x > 0, grad, grad * (out + ctx.alpha)), None


class GELU(Op):
    """d (x Phi(x)) = g * (Phi(x) + x phi(x)), with the standard normal cdf Phi and pdf phi."""

    supports_double_backward = False  # Phi needs erf, which has no Tensor form

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = ctx.xp
        cdf = erf(xp, x * (1 / _SQRT_2))
        cdf += 1.0
        cdf *= 0.5
        ctx.save_for_backward(x)
        ctx.cdf = cdf
        return x * cdf

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        pdf = ctx.xp.exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad * (ctx.cdf + x * pdf)


class GELUTanh(Op):
    """y = x/2 (1 + t), t = tanh(k (x + c x^3)); dy = (1 + t)/2 + x/2 (1 - t^2) k (1 + 3c x^2)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        t = ctx.xp.tanh((x + x * x * x * _GELU_C) * _GELU_K)
        ctx.save_for_backward(x)
        return x * 0.5 * (1 + t)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        x2 = x * x
        t = ctx.xp.tanh((x + x2 * x * _GELU_C) * _GELU_K)
        slope = (1 + t) * 0.5 + x * 0.5 * (1 - t * t) * _GELU_K * (1 + x2 * (3 * _GELU_C))
        return grad * slope


class SiLU(Op):
    """d (x s(x)) = g * s (1 + x (1 - s)), with s the logistic sigmoid."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * _sigmoid(ctx.xp, x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        s = _sigmoid(ctx.xp, x)
        return grad * (s * (1 + x * (1 - s)))


class Softplus(Op):
    """y = log(1 + e^{beta x}) / beta (x past the threshold); dy = sigmoid(beta x) (1 past it)."""

    @staticmethod
    def forward(ctx: Any, x: Any, beta: float, threshold: float) -> Any:
        xp = ctx.xp
        z = x * beta
        soft = (xp.log1p(xp.exp(-xp.abs(z))) + xp.maximum(z, 0)) * (1 / beta)
        ctx.beta = beta
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return xp.where(z > threshold, x, soft)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return ctx.xp.where(z > ctx.threshold, grad, grad * _sigmoid(ctx.xp, z)), None, None
