"""Matrix products (``nt.matmul``, ``nt.mm``, ``nt.bmm``, ``nt.dot``, ``nt.outer``) and
``nt.einsum``."""

from __future__ import annotations

from typing import Any

from nettrain.functions._common import _operand
from nettrain.functions.arithmetic import mul
from nettrain.ops import einsum as einsum_ops
from nettrain.ops import linalg
from nettrain.tensor import Tensor


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with batching and 1-D operands, as ``numpy.matmul``."""
    return linalg.MatMul.apply(_operand(input), _operand(other))


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """2-D matrix product."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm(): both arguments must be 2-D, got {input.ndim}D and {mat2.ndim}D")
    return linalg.MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched 3-D matrix product."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm(): both arguments must be 3-D, got {input.ndim}D and {mat2.ndim}D")
    return linalg.MatMul.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors."""
    return linalg.MatMul.apply(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two vectors."""
    return mul(input.unsqueeze(1), vec2.unsqueeze(0))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``.

    Supports ``...`` for broadcast dimensions, the implicit output (labels seen once, in
    alphabetical order) and operands passed as one list. Differentiable to any order:
    the backward of an einsum is made of einsums.
    """
    if not isinstance(equation, str):
        raise NotImplementedError(
            "einsum(): the sublist format einsum(op, [0, 1], ...) is not supported; "
            "write the equation as a string, e.g. einsum('ij,jk->ik', a, b)"
        )
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(op).__name__}")
    explicit = einsum_ops.normalize_equation(equation, [op.shape for op in operands])
    return einsum_ops.Einsum.apply(explicit, *operands)
