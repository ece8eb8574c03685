"""Method forms of the ``nettrain.*`` functions (``x.exp()``, ``x.sum(1)`` ...).

A mixin of ``Tensor``: each method forwards to ``nettrain.functions``, where the argument
handling lives once. Kept apart from ``tensor.py`` so that file holds only the Tensor's
storage, metadata, autograd and operators.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from nettrain.ops.shape import Expand, Repeat

if TYPE_CHECKING:
    from nettrain.tensor import Tensor

# ``nettrain.functions`` and ``nettrain.creation`` import ``nettrain.tensor``, which imports
# this module, so they cannot be imported here; ``nettrain._wiring`` binds them once.
_F: Any = None
_creation: Any = None


def _viewable(data: Any, shape: tuple[Any, ...]) -> bool:
    """True when ``data``'s strides allow ``shape`` without a copy (PyTorch's view rule):
    e.g. splitting the last dimension of a slice taken along it."""
    if type(data) is not np.ndarray:
        return False  # other array modules: only contiguous tensors are viewed
    target = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    try:
        np.reshape(data, tuple(int(d) for d in target), copy=False)
    except (ValueError, TypeError):
        return False
    return True


class TensorMethods:
    """``Tensor`` methods that call the function of the same name."""

    __slots__ = ()

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _F.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _F.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _F.sqrt(self)

    def rsqrt(self) -> Tensor:
        """Elementwise 1 / sqrt(x)."""
        return _F.rsqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value."""
        return _F.abs(self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return _F.sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return _F.cos(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _F.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function."""
        return _F.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return _F.relu(self)

    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``dim``."""
        return _F.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """``log(softmax(x))`` along ``dim``."""
        return _F.log_softmax(self, dim, dtype)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limit values to [min, max]."""
        return _F.clamp(self, min, max)

    clip = clamp

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return _F.pow(self, exponent)

    def square(self) -> Tensor:
        """``self * self``."""
        return _F.square(self)

    def reciprocal(self) -> Tensor:
        """``1 / self``."""
        return _F.reciprocal(self)

    def sign(self) -> Tensor:
        """Elementwise sign (no gradient)."""
        return _F.sign(self)

    def floor(self) -> Tensor:
        """Elementwise floor (no gradient)."""
        return _F.floor(self)

    def ceil(self) -> Tensor:
        """Elementwise ceiling (no gradient)."""
        return _F.ceil(self)

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even (no gradient)."""
        return _F.round(self, decimals)

    def isnan(self) -> Tensor:
        """Elementwise NaN test."""
        return _F.isnan(self)

    def isfinite(self) -> Tensor:
        """Elementwise finiteness test."""
        return _F.isfinite(self)

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self + alpha * other``."""
        return _F.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self - alpha * other``."""
        return _F.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """Elementwise product."""
        return _F.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """Elementwise division."""
        return _F.div(self, other, rounding_mode=rounding_mode)

    def neg(self) -> Tensor:
        """``-self``."""
        return _F.neg(self)

    def maximum(self, other: Tensor) -> Tensor:
        """Elementwise maximum."""
        return _F.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        """Elementwise minimum."""
        return _F.minimum(self, other)

    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product."""
        return _F.matmul(self, other)

    def mm(self, other: Tensor) -> Tensor:
        """2-D matrix product."""
        return _F.mm(self, other)

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product."""
        return _F.bmm(self, other)

    def dot(self, other: Tensor) -> Tensor:
        """Inner product of 1-D tensors."""
        return _F.dot(self, other)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==``."""
        return _F.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """Elementwise ``!=``."""
        return _F.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """Elementwise ``<``."""
        return _F.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """Elementwise ``<=``."""
        return _F.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """Elementwise ``>``."""
        return _F.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """Elementwise ``>=``."""
        return _F.ge(self, other)

    def equal(self, other: Tensor) -> bool:
        """Same shape and elements."""
        return _F.equal(self, other)

    def allclose(
        self, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> bool:
        """Elementwise closeness everywhere."""
        return _F.allclose(self, other, rtol, atol, equal_nan)

    def sum(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        keepdims: bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """Sum over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.sum(self, dim, keepdim, dtype=dtype)

    def mean(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        keepdims: bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """Mean over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.mean(self, dim, keepdim, dtype=dtype)

    def max(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        """Overall max, or ``(values, indices)`` along ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        """Overall min, or ``(values, indices)`` along ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.min(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False, *, keepdims: bool | None = None) -> Tensor:
        """Max over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False, *, keepdims: bool | None = None) -> Tensor:
        """Min over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.amin(self, dim, keepdim)

    def argmax(
        self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
    ) -> Tensor:
        """Index of the largest value."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.argmax(self, dim, keepdim)

    def argmin(
        self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
    ) -> Tensor:
        """Index of the smallest value."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.argmin(self, dim, keepdim)

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        keepdims: bool | None = None,
        correction: float | None = None,
    ) -> Tensor:
        """Variance over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        keepdims: bool | None = None,
        correction: float | None = None,
    ) -> Tensor:
        """Standard deviation over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Any, keepdim: bool = False, *, keepdims: bool | None = None) -> Tensor:
        """``log(sum(exp(x)))`` over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.logsumexp(self, dim, keepdim)

    def prod(
        self,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        keepdims: bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """Product over ``dim``."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.prod(self, dim, keepdim, dtype=dtype)

    def all(
        self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
    ) -> Tensor:
        """True where all elements are nonzero."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.all(self, dim, keepdim)

    def any(
        self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None
    ) -> Tensor:
        """True where any element is nonzero."""
        if keepdims is not None:  # numpy's spelling, which PyTorch accepts too
            keepdim = keepdims
        return _F.any(self, dim, keepdim)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Cumulative sum along ``dim``."""
        return _F.cumsum(self, dim, dtype=dtype)

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape."""
        return _F.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        """A reshaped view (the tensor must be contiguous, as in PyTorch)."""
        if len(shape) == 1 and not isinstance(shape[0], (builtins.int, tuple, list)):
            return self.to(shape[0])
        if (
            not self._data.flags.c_contiguous
            and self._data.size > 1
            and not _viewable(self._data, shape)
        ):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            )
        return _F.reshape(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        """View with ``other``'s shape."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return _F.reshape(self, other.shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return _F.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """Transpose a tensor of at most 2 dimensions."""
        return _F.t(self)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """All dimensions reversed."""
        return _F.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The last two dimensions swapped."""
        return _F.transpose(self, -2, -1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder dimensions."""
        return _F.permute(self, *dims)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop size-1 dimensions."""
        return _F.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dimension."""
        return _F.unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim``."""
        return _F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Split one dimension into ``sizes``."""
        return _F.unflatten(self, dim, sizes)

    def expand(self, *sizes: Any) -> Tensor:
        """A broadcast view; -1 keeps a dimension's size."""
        target = _F._shape_arg(sizes)
        extra = len(target) - self.ndim
        if extra < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(target)}) must be greater or "
                f"equal to the number of dimensions in the tensor ({self.ndim})"
            )
        shape = tuple(
            self.shape[i - extra] if size == -1 and i >= extra else size
            for i, size in enumerate(target)
        )
        return Expand.apply(self, shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return self.expand(other.shape)

    def broadcast_to(self, size: Any) -> Tensor:
        """A broadcast view with shape ``size``, as ``nettrain.broadcast_to``."""
        return self.expand(*size)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes`` times along each dimension."""
        repeats = _F._shape_arg(sizes)
        if len(repeats) < self.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor"
            )
        return Repeat.apply(self, repeats)

    def contiguous(self) -> Tensor:
        """This tensor, or a row-major copy of it."""
        if self._data.flags.c_contiguous:
            return self
        return _F.clone(self)

    def clone(self) -> Tensor:
        """A differentiable copy."""
        return _F.clone(self)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into chunks."""
        return _F.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into ``chunks`` pieces."""
        return _F.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """Slices along ``dim``."""
        return _F.unbind(self, dim)

    def flip(self, dims: Any) -> Tensor:
        """Reverse along ``dims``."""
        return _F.flip(self, dims)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Pick values along ``dim`` at ``index``."""
        return _F.gather(self, dim, index)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` where ``mask`` holds."""
        return _F.masked_fill(self, mask, value)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``other``."""
        return _F.where(condition, self, other)

    def new_tensor(
        self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A tensor from ``data`` with this tensor's dtype and device by default."""
        return _creation.tensor(
            data,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros with this tensor's dtype and device by default."""
        return _creation.zeros(
            *size,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones with this tensor's dtype and device by default."""
        return _creation.ones(
            *size,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A filled tensor with this tensor's dtype and device by default."""
        return _creation.full(
            size,
            fill_value,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """An uninitialised tensor with this tensor's dtype and device by default."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    # -- added by issue 10 (tensor functions) --

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """Sorted values and indices along ``dim``."""
        return _F.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """Indices that sort along ``dim``."""
        return _F.argsort(self, dim, descending, stable)

    def topk(
        self,
        k: int,
        dim: int = -1,
        largest: bool = True,
        sorted: bool = True,  # noqa: A002
    ) -> Any:
        """The ``k`` largest (or smallest) values and their indices."""
        return _F.topk(self, k, dim, largest, sorted)

    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: Any = None
    ) -> Tensor:
        """Category indices drawn with probabilities proportional to this tensor."""
        return _F.multinomial(self, num_samples, replacement, generator=generator)

    def tril(self, diagonal: int = 0) -> Tensor:
        """Lower triangle of the last two dimensions."""
        return _F.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """Upper triangle of the last two dimensions."""
        return _F.triu(self, diagonal)

    def tril_(self, diagonal: int = 0) -> Tensor:
        """Keep the lower triangle in place."""
        return self._inplace(lambda s: _F.tril(s, diagonal))

    def triu_(self, diagonal: int = 0) -> Tensor:
        """Keep the upper triangle in place."""
        return self._inplace(lambda s: _F.triu(s, diagonal))

    def scatter(
        self, dim: int, index: Tensor, src: Any = None, value: Any = None, *, reduce: Any = None
    ) -> Tensor:
        """A copy with ``src`` (or ``value``) written at ``index`` along ``dim``."""
        return _F.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_(
        self, dim: int, index: Tensor, src: Any = None, value: Any = None, *, reduce: Any = None
    ) -> Tensor:
        """Write ``src`` (or ``value``) at ``index`` along ``dim`` in place."""
        return self._inplace(lambda s: _F.scatter(s, dim, index, src, value, reduce=reduce), src)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim``."""
        return _F.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """Add ``src`` at ``index`` along ``dim`` in place."""
        return self._inplace(lambda s: _F.scatter_add(s, dim, index, src), src)

    def scatter_reduce(
        self, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """Combine ``src`` at ``index`` with sum, prod, mean, amax or amin."""
        return _F.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(
        self, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """``scatter_reduce`` in place."""
        return self._inplace(
            lambda s: _F.scatter_reduce(s, dim, index, src, reduce, include_self=include_self),
            src,
        )

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """Entries at the 1-D ``index`` along ``dim``."""
        return _F.index_select(self, dim, index)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """Gather with ``indices`` broadcast against this tensor."""
        return _F.take_along_dim(self, indices, dim)

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        """0/1 draws with probabilities from this tensor (or ``p``)."""
        return _F.bernoulli(self, p, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 0/1 draws, 1 with probability ``p`` (a number or a tensor)."""
        self._check_inplace()
        source = p if hasattr(p, "_data") else self
        draws = _F.bernoulli(source, None if source is p else p, generator=generator)
        self._data[...] = draws._data
        self._vc[0] += 1
        return self

    def masked_select(self, mask: Tensor) -> Tensor:
        """1-D tensor of the entries where ``mask`` holds."""
        return _F.masked_select(self, mask)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """The slice ``start:start + length`` along ``dim`` (a view)."""
        return _F.narrow(self, dim, start, length)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """Indices of the nonzero entries."""
        return _F.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        """Indices of the nonzero entries, (N, ndim)."""
        return _F.argwhere(self)

    def diag(self, diagonal: int = 0) -> Tensor:
        """Vector to diagonal matrix, or a matrix's diagonal."""
        return _F.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal over ``dim1`` and ``dim2``."""
        return _F.diagonal(self, offset, dim1, dim2)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Cumulative product along ``dim``."""
        return _F.cumprod(self, dim, dtype=dtype)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Rotate elements along ``dims``."""
        return _F.roll(self, shifts, dims)

    def repeat_interleave(
        self, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
    ) -> Tensor:
        """Repeat each element ``repeats`` times along ``dim``."""
        return _F.repeat_interleave(self, repeats, dim, output_size=output_size)

    @property
    def is_cpu(self) -> bool:
        """True when the tensor lives in host memory."""
        return self.device.type == "cpu"

    @property
    def is_xpu(self) -> bool:
        """Always False: nettrain has no Intel XPU backend."""
        return False

    @property
    def is_mps(self) -> bool:
        """Always False: nettrain has no Apple MPS backend."""
        return False

    @property
    def is_meta(self) -> bool:
        """Always False: nettrain has no meta (shape-only) tensors."""
        return False

    @property
    def is_sparse(self) -> bool:
        """Always False: nettrain tensors are dense."""
        return False

    @property
    def is_quantized(self) -> bool:
        """Always False: nettrain has no quantized tensors."""
        return False

    def is_complex(self) -> bool:
        """True for complex dtypes (which nettrain does not create)."""
        return self._data.dtype.kind == "c"

    def is_inference(self) -> bool:
        """Always False: tensors made under ``inference_mode`` are ordinary tensors here."""
        return False

    def pin_memory(self, device: Any = None) -> Tensor:
        """This tensor: host memory needs no pinning for nettrain's copies."""
        return self

    def is_pinned(self, device: Any = None) -> bool:
        """Always False (see ``pin_memory``)."""
        return False
