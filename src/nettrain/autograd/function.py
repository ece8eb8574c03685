"""``Function``: an op's forward and backward, and the graph node that one call records.

A call ``F.apply(*args)`` creates one instance of ``F`` that serves as ``ctx`` during
forward and as the graph node (the output's ``grad_fn``) during backward, as in PyTorch.

Two kinds of subclasses share this machinery:

* user Functions (PyTorch's API): ``forward(ctx, *tensors)`` gets Tensors and returns
  Tensors; ``backward(ctx, *grads)`` gets and returns Tensors.
* built-in ops (``nettrain.ops.Op``): ``forward`` gets and returns raw arrays, and
  ``backward`` works on arrays - or on Tensors when ``create_graph=True`` asks for a
  differentiable backward. Backward code reaches array functions through ``ctx.xp``,
  which the engine sets to numpy/cupy or to a Tensor namespace, so one formula serves both.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from nettrain import backend as _backend
from nettrain.autograd import grad_mode
from nettrain.backend import get_array_module

_grad_state = grad_mode._state


class Function:
    """Base class for differentiable operations; subclass with static forward/backward.

    Example:
        >>> class Cube(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x**3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x**2 * grad
        >>> y = Cube.apply(nettrain.tensor([2.0], requires_grad=True))
    """

    __slots__ = (
        "_edges",
        "needs_input_grad",
        "_saved",
        "_non_differentiable",
        "_out_meta",
        "_pre_hooks",
        "_retained",
        "_released",
        "_args",
        "_graph",
        "xp",
        "__dict__",
        "__weakref__",
    )

    # Built-in ops set this: forward/backward work on arrays, not Tensors.
    _array_forward = False
    # Ops whose backward is not built from differentiable operations set this to False.
    supports_double_backward = True
    # View ops (reshape, transpose, basic indexing...) share the input's version counter.
    is_view = False
    _node_name = "FunctionBackward"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_name = (
            f"{cls.__name__}Backward0" if cls._array_forward else (f"{cls.__name__}Backward")
        )

    # -- the PyTorch ctx API -------------------------------------------------------

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs; override in subclasses."""
        raise NotImplementedError("a Function subclass must implement a static forward")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Return one gradient per forward input (None where there is none)."""
        raise NotImplementedError("a Function subclass must implement a static backward")

    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors (or, in built-in ops, arrays) for backward.

        Each value is matched by identity to an input or an output, so that a
        differentiable backward (``create_graph=True``) gets it back with its history,
        and so that in-place changes after this point are detected at backward.
        """
        if self._edges is None:  # not recording: nothing will run backward
            return
        self._saved = values

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (e.g. indices) that have no gradient."""
        self._non_differentiable = {id(o) for o in outputs}

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for PyTorch compatibility; in-place writes are tracked by version."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch compatibility: missing output grads are always zeros."""

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept; raises if backward already freed it."""
        if self._released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or to read saved "
                f"tensors of {self._node_name} after they were freed). Call backward with "
                "retain_graph=True the first time if you need to backward twice."
            )
        saved = self._saved
        if saved is None:
            return ()
        if not self._graph and self._array_forward:  # the hot path, without a call
            for j in range(3, len(saved), 5):
                counter = saved[j]
                if counter is not None and counter[0] != saved[j + 1]:
                    break  # _unpack raises the version error
            else:
                return saved[0::5]
        return self._unpack(saved)

    # -- graph-node API -----------------------------------------------------------

    def name(self) -> str:
        """The node's name, e.g. ``MulBackward0``."""
        return self._node_name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes gradients flow to (a leaf tensor stands for its accumulator)."""
        edges = self._edges
        if edges is None:
            return ()
        return tuple((edges[j], edges[j + 1]) for j in range(0, len(edges), 4))

    def register_hook(self, hook: Any) -> Any:
        """Not supported on nodes; use ``Tensor.register_hook``."""
        raise NotImplementedError(
            "hooks on grad_fn nodes are not supported; use Tensor.register_hook instead"
        )

    def __repr__(self) -> str:
        return f"<{self._node_name}>"

    # -- machinery ----------------------------------------------------------------

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run forward, and record a graph node when any input requires grad."""
        return _apply(cls, args)

    def _unpack(self, saved: tuple[Any, ...]) -> tuple[Any, ...]:
        """Check versions, then return arrays or Tensors with history.

        ``saved_tensors`` returns the arrays itself when every version is current (the
        hot path); this is the rest: a version error, or Tensors rebuilt with history.
        """
        as_tensors = self._graph or not self._array_forward
        out = []
        for j in range(0, len(saved), 5):
            array, kind, index, counter, version = saved[j : j + 5]
            if array is None:
                out.append(None)
                continue
            if counter is not None and counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{array.dtype} {list(array.shape)}], an "
                    f"{'input' if kind == _IN else 'output'} of {self._node_name}, is at "
                    f"version {counter[0]}; expected version {version} instead. Avoid the "
                    "in-place op, or clone the tensor before modifying it."
                )
            if as_tensors:
                out.append(self._saved_as_tensor(array, kind, index))
            else:
                out.append(array)
        return tuple(out)

    def _saved_as_tensor(self, array: Any, kind: int, index: int) -> Any:
        """Rebuild a saved value as a Tensor that still carries its graph history."""
        make = _Tensor._make
        if kind == _OUT:
            return make(array, self, index, True) if self._graph else make(array)
        if kind == _IN and self._graph:
            edges = self._edges
            node = edges[4 * index]
            if node is not None:
                if isinstance(node, _Tensor):  # a leaf: the tensor itself
                    return node
                return make(array, node, edges[4 * index + 1], True)
        return make(array)


