"""``Tensor``: an array plus the autograd metadata PyTorch keeps beside it.

A Tensor holds a numpy or cupy array (``_data``), ``requires_grad``, ``grad``, the node
that produced it (``grad_fn``) and a version counter shared with its views. Operators and
methods delegate to ``nettrain.functions``; no derivative math lives here. The import
cycle with ``nettrain.functions`` is closed in one place, ``nettrain._wiring``.
"""

from __future__ import annotations

import builtins
import contextlib
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nettrain import dtypes as _dtypes
from nettrain._repr import tensor_repr
from nettrain._tensor_methods import TensorMethods
from nettrain.autograd import _apply
from nettrain.autograd import api as _autograd_api
from nettrain.autograd import grad_mode as _grad_mode
from nettrain.backend import (
    Array,
    device,
    device_of,
    get_array_module,
    parse_device,
    to_device,
    to_numpy,
)
from nettrain.ops.arithmetic import Add as _Add
from nettrain.ops.arithmetic import Mul as _Mul
from nettrain.ops.arithmetic import Sub as _Sub
from nettrain.ops.indexing import (
    GetItem,
    GetItemView,
    IndexPut,
    check_integer_index,
    is_basic_index,
)
from nettrain.ops.shape import Permute, Reshape, ToCopy, Transpose
from nettrain.random import _generator_for

# ``nettrain.functions`` and ``nettrain.creation`` import this module (they build Tensors),
# so they cannot be imported here; ``nettrain._wiring`` binds them once both exist.
_F: Any = None
_creation: Any = None

_grad_state = _grad_mode._state
_apply_binary = _apply.apply_binary


class RemovableHandle:
    """Returned by hook registrations; ``remove()`` unregisters the hook."""

    def __init__(self, container: Any, key: Any) -> None:
        self._container = weakref.ref(container) if _weakrefable(container) else container
        self._key = key
        self._weak = _weakrefable(container)

    def remove(self) -> None:
        """Unregister the hook (idempotent)."""
        container = self._container() if self._weak else self._container
        if container is None:
            return
        if isinstance(container, dict):
            container.pop(self._key, None)
        else:
            with contextlib.suppress(ValueError):
                container.remove(self._key)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _weakrefable(obj: Any) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


class _HookList(list):
    """A list that can be weakly referenced by handles."""


