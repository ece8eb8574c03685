"""Shape ops: views (reshape, transpose, permute, expand) and copies (repeat, cat, stack)."""

from __future__ import annotations

from typing import Any

from nettrain.backend import device, to_device
from nettrain.ops import Op


class Reshape(Op):
    """d reshape(x) = g reshaped back; also squeeze, unsqueeze, flatten and view."""

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad.reshape(ctx.in_shape), None


class Transpose(Op):
    """d swapaxes(x, a, b) = swapaxes(g, a, b)."""

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: Any, dim0: int, dim1: int) -> Any:
        ctx.dims = (dim0, dim1)
        return ctx.xp.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return ctx.xp.swapaxes(grad, *ctx.dims), None, None


class Permute(Op):
    """d permute(x, p) = permute(g, inverse(p))."""

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...]) -> Any:
        inverse = [0] * len(dims)
        for position, axis in enumerate(dims):
            inverse[axis] = position
        ctx.inverse = tuple(inverse)
        return ctx.xp.transpose(x, dims)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return ctx.xp.transpose(grad, ctx.inverse), None


class Expand(Op):
    """d expand(x) = g, summed back to x's shape by the engine."""

    is_view = True

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...]) -> Any:
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad, None


class Repeat(Op):
    """d repeat(x, r) = g summed over the r copies along each axis."""

    @staticmethod
    def forward(ctx: Any, x: Any, repeats: tuple[int, ...]) -> Any:
        extra = len(repeats) - x.ndim
        shape = (1,) * extra + x.shape
        ctx.in_shape, ctx.shape, ctx.repeats = x.shape, shape, repeats
        return ctx.xp.tile(x.reshape(shape), repeats)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        split = []
        for count, size in zip(ctx.repeats, ctx.shape):
            split += [count, size]
        summed = ctx.xp.sum(grad.reshape(tuple(split)), axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.in_shape), None


def _common_dtype(arrays: tuple[Any, ...]) -> tuple[Any, ...]:
    """Cast to PyTorch's promoted dtype (int64 with float32 gives float32, not float64)."""
    first = arrays[0].dtype
    if all(a.dtype == first for a in arrays):
        return arrays
    from nettrain.dtypes import result_type

    target = first
    for a in arrays[1:]:
        target = result_type(target, a.dtype)
    return tuple(a.astype(target, copy=False) for a in arrays)


class Cat(Op):
    """d cat(xs, dim) = the slices of g that each input contributed."""

    @staticmethod
    def forward(ctx: Any, dim: int, *arrays: Any) -> Any:
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return ctx.xp.concatenate(_common_dtype(arrays), axis=dim)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        lead = (slice(None),) * ctx.dim
        grads: list[Any] = [None]
        start = 0
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            grads.append(grad[(*lead, slice(start, start + size))] if needed else None)
            start += size
        return tuple(grads)


class Unbind(Op):
    """Split along ``dim`` into views, as one node (an RNN's per-step input projections,
    attention's packed q/k/v); d = the gradients stacked back."""

    supports_double_backward = False

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int) -> Any:
        ctx.dim = dim
        return tuple(ctx.xp.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return ctx.xp.stack(grads, axis=ctx.dim), None


class Stack(Op):
    """d stack(xs, dim) = g indexed at each position along dim."""

    @staticmethod
    def forward(ctx: Any, dim: int, *arrays: Any) -> Any:
        ctx.dim = dim
        return ctx.xp.stack(_common_dtype(arrays), axis=dim)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        lead = (slice(None),) * ctx.dim
        grads: list[Any] = [None]
        for index, needed in enumerate(ctx.needs_input_grad[1:]):
            grads.append(grad[(*lead, index)] if needed else None)
        return tuple(grads)


def _scalar_pair_dtype(x: Any, y: Any) -> Any:
    """PyTorch's dtype for two Python scalars: default float, else int64, else bool."""
    from nettrain.dtypes import get_default_dtype

    if isinstance(x, float) or isinstance(y, float):
        return get_default_dtype().numpy
    if type(x) is int or type(y) is int:
        return "int64"
    return bool


class Where(Op):
    """d where(c, x, y) = (g where c, g where not c)."""

    @staticmethod
    def forward(ctx: Any, condition: Any, x: Any, y: Any) -> Any:
        from nettrain.ops._dtype_rules import promote

        x, y = promote(x, y)
        if isinstance(x, (bool, int, float)) and isinstance(y, (bool, int, float)):
            x = ctx.xp.asarray(x, dtype=_scalar_pair_dtype(x, y))  # not numpy's float64
        ctx.condition = condition
        return ctx.xp.where(condition, x, y)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        condition = ctx.condition
        _, need_x, need_y = ctx.needs_input_grad
        grad_x = xp.where(condition, grad, 0) if need_x else None
        grad_y = xp.where(condition, 0, grad) if need_y else None
        return None, grad_x, grad_y


class Clone(Op):
    """d clone(x) = g."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad


class ToCopy(Op):
    """d x.to(dtype, device) = g moved and cast back to x's dtype and device."""

    @staticmethod
    def forward(ctx: Any, x: Any, dtype: Any, target: device | None) -> Any:
        ctx.source = device_of_array(x)
        ctx.in_dtype = x.dtype
        out = x if target is None else to_device(x, target)
        if dtype is not None and out.dtype != dtype:
            out = out.astype(dtype)
        if out is x:
            out = x.copy()
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        if hasattr(grad, "_data"):  # differentiable backward: use Tensor.to
            return grad.to(device=ctx.source, dtype=ctx.in_dtype), None, None
        return to_device(grad, ctx.source).astype(ctx.in_dtype, copy=False), None, None


def device_of_array(array: Any) -> device:
    """Where ``array`` lives (kept here so backward can move gradients home)."""
    from nettrain.backend import device_of

    return device_of(array)