# Where a saved value came from: an input, an output, or elsewhere (a constant).
_IN, _OUT, _CONST = 0, 1, 2

# needs_input_grad tuples, shared per (number of args, bit mask) pattern.
_NEEDS: dict[int, tuple[bool, ...]] = {}

# nettrain.tensor sets this when it loads (it imports this module, not the reverse).
_Tensor: Any = None


# A node's edges are one flat tuple, four entries per forward argument: the node the
# gradient goes to (a leaf tensor stands for itself; None: no gradient), that node's
# output index, and the argument's shape and dtype (to fit the gradient). One tuple per
# node rather than one per edge: fewer objects for the cyclic GC to track.
_NO_EDGE = (None, 0, None, None)


def _edge(tensor: Any) -> tuple[Any, int, tuple[int, ...], Any]:
    """Where a gradient for ``tensor`` goes: its grad_fn, or the leaf itself."""
    node = tensor.grad_fn
    data = tensor._data
    if node is None:
        return (tensor, 0, data.shape, data.dtype)
    return (node, tensor._output_nr, data.shape, data.dtype)


def _apply(cls: type[Function], args: tuple[Any, ...]) -> Any:
    """Forward ``cls`` on ``args``; wrap outputs and record the node when needed.

    This runs once per op, so it is written for speed: one pass over the arguments
    collects arrays, edges and ``needs_input_grad`` together, with no generators.
    """
    tensor_cls = _Tensor
    ctx = object.__new__(cls)
    ctx._saved = None
    ctx._released = False
    ctx._non_differentiable = None
    ctx._pre_hooks = None
    ctx._retained = None
    ctx._graph = False
    record = _grad_state[0]
    edges = None
    if cls._array_forward:
        if len(args) == 2:
            x, y = args
            if isinstance(x, tensor_cls) and isinstance(y, tensor_cls):
                return _apply_two_tensors(ctx, cls, args, x, y, record)
        arrays = []
        flat: list = []
        mask = 0
        i = 0
        for arg in args:
            if isinstance(arg, tensor_cls):
                data = arg._data
                arrays.append(data)
                if record and arg._requires_grad:
                    node = arg.grad_fn
                    if node is None:
                        flat += (arg, 0, data.shape, data.dtype)
                    else:
                        flat += (node, arg._output_nr, data.shape, data.dtype)
                    mask |= 1 << i
                else:
                    flat += _NO_EDGE
            else:
                arrays.append(arg)
                flat += _NO_EDGE
            i += 1
        key = (i << 16) | mask
        needs = _NEEDS.get(key)
        if needs is None:  # one shared tuple per pattern: fewer objects for the GC
            needs = _NEEDS[key] = tuple(bool(mask >> j & 1) for j in range(i))
        ctx.needs_input_grad = needs
        edges = tuple(flat) if mask else None
        ctx._edges = edges
        first = arrays[0]
        ctx.xp = _np if type(first) is _ndarray else get_array_module(*arrays)
        if _backend._cupy is not None:  # only once cupy is in use can devices be mixed
            _backend.check_same_device(ctx._node_name[:-9] or cls.__name__, arrays)
        out = cls.forward(ctx, *arrays)
        if type(out) is _ndarray and not cls.is_view:  # the common case, inline
            result = object.__new__(tensor_cls)  # Tensor._make, inline
            result._data = out
            result.grad = None
            result._output_nr = 0
            result._vc = [0]
            result._hooks = None
            if edges is None:
                result._requires_grad = False
                result.grad_fn = None
                return result
            result._requires_grad = out.dtype.kind in "fc"
            result.grad_fn = ctx
            saved = ctx._saved
            if saved is not None:
                ctx._saved = _match_saved_arrays(saved, args, arrays, (out,), (result,))
            ctx._out_meta = None
            return result
        return _wrap_arrays(ctx, cls, args, arrays, out, edges)
    if record:
        for arg in args:
            if isinstance(arg, tensor_cls) and arg._requires_grad:
                flat = []
                for a in args:
                    flat += _edge(a) if isinstance(a, tensor_cls) and a._requires_grad else _NO_EDGE
                edges = tuple(flat)
                ctx.needs_input_grad = tuple(e is not None for e in edges[0::4])
                break
    if edges is None:
        ctx.needs_input_grad = (False,) * len(args)
    ctx._edges = edges
    previous = _grad_state[0]
    _grad_state[0] = False
    try:
        out = cls.forward(ctx, *args)
    finally:
        _grad_state[0] = previous
    return _wrap_tensors(ctx, args, out, edges)