class Tensor(TensorMethods):
    """A multi-dimensional array with reverse-mode autograd, as ``torch.Tensor``.

    Build tensors with ``nettrain.tensor(data)``; ``Tensor(*sizes)`` and
    ``Tensor(sequence)`` keep PyTorch's legacy constructor forms.

    Example:
        >>> x = nettrain.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad",
        "grad_fn",
        "_output_nr",
        "_vc",
        "_hooks",
        "_base",  # views only (unset otherwise): (base tensor, the view op's node)
        "__weakref__",
    )
    __hash__ = object.__hash__
    __array_priority__ = 1000  # make ndarray <op> Tensor defer to Tensor's reflected op

    def __init__(
        self, *args: Any, requires_grad: bool = False, device: Any = None, dtype: Any = None
    ) -> None:
        array = _creation._legacy_array(args, dtype, device)
        self._data = array
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = [0]
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(
        array: Array,
        grad_fn: Any = None,
        output_nr: int = 0,
        requires_grad: bool = False,
        counter: list[int] | None = None,
    ) -> Tensor:
        """Wrap an array without copying or validation: the one internal constructor."""
        tensor = object.__new__(Tensor)
        tensor._data = array
        tensor._requires_grad = requires_grad
        tensor.grad = None
        tensor.grad_fn = grad_fn
        tensor._output_nr = output_nr
        tensor._vc = [0] if counter is None else counter
        tensor._hooks = None
        return tensor

    # -- metadata ------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """This tensor's values without history (shares memory)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for backward."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only, floating point only)."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got "
                f"{self.dtype}; convert with .float() first"
            )
        self._requires_grad = builtins.bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op."""
        return self.grad_fn is None

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension (a tuple, where PyTorch returns torch.Size)."""
        return self._data.shape

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of one dimension."""
        shape = self._data.shape
        return shape if dim is None else shape[dim]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements."""
        return builtins.int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> _dtypes.dtype:
        """The element type, e.g. ``nettrain.float32``."""
        return _dtypes.from_numpy_dtype(self._data.dtype)

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the elements."""
        return builtins.int(self._data.nbytes)

    @property
    def device(self) -> device:
        """Where the array lives: cpu, or cuda:N."""
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """True when the tensor lives on a GPU."""
        return self.device.type == "cuda"

    def is_floating_point(self) -> bool:
        """True for float16/32/64."""
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        """True when elements are laid out in row-major order without gaps."""
        return builtins.bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> Any:
        """Strides in elements (PyTorch's unit), not bytes."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        """Address of the first element (for identity checks in tests)."""
        data = self._data
        if isinstance(data, np.ndarray):
            return builtins.int(data.__array_interface__["data"][0])
        return builtins.int(data.data.ptr)

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is."""
        return self._output_nr

    @property
    def _version(self) -> int:
        """How many in-place modifications this tensor (or a view of it) has seen."""
        return self._vc[0]

    # -- conversion ----------------------------------------------------------------

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a numpy array sharing memory (CPU tensors without grad)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self.device.type != "cpu" and not force:
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                "to copy the tensor to host memory first."
            )
        return to_numpy(self._data)

    def item(self) -> Any:
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return (
            self._data.reshape(()).item()
            if isinstance(self._data, np.ndarray)
            else (to_numpy(self._data).reshape(()).item())
        )

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return to_numpy(self._data).tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = to_numpy(self._data)
        return array if dtype is None else array.astype(dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move and/or cast: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``."""
        target_device, target_dtype = _parse_to_args(args, kwargs)
        np_dtype = None if target_dtype is None else target_dtype.numpy
        same_dtype = np_dtype is None or np_dtype == self._data.dtype
        same_device = target_device is None or target_device == self.device
        if same_dtype and same_device and not kwargs.get("copy", False):
            return self
        return ToCopy.apply(self, np_dtype, target_device)

    def cpu(self) -> Tensor:
        """This tensor on the CPU."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Tensor:
        """This tensor on a GPU (``cuda`` or ``cuda:N``)."""
        index = (
            0
            if device is None
            else (device if isinstance(device, builtins.int) else parse_device(device).index or 0)
        )
        return self.to(f"cuda:{index}")

    def type(self, dtype: Any = None) -> Any:
        """The legacy type name, or a cast to ``dtype``."""
        if dtype is None:
            legacy = {
                "float32": "FloatTensor",
                "float64": "DoubleTensor",
                "int64": "LongTensor",
                "int32": "IntTensor",
                "bool": "BoolTensor",
                "float16": "HalfTensor",
            }
            return f"nettrain.{legacy.get(self.dtype.name, self.dtype.name)}"
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(_dtypes.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(_dtypes.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.to(_dtypes.float16)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(_dtypes.int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.to(_dtypes.int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.to(_dtypes.bool)

    # -- autograd ------------------------------------------------------------------

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        _autograd_api.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory and version counter)."""
        return Tensor._make(self._data, counter=self._vc)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
            node._simple = False  # the engine's inline path does not store retained grads
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf that keeps its ``.grad``."""
        node = self.grad_fn
        return (
            node is not None
            and builtins.bool(node._retained)
            and (self._output_nr in node._retained)
        )

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a return replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = _HookList()
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._pre_hooks is None:
                node._pre_hooks = {}
                node._simple = False  # the engine's inline path runs no hooks
            hooks = node._pre_hooks.setdefault(self._output_nr, _HookList())
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    # -- in-place ------------------------------------------------------------------

    def _bump_version(self) -> None:
        self._vc[0] += 1

    def _check_inplace(self) -> None:
        if self.grad_fn is None and self._requires_grad and _grad_state[0]:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with nettrain.no_grad():` (as optimizers do)."
            )

    def _inplace(self, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
        """Apply ``compute`` and write the result into this tensor's memory.

        When the result needs history, ``compute`` runs on a snapshot with this tensor's
        history; this tensor then takes over the result's ``grad_fn`` (PyTorch's rebase).
        """
        self._check_inplace()
        recording = _grad_state[0] and (
            self._requires_grad
            or builtins.any(isinstance(o, Tensor) and o._requires_grad for o in others)
        )
        if recording:
            snapshot = Tensor._make(
                self._data.copy(), self.grad_fn, self._output_nr, self._requires_grad
            )
            result = compute(snapshot)
            self._data[...] = result._data
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = result._requires_grad
            view = getattr(self, "_base", None)
            if view is not None:
                _rebase_view_base(self, view, result)
        else:
            with _grad_mode.no_grad():
                result = compute(self)
            if result._data is not self._data:
                self._data[...] = result._data
        self._vc[0] += 1
        return self

    def _ufunc_inplace(self, name: str, other: Any, compute: Callable[[Tensor], Tensor]) -> Tensor:
        """In-place arithmetic: ``out=`` into our buffer when no graph is recorded."""
        other_requires = isinstance(other, Tensor) and other._requires_grad
        if not (_grad_state[0] and (self._requires_grad or other_requires)):
            data = self._data
            value = other._data if isinstance(other, Tensor) else other
            getattr(get_array_module(data), name)(data, value, out=data)
            self._vc[0] += 1
            return self
        return self._inplace(compute, other)

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self += alpha * other``."""
        if alpha != 1:
            other = other * alpha
        return self._ufunc_inplace("add", other, lambda s: s + other)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self -= alpha * other``."""
        if alpha != 1:
            other = other * alpha
        return self._ufunc_inplace("subtract", other, lambda s: s - other)

    def mul_(self, other: Any) -> Tensor:
        """``self *= other``."""
        return self._ufunc_inplace("multiply", other, lambda s: s * other)

    def div_(self, other: Any) -> Tensor:
        """``self /= other``."""
        return self._ufunc_inplace("true_divide", other, lambda s: s / other)

    def pow_(self, exponent: Any) -> Tensor:
        """``self **= exponent``."""
        return self._ufunc_inplace("power", exponent, lambda s: s**exponent)

    def neg_(self) -> Tensor:
        """``self = -self``."""
        return self._inplace(lambda s: -s)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clamp in place."""
        return self._inplace(lambda s: s.clamp(min, max))

    clip_ = clamp_

    def zero_(self) -> Tensor:
        """Fill with zeros."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value``."""
        self._check_inplace()
        if _grad_state[0] and self._requires_grad:
            return self._inplace(lambda s: s * 0 + value)
        self._data.fill(value.item() if isinstance(value, Tensor) else value)
        self._vc[0] += 1
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Copy ``src``'s values (broadcast, cast and moved as needed) into this tensor."""
        if (
            isinstance(src, Tensor)
            and _grad_state[0]
            and (src._requires_grad or self._requires_grad)
        ):
            return self._inplace(lambda s: s * 0 + src.to(self.device, self.dtype), src)
        self._check_inplace()
        value = src._data if isinstance(src, Tensor) else src
        value = to_device(get_array_module(value).asarray(value), self.device)
        self._data[...] = value
        self._vc[0] += 1
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with samples from U(a, b)."""
        self._check_inplace()
        values = _generator_for(generator).uniform(a, b, self.shape)
        self._data[...] = to_device(values.astype(self._data.dtype), self.device)
        self._vc[0] += 1
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with samples from N(mean, std**2)."""
        self._check_inplace()
        values = _generator_for(generator).normal(mean, std, self.shape)
        self._data[...] = to_device(values.astype(self._data.dtype), self.device)
        self._vc[0] += 1
        return self

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """Set ``value`` where ``mask`` holds."""
        return self._inplace(lambda s: _F.masked_fill(s, mask, value), value)

    # -- operators -----------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        if type(other) is Tensor:  # the hot path: straight to the op
            return _apply_binary(_Add, self, other)
        return _F.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _F.add(other, self)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __sub__(self, other: Any) -> Tensor:
        if type(other) is Tensor:  # the hot path: straight to the op
            return _apply_binary(_Sub, self, other)
        return _F.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _F.sub(other, self)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is Tensor:  # the hot path: straight to the op
            return _apply_binary(_Mul, self, other)
        return _F.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _F.mul(other, self)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __truediv__(self, other: Any) -> Tensor:
        return _F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _F.div(other, self)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __floordiv__(self, other: Any) -> Tensor:
        return _F.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _F.div(other, self, rounding_mode="floor")

    def __mod__(self, other: Any) -> Tensor:
        value = other._data if isinstance(other, Tensor) else other
        return Tensor._make(get_array_module(self._data).mod(self._data, value))

    def __pow__(self, other: Any) -> Tensor:
        return _F.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _F.pow(other, self)

    def __ipow__(self, other: Any) -> Tensor:
        return self.pow_(other)

    def __matmul__(self, other: Any) -> Tensor:
        return _F.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _F.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _F.abs(self)

    def __invert__(self) -> Tensor:
        return Tensor._make(get_array_module(self._data).invert(self._data))

    def __and__(self, other: Any) -> Tensor:
        return _logical(self, other, "bitwise_and")

    def __or__(self, other: Any) -> Tensor:
        return _logical(self, other, "bitwise_or")

    def __xor__(self, other: Any) -> Tensor:
        return _logical(self, other, "bitwise_xor")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _F.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _F.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _F.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _F.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _F.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _F.ge(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        index = _convert_index(index)
        if is_basic_index(index):
            return GetItemView.apply(self, index)
        return GetItem.apply(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _convert_index(index)
        value_requires = isinstance(value, Tensor) and value._requires_grad
        if _grad_state[0] and (self._requires_grad or value_requires):
            self._inplace(lambda s: IndexPut.apply(s, value, index), value)
            return
        array = value._data if isinstance(value, Tensor) else value
        if type(self._data) is not np.ndarray:  # cupy wraps bad integer indices around
            check_integer_index(get_array_module(self._data), index, self._data.shape)
        self._data[index] = array
        self._vc[0] += 1

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(it has {self._data.size} elements); use .any() or .all()"
            )
        return builtins.bool(self.item())

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment"
            )
        copy = type(self).__new__(type(self))
        Tensor.__init_copy(copy, self)
        memo[id(self)] = copy
        return copy

    @staticmethod
    def __init_copy(copy: Tensor, source: Tensor) -> None:
        copy._data = source._data.copy()
        copy._requires_grad = source._requires_grad
        copy.grad = None if source.grad is None else Tensor._make(source.grad._data.copy())
        copy.grad_fn = None
        copy._output_nr = 0
        copy._vc = [0]
        copy._hooks = None
        if hasattr(source, "__dict__"):
            copy.__dict__.update(source.__dict__)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("nettrain never pickles tensors; use nettrain.save (safetensors)")


