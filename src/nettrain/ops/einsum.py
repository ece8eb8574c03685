"""``einsum``: parsing PyTorch's equations, and an op whose backward is itself einsums.

The equation is first rewritten in explicit form with one letter per dimension
(``...`` expanded, the implicit output spelled out), so forward and backward only ever
see ``"ab,bc->ac"``-style strings that numpy, cupy and the op itself all accept.
"""

from __future__ import annotations

import string
from typing import Any

from nettrain.backend import get_array_module
from nettrain.ops import Op
from nettrain.ops.indexing import ScatterAdd, _scatter_add
from nettrain.ops.scatter import open_grids

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # torch's label order


def _error(message: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {message}")


def _split_terms(equation: str, count: int) -> tuple[list[str], str | None]:
    """Input terms and the output term (None when implicit), spaces removed."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > count:
        raise _error("fewer operands were provided than specified in the equation")
    if len(terms) < count:
        raise _error("more operands were provided than specified in the equation")
    for term in (*terms, rhs):
        bad = set(term.replace("...", "")) - set(_LETTERS)
        if bad:
            raise _error(
                f"invalid subscript {sorted(bad)[0]!r} given in the equation string; "
                "subscripts must be letters in [a-zA-Z], with '...' for broadcast dimensions"
            )
    return terms, (rhs if arrow else None)


def _expand_term(term: str, ndim: int, index: int, ellipsis: str) -> str:
    """Replace ``...`` by the last dimensions' letters, checking the operand's rank."""
    if "..." not in term:
        if len(term) != ndim:
            raise _error(
                f"the number of subscripts in the equation ({len(term)}) does not match the "
                f"number of dimensions ({ndim}) for operand {index} and no ellipsis was given"
            )
        return term
    labels = len(term) - 3
    covered = ndim - labels
    if covered < 0:
        raise _error(
            f"the number of subscripts in the equation ({labels}) is more than the number of "
            f"dimensions ({ndim}) for operand {index}"
        )
    return term.replace("...", ellipsis[len(ellipsis) - covered :])


def normalize_equation(equation: str, shapes: list[tuple[int, ...]]) -> str:
    """The equation in explicit form, one letter per dimension: ``"ij,jk->ik"``.

    Example:
        >>> normalize_equation("...ij,jk", [(5, 2, 3), (3, 4)])
        'aij,jk->aik'
    """
    terms, output = _split_terms(equation, len(shapes))
    used = set("".join(terms) + (output or ""))
    spare = [c for c in _LETTERS if c not in used]
    widest = max(
        (len(shape) - (len(term) - 3) for term, shape in zip(terms, shapes) if "..." in term),
        default=0,
    )
    ellipsis = "".join(spare[: max(widest, 0)])
    explicit = [_expand_term(t, len(s), i, ellipsis) for i, (t, s) in enumerate(zip(terms, shapes))]
    if output is None:
        counts: dict[str, int] = {}
        for term in terms:
            for c in term.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        once = sorted((c for c, n in counts.items() if n == 1), key=_LETTERS.index)
        result = ellipsis + "".join(once)
    else:
        result = output.replace("...", ellipsis)
        seen = "".join(explicit)
        for c in result:
            if result.count(c) > 1:
                raise _error(f"output subscript {c} appears more than once in the output")
            if c not in seen:
                raise _error(
                    f"output subscript {c} does not appear in the equation for any input operand"
                )
    return ",".join(explicit) + "->" + result


def _label_sizes(terms: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """Each label's size; a size-1 dimension broadcasts against the others."""
    sizes: dict[str, int] = {}
    for index, (term, shape) in enumerate(zip(terms, shapes)):
        for label, size in zip(term, shape):
            known = sizes.get(label, 1)
            if size != 1 and known not in (1, size):
                raise _error(
                    f"operands do not broadcast with remapped shapes: subscript {label} has "
                    f"size {known} in one operand and {size} in operand {index}"
                )
            sizes[label] = size if size != 1 else known
    return sizes


def _contract(xp: Any, equation: str, arrays: tuple[Any, ...]) -> Any:
    if xp.__name__ == "numpy" and len(arrays) > 1:
        return xp.einsum(equation, *arrays, optimize=True)  # BLAS for the pairwise products
    return xp.einsum(equation, *arrays)


class Einsum(Op):
    """d einsum(A, B)/dA = einsum(g, B) into A's subscripts (diagonals scattered back)."""

    @staticmethod
    def forward(ctx: Any, equation: str, *arrays: Any) -> Any:
        lhs, output = equation.split("->")
        ctx.terms, ctx.output = lhs.split(","), output
        ctx.sizes = _label_sizes(ctx.terms, [a.shape for a in arrays])
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) > 1:
            raise _error(
                f"expected all operands to have the same dtype, got {sorted(map(str, dtypes))}; "
                "cast them first, e.g. with .float()"
            )
        ctx.save_for_backward(*arrays)
        return _contract(ctx.xp, equation, arrays)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        arrays = ctx.saved_tensors
        grads: list[Any] = [None]
        for k, needed in enumerate(ctx.needs_input_grad[1:]):
            grads.append(_operand_grad(ctx, grad, arrays, k) if needed else None)
        return tuple(grads)


def _operand_grad(ctx: Any, grad: Any, arrays: tuple[Any, ...], k: int) -> Any:
    """The gradient for operand ``k``, in the broadcast shape (the engine sums it back)."""
    term = ctx.terms[k]
    others = [t for j, t in enumerate(ctx.terms) if j != k]
    unique = "".join(dict.fromkeys(term))
    reached = set(ctx.output + "".join(others))
    target = "".join(c for c in unique if c in reached)
    equation = ",".join([ctx.output, *others]) + "->" + target
    operands = (grad, *(a for j, a in enumerate(arrays) if j != k))
    if ctx._graph:
        partial = Einsum.apply(equation, *operands)
    else:
        partial = _contract(ctx.xp, equation, operands)
    # labels summed inside operand k alone: their gradient is a broadcast of the rest
    shape = tuple(ctx.sizes[c] for c in unique)
    if target != unique:
        kept = tuple(ctx.sizes[c] if c in target else 1 for c in unique)
        partial = ctx.xp.broadcast_to(partial.reshape(kept), shape)
    if unique == term:
        return partial
    # repeated labels (a diagonal, as in "ii->i"): write the values back onto it
    full = tuple(ctx.sizes[c] for c in term)
    grids = _sparse_grids(grad, shape)
    index = tuple(grids[unique.index(c)] for c in term)
    if ctx._graph:
        return ScatterAdd.apply(partial, full, index)
    return _scatter_add(ctx.xp, full, index, partial)


def _sparse_grids(like: Any, shape: tuple[int, ...]) -> list[Any]:
    """Open index grids over ``shape`` on the device of ``like`` (an array or Tensor)."""
    return open_grids(get_array_module(getattr(like, "_data", like)), shape)
