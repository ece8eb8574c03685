"""Built-in differentiable ops, one small class per op with forward and backward adjacent.

An op's ``forward(ctx, *arrays)`` computes on raw arrays through ``ctx.xp`` (numpy or
cupy). Its ``backward(ctx, grad)`` uses only operators and ``ctx.xp`` functions, so the
engine can run it on arrays (fast) or on Tensors (``create_graph=True``). Generic work -
unbroadcasting, dtype casts, accumulation, freeing - is the engine's, never the op's.
"""

from nettrain.autograd.function import Function


class Op(Function):
    """Base of built-in ops: array forward, backward reusable for higher-order grads."""

    __slots__ = ()
    _array_forward = True