def _rebase_view_base(view: Tensor, link: tuple[Tensor, Any], result: Tensor) -> None:
    """After an in-place op on a view, give its base the history of the write.

    The new values of the view are ``result``; the base becomes "old base with the view's
    region replaced by ``result``" (PyTorch's CopySlices), up the chain of views.
    """
    while link is not None:
        base, node = link
        if not get_array_module(base._data).may_share_memory(base._data, view._data):
            return  # reshape had to copy: the base did not change
        old = Tensor._make(base._data, base.grad_fn, base._output_nr, base._requires_grad)
        kind = type(node)
        if issubclass(kind, GetItemView):
            new = IndexPut.apply(old, result, node.index)
        elif kind is Reshape:
            new = Reshape.apply(result, node.in_shape)
        elif kind is Transpose:
            new = Transpose.apply(result, *node.dims)
        elif kind is Permute:
            new = Permute.apply(result, node.inverse)
        else:
            raise RuntimeError(
                f"in-place operation on a view made by {kind.__name__} is not supported while "
                "recording gradients; clone() the tensor first"
            )
        base.grad_fn = new.grad_fn
        base._output_nr = new._output_nr
        base._requires_grad = new._requires_grad
        view, result, link = base, new, getattr(base, "_base", None)


def _logical(a: Tensor, b: Any, name: str) -> Tensor:
    value = b._data if isinstance(b, Tensor) else b
    return Tensor._make(getattr(get_array_module(a._data), name)(a._data, value))


def _convert_index(index: Any) -> Any:
    """Replace Tensors and lists inside an index with arrays numpy understands."""
    if isinstance(index, tuple):
        return tuple(_convert_index_part(part) for part in index)
    return _convert_index_part(index)


def _convert_index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        data = part._data
        if data.ndim == 0 and data.dtype.kind in "iu":
            return builtins.int(data)
        return data
    if isinstance(part, list):
        return np.asarray(part)
    return part


def _parse_to_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """Read ``to``'s overloads into (device or None, dtype or None)."""
    target_device = kwargs.get("device")
    target_dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            target_device, target_dtype = arg.device, arg.dtype
        elif isinstance(arg, _dtypes.dtype) or (
            isinstance(arg, type) and arg in (builtins.float, builtins.int, builtins.bool)
        ):
            target_dtype = arg
        elif arg is not None:
            target_device = arg
    return (
        None if target_device is None else parse_device(target_device),
        None if target_dtype is None else _dtypes.to_dtype(target_dtype),
    )
