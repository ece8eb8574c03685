"""Running a Function: forward, then wrap the outputs in Tensors and record the node.

``Function.apply`` (and Tensor's ``+ - *`` directly) lands here once per op, so this is
the forward hot path: one pass over the arguments, no generators, few objects.

A node keeps two kinds of records, each a flat tuple of fixed-width fields (one tuple
per node, not one per record: every long-lived tuple is one more object for the cyclic
GC to scan, which measurably slows long graphs). Read them by name with ``fields``:

* ``node._edges``, ``EDGE_WIDTH`` entries per forward argument,
  ``(node, output_nr, shape, dtype)``: where that argument's gradient goes (the
  producing node, or a leaf Tensor standing for its own accumulator; ``None``: no
  gradient), which output of that node it was, and the shape and dtype the gradient is
  fitted to. ``None`` instead of a tuple when nothing was recorded.
* ``node._saved_records``, ``RECORD_WIDTH`` entries per ``save_for_backward`` value,
  ``(counter, version, source, index)``: the version counter of the Tensor the value
  came from and its value at save time (checked at backward, to catch in-place
  changes), and where it came from: forward input or output number ``index``, or
  neither (``CONSTANT``). ``node._saved`` holds the values themselves, in that order.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from nettrain import backend as _backend
from nettrain.autograd import grad_mode
from nettrain.backend import get_array_module

_grad_state = grad_mode._state
_ndarray = _np.ndarray
_np_generic = _np.generic

# nettrain._wiring binds these once nettrain.tensor exists (it imports this module).
Tensor: Any = None
_make: Any = None  # Tensor._make(array, grad_fn=None, output_nr=0, requires_grad=False)

# -- the records ----------------------------------------------------------------------

EDGE_WIDTH = 4
NO_EDGE = (None, 0, None, None)

RECORD_WIDTH = 4
# Where a saved value came from.
INPUT, OUTPUT, CONSTANT = 0, 1, 2
# The record of a value that no Tensor's version counter guards (None, a constant).
UNTRACKED = (None, 0, CONSTANT, 0)


def fields(flat: tuple, width: int) -> Any:
    """Iterate a flat record tuple ``width`` entries at a time, to unpack by name."""
    entries = iter(flat)
    return zip(*(entries,) * width)


def edge_to(tensor: Any) -> tuple[Any, int, tuple[int, ...], Any]:
    """The edge a gradient for ``tensor`` follows: to its grad_fn, or to the leaf itself."""
    data = tensor._data
    return (tensor.grad_fn or tensor, tensor._output_nr, data.shape, data.dtype)


# needs_input_grad tuples, one shared per pattern (fewer objects for the cyclic GC).
_NEEDS: dict[tuple[int, int], tuple[bool, ...]] = {}
# ... and for two arguments, indexed by (needs x) * 2 + (needs y).
_PAIR_NEEDS = ((False, False), (False, True), (True, False), (True, True))


def _needs(count: int, mask: int) -> tuple[bool, ...]:
    needs = _NEEDS.get((count, mask))
    if needs is None:
        needs = _NEEDS[count, mask] = tuple(bool(mask >> j & 1) for j in range(count))
    return needs


# -- built-in ops (forward on arrays) ----------------------------------------------------


def apply_binary(cls: type, x: Any, y: Any) -> Any:
    """``cls.apply(x, y)`` for a built-in op on two Tensors, the commonest call."""
    dx = x._data
    dy = y._data
    ctx = cls()  # built-in ops define no __init__, and this is faster than __new__
    ctx._saved = None
    ctx._released = False
    ctx.xp = _np if type(dx) is _ndarray else get_array_module(dx, dy)
    if _backend._cupy is not None:  # only once cupy is in use can devices be mixed
        _backend.check_same_device(ctx._node_name[:-9], [dx, dy])
    gx = x._requires_grad
    gy = y._requires_grad
    if (gx or gy) and _grad_state[0]:
        ctx.needs_input_grad = _PAIR_NEEDS[gx * 2 + gy]
        # edge_to(x) + edge_to(y), inline: this line runs for most ops of a graph
        edges = ctx._edges = (
            (x.grad_fn or x, x._output_nr, dx.shape, dx.dtype) if gx else NO_EDGE
        ) + ((y.grad_fn or y, y._output_nr, dy.shape, dy.dtype) if gy else NO_EDGE)
    else:
        ctx.needs_input_grad = _PAIR_NEEDS[0]
        edges = ctx._edges = None
    out = cls.forward(ctx, dx, dy)
    if type(out) is not _ndarray or cls.is_view:
        return _wrap_arrays(ctx, cls, (x, y), (dx, dy), out)
    if edges is None:
        return _make(out)
    result = _make(out, ctx, 0, out.dtype.kind in "fc")
    saved = ctx._saved
    if saved is not None:
        if len(saved) == 2 and saved[0] is dx and saved[1] is dy:
            vx = x._vc  # both inputs saved as given (mul, div): _records' answer, inline
            vy = y._vc
            ctx._saved_records = (vx, vx[0], INPUT, 0, vy, vy[0], INPUT, 1)
        else:
            ctx._saved_records = _records(saved, (x, y), (dx, dy), (out,), (result,))
    return result


def apply_op(cls: type, args: tuple[Any, ...]) -> Any:
    """``cls.apply(*args)`` for a built-in op: Tensors are unwrapped to their arrays."""
    if len(args) == 2:
        x, y = args
        if type(x) is Tensor and type(y) is Tensor:
            return apply_binary(cls, x, y)
    tensor_cls = Tensor
    ctx = cls()
    ctx._saved = None
    ctx._released = False
    record = _grad_state[0]
    arrays = []
    edges: list = []
    mask = 0
    for i, arg in enumerate(args):
        if isinstance(arg, tensor_cls):
            arrays.append(arg._data)
            if record and arg._requires_grad:
                edges += edge_to(arg)
                mask |= 1 << i
                continue
        else:
            arrays.append(arg)
        edges += NO_EDGE
    ctx.needs_input_grad = _needs(len(args), mask)
    edges = ctx._edges = tuple(edges) if mask else None
    first = arrays[0]
    ctx.xp = _np if type(first) is _ndarray else get_array_module(*arrays)
    if _backend._cupy is not None:  # only once cupy is in use can devices be mixed
        _backend.check_same_device(ctx._node_name[:-9] or cls.__name__, arrays)
    out = cls.forward(ctx, *arrays)
    if type(out) is not _ndarray or cls.is_view:
        return _wrap_arrays(ctx, cls, args, arrays, out)
    if edges is None:
        return _make(out)
    result = _make(out, ctx, 0, out.dtype.kind in "fc")
    if ctx._saved is not None:
        ctx._saved_records = _records(ctx._saved, args, arrays, (out,), (result,))
    return result


def _as_array(value: Any) -> Any:
    """numpy reductions return scalars; a Tensor always holds an array."""
    if type(value) is _ndarray or not isinstance(value, _np_generic):
        return value
    return _np.asarray(value)


def _swap_saved(ctx: Any, old: tuple, new: tuple) -> None:
    """Replace saved output scalars by the arrays the outputs now hold."""
    swap = {id(o): a for o, a in zip(old, new) if a is not o}
    if swap and ctx._saved is not None:
        ctx._saved = tuple(swap.get(id(v), v) for v in ctx._saved)


def _wrap_arrays(ctx: Any, cls: type, args: tuple, arrays: Any, out: Any) -> Any:
    """The uncommon outputs of a built-in op: views, scalars, several outputs."""
    edges = ctx._edges
    counter = args[0]._vc if cls.is_view and isinstance(args[0], Tensor) else None
    single = type(out) is not tuple
    outs = (out,) if single else out
    values = tuple(_as_array(o) for o in outs)
    _swap_saved(ctx, outs, values)
    skip = ctx._non_differentiable or ()
    results = []
    for i, value in enumerate(values):
        # an integer or non-differentiable output (max's indices) gets no grad_fn
        differentiable = edges is not None and value.dtype.kind in "fc" and id(value) not in skip
        result = _make(value, ctx if differentiable else None, i, differentiable)
        if i == 0 and counter is not None and (single or edges is not None):
            # a view shares its base's version counter
            result._vc = counter
            result._base = (args[0], ctx)  # in-place writes to the view rebase its base
        results.append(result)
    if edges is not None:
        if ctx._saved is not None:
            ctx._saved_records = _records(ctx._saved, args, arrays, values, results)
        if not single:
            ctx._out_meta = tuple((v.shape, v.dtype) for v in values)
            ctx._simple = False
    return results[0] if single else tuple(results)


def _records(values: tuple, args: tuple, arrays: Any, out_values: tuple, out_tensors: Any) -> tuple:
    """The saved records, one per value, found by identity among inputs and outputs."""
    records: list = []
    count = len(arrays)
    for i, value in enumerate(values):  # the common case first: inputs, as given
        if i >= count or value is not arrays[i] or type(args[i]) is not Tensor:
            break
        counter = args[i]._vc
        records += (counter, counter[0], INPUT, i)
    else:
        return tuple(records)
    records = []
    for value in values:
        record = UNTRACKED
        if value is not None:
            for i, array in enumerate(arrays):
                if array is value and isinstance(args[i], Tensor):
                    counter = args[i]._vc
                    record = (counter, counter[0], INPUT, i)
                    break
            else:
                for k, array in enumerate(out_values):
                    if array is value:
                        counter = out_tensors[k]._vc
                        record = (counter, counter[0], OUTPUT, k)
                        break
        records += record
    return tuple(records)


# -- user Functions (forward on Tensors) --------------------------------------------------


def apply_function(cls: type, args: tuple[Any, ...]) -> Any:
    """``cls.apply(*args)`` for a user Function: forward gets Tensors, without grad mode."""
    ctx = cls.__new__(cls)  # a user Function may define __init__; the node skips it
    ctx._saved = None
    ctx._released = False
    ctx.xp = None  # the engine sets the Tensor namespace while backward runs
    edges = None
    if _grad_state[0] and any(isinstance(a, Tensor) and a._requires_grad for a in args):
        flat: list = []
        for a in args:
            flat += edge_to(a) if isinstance(a, Tensor) and a._requires_grad else NO_EDGE
        edges = tuple(flat)
        ctx.needs_input_grad = tuple(node is not None for node in edges[::EDGE_WIDTH])
    else:
        ctx.needs_input_grad = (False,) * len(args)
    ctx._edges = edges
    previous = _grad_state[0]
    _grad_state[0] = False
    try:
        out = cls.forward(ctx, *args)
    finally:
        _grad_state[0] = previous
    return _wrap_tensors(ctx, args, out, edges)


def _wrap_tensors(ctx: Any, args: tuple, out: Any, edges: Any) -> Any:
    """Attach ``ctx`` as grad_fn to the Tensors a user Function's forward returned."""
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"{type(ctx).__name__}.forward must return Tensors (or a tuple of them), "
                f"got {type(o).__name__}"
            )
    input_ids = {id(a) for a in args}
    results = tuple(_make(o._data) if id(o) in input_ids else o for o in outs)
    if edges is not None:
        skip = ctx._non_differentiable or ()
        for i, (r, o) in enumerate(zip(results, outs)):
            if id(o) not in skip and r._data.dtype.kind in "fc":
                r.grad_fn = ctx
                r._output_nr = i
                r._requires_grad = True
        saved = ctx._saved
        if saved is not None:
            ctx._saved_records = _tensor_records(saved, args, outs, results)
            ctx._saved = tuple(v._data if isinstance(v, Tensor) else v for v in saved)
        ctx._out_meta = tuple((r._data.shape, r._data.dtype) for r in results)
    return results[0] if single else results


def _tensor_records(values: tuple, args: tuple, outs: tuple, results: tuple) -> tuple:
    """Saved records for a user Function, whose saved values are Tensors."""
    records: list = []
    for value in values:
        record = UNTRACKED
        if value is not None:
            for i, arg in enumerate(args):
                if arg is value and isinstance(arg, Tensor):
                    record = (arg._vc, arg._vc[0], INPUT, i)
                    break
            else:
                for k, o in enumerate(outs):
                    if o is value:
                        counter = results[k]._vc
                        record = (counter, counter[0], OUTPUT, k)
                        break
        records += record
    return tuple(records)
