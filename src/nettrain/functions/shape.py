"""Shape functions (``nt.reshape``, ``nt.cat``, ``nt.split`` ...): argument parsing over the
view and copy ops of ``nettrain.ops.shape`` and indexing."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from nettrain.backend import get_array_module
from nettrain.functions._common import (
    _check_tensor,
    _dim,
    _operand,
    _plain,
    _resolve_shape,
    _shape_arg,
)
from nettrain.ops import reduction
from nettrain.ops import shape as shape_ops
from nettrain.tensor import Tensor


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """The same elements in a new shape (one -1 is inferred)."""
    target = _resolve_shape(_shape_arg(shape), input._data.size)
    if target == input._data.shape:
        return shape_ops.Reshape.apply(input, target)
    return shape_ops.Reshape.apply(input, target)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two dimensions."""
    ndim = builtins.max(input.ndim, 1)
    if input.ndim < 2:
        return shape_ops.Reshape.apply(input, input.shape)
    return shape_ops.Transpose.apply(input, dim0 % ndim, dim1 % ndim)


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1)


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reorder dimensions."""
    order = _shape_arg(dims)
    if sorted(d % builtins.max(input.ndim, 1) for d in order) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = "
            f"{input.ndim} is not equal to len(dims) = {len(order)}"
        )
    return shape_ops.Permute.apply(input, tuple(d % input.ndim for d in order))


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Drop size-1 dimensions (all, or those in ``dim``)."""
    shape = input.shape
    if dim is None:
        target = tuple(s for s in shape if s != 1)
    else:
        axes = reduction.normalize_dims(dim, input.ndim)
        target = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return shape_ops.Reshape.apply(input, target)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a size-1 dimension at ``dim``."""
    ndim = input.ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-ndim}, "
            f"{ndim - 1}], but got {dim})"
        )
    target = list(input.shape)
    target.insert(dim % ndim, 1)
    return shape_ops.Reshape.apply(input, tuple(target))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = input.shape
    if not shape:
        return shape_ops.Reshape.apply(input, (1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = 1
    for size in shape[start : end + 1]:
        merged *= size
    return shape_ops.Reshape.apply(input, (*shape[:start], merged, *shape[end + 1 :]))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dimension ``dim`` into ``sizes``."""
    shape = input.shape
    dim = dim % len(shape)
    sizes = _resolve_shape(tuple(sizes), shape[dim])
    return shape_ops.Reshape.apply(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along an existing dimension."""
    tensors = [_check_tensor(x, "tensors", "cat") for x in tensors]
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    dim = dim % builtins.max(tensors[0].ndim, 1)
    return shape_ops.Cat.apply(dim, *tensors)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack along a new dimension."""
    tensors = [_check_tensor(x, "tensors", "stack") for x in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = {x.shape for x in tensors}
    if len(shapes) > 1:
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got "
            f"{[list(x.shape) for x in tensors]}"
        )
    dim = dim % (tensors[0].ndim + 1)
    return shape_ops.Stack.apply(dim, *tensors)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other``; with one argument, nonzero()."""
    cond = condition._data if isinstance(condition, Tensor) else condition
    if input is None and other is None:
        xp = get_array_module(cond)
        return tuple(Tensor._make(i.astype(np.int64)) for i in xp.nonzero(cond))
    cond = cond.astype(bool, copy=False)
    return shape_ops.Where.apply(cond, _operand(input), _operand(other))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` holds, else ``input``.

    A 0-dim tensor ``value`` that requires grad receives the sum of the gradient over the
    filled positions, as in PyTorch; the result keeps ``input``'s dtype.
    """
    fill = value
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                f"with {value.ndim} dimension(s)."
            )
        if not value._requires_grad:
            fill = value._data
        elif value.dtype != input.dtype:
            fill = value.to(input.dtype)  # differentiable cast: the gradient comes back
    return shape_ops.Where.apply(_plain(mask).astype(bool, copy=False), fill, input)


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A differentiable copy."""
    return shape_ops.Clone.apply(input)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of a given size, or of the listed sizes."""
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, builtins.int):
        step = split_size_or_sections
        bounds = [(start, builtins.min(start + step, size)) for start in range(0, size, step)]
    else:
        bounds, start = [], 0
        for length in split_size_or_sections:
            bounds.append((start, start + length))
            start += length
        if start != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size}")
    lead = (slice(None),) * (dim % tensor.ndim)
    return tuple(tensor[(*lead, slice(a, b))] for a, b in bounds)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``chunks`` nearly equal pieces."""
    size = input.shape[dim]
    step = -(-size // chunks)
    return split(input, builtins.max(step, 1), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim``, without that dimension."""
    lead = (slice(None),) * (dim % input.ndim)
    return tuple(input[(*lead, i)] for i in range(input.shape[dim]))


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order of elements along ``dims``."""
    index = [slice(None)] * input.ndim
    for d in reduction.normalize_dims(dims, input.ndim):
        index[d] = slice(None, None, -1)
    return input[tuple(index)]


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    """A read-only broadcast view of ``input``."""
    return input.expand(*shape)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Rotate elements along ``dims`` by ``shifts`` (the flattened tensor when dims=None)."""
    if dims is None:
        if not isinstance(shifts, builtins.int) and len(shifts) != 1:
            raise RuntimeError(
                f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:0"
            )
        step = shifts if isinstance(shifts, builtins.int) else shifts[0]
        return roll(input.flatten(), step, 0).reshape(input.shape)
    shift_list = [shifts] if isinstance(shifts, builtins.int) else list(shifts)
    dim_list = [dims] if isinstance(dims, builtins.int) else list(dims)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(
            f"roll(): shifts and dimensions must align. shifts: {len(shift_list)}, "
            f"dims:{len(dim_list)}"
        )
    xp = get_array_module(input._data)
    out = input
    for step, dim in zip(shift_list, dim_list):
        axis = _dim(dim, input.ndim)
        size = input.shape[axis]
        if size == 0 or step % size == 0:
            continue
        source = (xp.arange(size) - step) % size  # out[i] = in[i - shift]
        out = out[(slice(None),) * axis + (source,)]
    return out if out is not input else input.clone()


def repeat_interleave(
    input: Tensor,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (flattened when dim=None).

    With one tensor argument, ``repeat_interleave(counts)`` returns ``0`` repeated
    ``counts[0]`` times, then ``1`` ``counts[1]`` times, and so on.
    """
    xp = get_array_module(input._data)
    if repeats is None:
        counts = input._data
        return Tensor._make(xp.repeat(xp.arange(counts.shape[0], dtype=np.int64), counts))
    source = input.flatten() if dim is None else input
    axis = 0 if dim is None else _dim(dim, input.ndim)
    size = source.shape[axis] if source.ndim else 1
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    if isinstance(counts, builtins.int) or getattr(counts, "size", 2) == 1:
        counts = builtins.int(counts)
    elif counts.shape != (size,):
        raise RuntimeError(
            f"repeat_interleave(): repeats must have the same size as input along dim, "
            f"got {list(counts.shape)} and {size}"
        )
    positions = xp.repeat(xp.arange(size), counts)
    return source[(slice(None),) * axis + (positions,)]
