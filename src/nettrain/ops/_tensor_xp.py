"""An array-module look-alike over Tensors, used when backward records a graph.

Backward formulas call ``ctx.xp.exp(x)``, ``ctx.xp.sum(g, axis=..., keepdims=...)`` and so
on. In the fast path ``ctx.xp`` is numpy or cupy; with ``create_graph=True`` the engine sets
it to ``TENSOR_XP``, whose functions are nettrain's differentiable ops - so the same formula
builds a graph for higher-order gradients.
"""

from __future__ import annotations

from typing import Any

from nettrain.backend import get_array_module
from nettrain.ops import arithmetic, linalg, reduction, shape, unary

# Safe at import time: only the engine imports this module, lazily, and ``nettrain.tensor``
# does not depend on it.
from nettrain.tensor import Tensor


def _tensor(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value
    return Tensor._make(get_array_module(value).asarray(value))


class _TensorXP:
    """Functions named and called like numpy's, returning Tensors with history."""

    __name__ = "nettrain.tensor_xp"

    @staticmethod
    def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = reduction.normalize_dims(axis, x.ndim)
        return reduction.Sum.apply(x, axes, keepdims)

    @staticmethod
    def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = reduction.normalize_dims(axis, x.ndim)
        return reduction.Mean.apply(x, axes, keepdims)

    @staticmethod
    def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
        return shape_ops.Expand.apply(x, tuple(shape))

    @staticmethod
    def swapaxes(x: Any, a: int, b: int) -> Any:
        return shape_ops.Transpose.apply(x, a, b)

    @staticmethod
    def transpose(x: Any, axes: tuple[int, ...]) -> Any:
        return shape_ops.Permute.apply(x, tuple(axes))

    @staticmethod
    def expand_dims(x: Any, axis: int) -> Any:
        new_shape = list(x.shape)
        new_shape.insert(axis % (x.ndim + 1), 1)
        return shape_ops.Reshape.apply(x, tuple(new_shape))

    @staticmethod
    def matmul(x: Any, y: Any) -> Any:
        return linalg.MatMul.apply(x, y)

    @staticmethod
    def where(condition: Any, x: Any, y: Any) -> Any:
        condition = condition._data if hasattr(condition, "_data") else condition
        return shape_ops.Where.apply(condition, x, y)

    @staticmethod
    def maximum(x: Any, y: Any) -> Any:
        return arithmetic.Maximum.apply(x, y)

    @staticmethod
    def exp(x: Any) -> Any:
        return unary.Exp.apply(x)

    @staticmethod
    def log(x: Any) -> Any:
        return unary.Log.apply(_tensor(x))

    @staticmethod
    def sqrt(x: Any) -> Any:
        return unary.Sqrt.apply(x)

    @staticmethod
    def sin(x: Any) -> Any:
        return unary.Sin.apply(x)

    @staticmethod
    def cos(x: Any) -> Any:
        return unary.Cos.apply(x)

    @staticmethod
    def tanh(x: Any) -> Any:
        return unary.Tanh.apply(x)

    @staticmethod
    def sign(x: Any) -> Any:
        """Piecewise constant: no gradient flows through it."""
        return _tensor(get_array_module(x._data).sign(x._data))

    @staticmethod
    def zeros_like(x: Any) -> Any:
        return _tensor(get_array_module(x._data).zeros_like(x._data))

    @staticmethod
    def ones_like(x: Any) -> Any:
        return _tensor(get_array_module(x._data).ones_like(x._data))


shape_ops = shape
TENSOR_XP = _TensorXP()
