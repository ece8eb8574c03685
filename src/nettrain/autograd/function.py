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

from nettrain.autograd import _apply


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

    # What every node sets at creation (the forward hot path keeps this list short).
    __slots__ = (
        "_edges",
        "needs_input_grad",
        "_saved",
        "_saved_records",
        "_released",  # backward freed the saved values
        "xp",
        "__dict__",
        "__weakref__",
    )
    # ... and what most nodes never change: class defaults, stored per node only when set.
    _graph = False  # backward is running differentiably (create_graph=True)
    _non_differentiable: Any = None  # ids of outputs marked non-differentiable
    _out_meta: Any = None  # (shape, dtype) per output of a multi-output node
    _pre_hooks: Any = None  # output index -> hooks (Tensor.register_hook on a non-leaf)
    _retained: Any = None  # output index -> weakref to a Tensor that called retain_grad
    # True while backward may run inline: one array output, no hooks, no retained grads.
    _simple = False

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
        if self._edges is not None:  # else not recording: nothing will run backward
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
        values = self._saved
        if values is None:
            return ()
        entries = iter(self._saved_records)  # fields(records, RECORD_WIDTH), inline
        for counter, version, _, _ in zip(entries, entries, entries, entries):
            if counter is not None and counter[0] != version:
                self._raise_modified(counter, version)
        if self._array_forward and not self._graph:
            return values  # a built-in op's plain backward works on the arrays
        records = _apply.fields(self._saved_records, _apply.RECORD_WIDTH)
        return tuple(
            None if value is None else self._saved_as_tensor(value, source, index)
            for value, (_, _, source, index) in zip(values, records)
        )

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
        return tuple(
            (node, output_nr) for node, output_nr, _, _ in _apply.fields(edges, _apply.EDGE_WIDTH)
        )

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
        if cls._array_forward:
            return _apply.apply_op(cls, args)
        return _apply.apply_function(cls, args)

    def _raise_modified(self, counter: list[int], version: int) -> None:
        """The error for a saved value that was modified in place after it was saved."""
        records = _apply.fields(self._saved_records, _apply.RECORD_WIDTH)
        for value, (value_counter, _, source, _) in zip(self._saved, records):
            if value_counter is counter:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{value.dtype} {list(value.shape)}], an "
                    f"{'input' if source == _apply.INPUT else 'output'} of "
                    f"{self._node_name}, is at version {counter[0]}; expected version "
                    f"{version} instead. Avoid the in-place op, or clone the tensor before "
                    "modifying it."
                )

    def _saved_as_tensor(self, array: Any, source: int, index: int) -> Any:
        """A saved value as a Tensor; in a differentiable backward, with its history."""
        make = _apply._make
        if self._graph:
            if source == _apply.OUTPUT:
                return make(array, self, index, True)
            if source == _apply.INPUT:
                start = index * _apply.EDGE_WIDTH
                node, output_nr, _, _ = self._edges[start : start + _apply.EDGE_WIDTH]
                if isinstance(node, _apply.Tensor):  # a leaf: the tensor itself
                    return node
                if node is not None:
                    return make(array, node, output_nr, True)
        return make(array)


class BackwardCFunction:
    """Kept for name compatibility with code that checks ``torch.autograd.function``."""


class FunctionCtx:
    """Type of ``ctx`` in type hints; at run time ctx is the Function instance itself."""