# needs_input_grad for two arguments, indexed by (needs x) * 2 + (needs y).
_PAIR_NEEDS = ((False, False), (False, True), (True, False), (True, True))


def _apply_two_tensors(ctx: Function, cls: type, args: tuple, x: Any, y: Any, record: bool) -> Any:
    """``_apply`` for the commonest call, a built-in op on two Tensors, without loops."""
    tensor_cls = _Tensor
    dx = x._data
    dy = y._data
    gx = record and x._requires_grad
    gy = record and y._requires_grad
    ctx.needs_input_grad = _PAIR_NEEDS[gx * 2 + gy]
    if gx or gy:
        # (an operand Tensor that needs no grad may wrap a Python scalar: no shape)
        if not gx:
            ex = _NO_EDGE
        elif x.grad_fn is None:
            ex = (x, 0, dx.shape, dx.dtype)
        else:
            ex = (x.grad_fn, x._output_nr, dx.shape, dx.dtype)
        if not gy:
            edges = ex + _NO_EDGE
        elif y.grad_fn is None:
            edges = ex + (y, 0, dy.shape, dy.dtype)
        else:
            edges = ex + (y.grad_fn, y._output_nr, dy.shape, dy.dtype)
    else:
        edges = None
    ctx._edges = edges
    ctx.xp = _np if type(dx) is _ndarray else get_array_module(dx, dy)
    if _backend._cupy is not None:  # only once cupy is in use can devices be mixed
        _backend.check_same_device(ctx._node_name[:-9] or cls.__name__, [dx, dy])
    out = cls.forward(ctx, dx, dy)
    if type(out) is not _ndarray or cls.is_view:
        return _wrap_arrays(ctx, cls, args, [dx, dy], out, edges)
    result = object.__new__(tensor_cls)  # Tensor._make, inline
    result._data = out
    result.grad = None
    result._output_nr = 0
    result._vc = [0]
    result._hooks = None
    if edges is None:
        result._requires_grad = False
        result.grad_fn = None
        return result
    result._requires_grad = out.dtype.kind in "fc"
    result.grad_fn = ctx
    saved = ctx._saved
    if saved is not None:
        if len(saved) == 2 and saved[0] is dx and saved[1] is dy and dx is not dy:
            vx = x._vc  # both inputs saved as they came (mul): the records, inline
            vy = y._vc
            ctx._saved = (dx, _IN, 0, vx, vx[0], dy, _IN, 1, vy, vy[0])
        else:
            ctx._saved = _match_saved_arrays(saved, args, [dx, dy], (out,), (result,))
    ctx._out_meta = None
    return result


def _as_array(value: Any) -> Any:
    """numpy reductions return scalars; a Tensor always holds an array."""
    if type(value) is _ndarray:
        return value
    if isinstance(value, _np_generic):
        return _np.asarray(value)
    return value


def _wrap_arrays(ctx: Function, cls: type, args: tuple, arrays: list, out: Any, edges: Any) -> Any:
    """Wrap a built-in op's output array(s) into Tensors carrying ``ctx`` as grad_fn."""
    make = _Tensor._make
    counter = args[0]._vc if cls.is_view and isinstance(args[0], _Tensor) else None
    if type(out) is not tuple:
        if type(out) is not _ndarray:
            scalar = out
            out = _as_array(out)
            if ctx._saved is not None and out is not scalar:
                # numpy returns scalars from 0-d ufuncs and full reductions: a saved
                # output must still be recognised as the output (double backward)
                ctx._saved = tuple(out if v is scalar else v for v in ctx._saved)
        if edges is None:
            result = make(out, None, 0, False, counter)
            if counter is not None:  # a view: in-place writes to it must rebase its base
                result._base = (args[0], ctx)
            return result
        result = make(out, ctx, 0, out.dtype.kind in "fc", counter)
        if counter is not None:
            result._base = (args[0], ctx)
        if ctx._saved is not None:
            ctx._saved = _match_saved_arrays(ctx._saved, args, arrays, (out,), (result,))
        ctx._out_meta = None
        return result
    arrays_out = tuple(_as_array(o) for o in out)
    if ctx._saved is not None:
        swap = {id(o): a for o, a in zip(out, arrays_out) if a is not o}
        if swap:
            ctx._saved = tuple(swap.get(id(v), v) for v in ctx._saved)
    if edges is None:
        return tuple(make(a) for a in arrays_out)
    skip = ctx._non_differentiable or ()
    # an integer or non-differentiable output (max's indices) gets no grad_fn, as in PyTorch
    results = tuple(
        make(a, ctx, i, True, counter if i == 0 else None)
        if a.dtype.kind in "fc" and id(a) not in skip
        else make(a, None, 0, False, counter if i == 0 else None)
        for i, a in enumerate(arrays_out)
    )
    if ctx._saved is not None:
        ctx._saved = _match_saved_arrays(ctx._saved, args, arrays, arrays_out, results)
    ctx._out_meta = tuple((a.shape, a.dtype) for a in arrays_out)
    return results


_NONE_RECORD = (None, 2, 0, None, 0)


def _match_saved_arrays(
    saved: tuple, args: tuple, arrays: list, out_values: tuple, out_tensors: tuple
) -> tuple:
    """``_match_saved`` for built-in ops, whose saved values are arrays (the hot path)."""
    tensor_cls = _Tensor
    records: list = []
    for value in saved:
        if value is None:
            records += _NONE_RECORD
            continue
        for i, array in enumerate(arrays):
            if array is value:
                arg = args[i]
                if isinstance(arg, tensor_cls):
                    vc = arg._vc
                    records += (value, _IN, i, vc, vc[0])
                    break
        else:
            for k, o in enumerate(out_values):
                if o is value:
                    t = out_tensors[k]
                    vc = t._vc
                    records += (t._data, _OUT, k, vc, vc[0])
                    break
            else:
                records += (value, _CONST, 0, None, 0)
    return tuple(records)


def _wrap_tensors(ctx: Function, args: tuple, out: Any, edges: Any) -> Any:
    """Attach ``ctx`` as grad_fn to the Tensors a user Function's forward returned."""
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    for o in outs:
        if not isinstance(o, _Tensor):
            raise TypeError(
                f"{type(ctx).__name__}.forward must return Tensors (or a tuple of them), "
                f"got {type(o).__name__}"
            )
    input_ids = {id(a) for a in args}
    results = tuple(_Tensor._make(o._data) if id(o) in input_ids else o for o in outs)
    if edges is not None:
        skip = ctx._non_differentiable or ()
        for i, (r, o) in enumerate(zip(results, outs)):
            if id(o) not in skip and r._data.dtype.kind in "fc":
                r.grad_fn = ctx
                r._output_nr = i
                r._requires_grad = True
        if ctx._saved is not None:
            ctx._saved = _match_saved(ctx._saved, args, outs, results)
        ctx._out_meta = tuple((r._data.shape, r._data.dtype) for r in results)
    return results[0] if single else results


def _match_saved(saved: tuple, args: tuple, out_values: tuple, out_tensors: tuple) -> tuple:
    """Record, for each saved Tensor of a user Function, its source and its version now.

    The records are one flat tuple, five entries per value (array, kind, index,
    version counter, version), so a node holds one tuple rather than one per value.
    """
    records: list = []
    for value in saved:
        record = None
        if value is None:
            records += _NONE_RECORD
            continue
        for i, arg in enumerate(args):
            if isinstance(arg, _Tensor) and arg is value:
                record = (arg._data, _IN, i, arg._vc, arg._vc[0])
                break
        else:
            for k, o in enumerate(out_values):
                if o is value:
                    t = out_tensors[k]
                    record = (t._data, _OUT, k, t._vc, t._vc[0])
                    break
        if record is None:
            array = value._data if isinstance(value, _Tensor) else value
            record = (array, _CONST, 0, None, 0)
        records += record
    return tuple(records)


_ndarray = _np.ndarray
_np_generic = _np.generic


class BackwardCFunction:
    """Kept for name compatibility with code that checks ``torch.autograd.function``."""


class FunctionCtx:
    """Type of ``ctx`` in type hints; at run time ctx is the Function instance itself."""
