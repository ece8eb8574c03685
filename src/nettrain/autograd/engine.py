"""The backward engine: an iterative reverse-topological walk over recorded nodes.

All generic gradient work lives here so that ops hold only their derivative formulas:
summing broadcast gradients back to an input's shape, casting to the input's dtype,
accumulating contributions, running tensor hooks, filling ``.grad`` of leaves, and
freeing each node's saved arrays once it has run (unless ``retain_graph``).

Graph nodes are ``Function`` instances; a leaf tensor stands for its own accumulator.
No recursion: a chain of 100,000 ops needs no deeper Python stack than one of ten.
"""

from __future__ import annotations

from typing import Any

from nettrain.autograd import _apply, grad_mode
from nettrain.autograd.function import Function
from nettrain.backend import get_array_module

_grad_state = grad_mode._state
_TENSOR_XP: list[Any] = []


def _tensor_xp() -> Any:
    """The Tensor namespace for differentiable backward (imported once, on first use)."""
    if not _TENSOR_XP:
        from nettrain.ops._tensor_xp import TENSOR_XP

        _TENSOR_XP.append(TENSOR_XP)
    return _TENSOR_XP[0]


def sum_to_shape(grad: Any, shape: tuple[int, ...], xp: Any) -> Any:
    """Sum a broadcast gradient back to ``shape`` (the single unbroadcast in nettrain)."""
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1
    )
    if axes:
        grad = xp.sum(grad, axis=axes, keepdims=True)
    if extra or grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _topological_order(roots: list[Any], tensor_cls: type) -> list[Any]:
    """Every node reachable from the roots, each one after all the nodes it feeds.

    An iterative depth-first walk. A node is pushed once to enter it (its children are
    pushed above it) and again to finish it, which appends it once everything below it
    is appended; ``done`` maps entered nodes to whether they finished. In a DAG a node
    that is entered but not finished is an ancestor on the current path, so it is never
    pushed again; copies pushed before it was entered pop after it finished, and skip.
    """
    order: list[Any] = []
    done: dict[Any, bool] = {}
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        finished = done.get(node)
        if finished is None:  # enter: finish after everything it feeds gradient to
            done[node] = False
            stack.append(node)
            if isinstance(node, tensor_cls):
                continue
            edges = node._edges
            if edges is not None:
                for child in edges[:: _apply.EDGE_WIDTH]:
                    if child is not None and child not in done:
                        stack.append(child)
        elif not finished:
            done[node] = True
            order.append(node)
    order.reverse()
    return order


class _Backward:
    """One run of the engine; holds the per-run state so helpers stay small."""

    def __init__(
        self,
        retain_graph: bool,
        create_graph: bool,
        capture: dict[Any, int] | None,
        accumulate: bool,
    ) -> None:
        self.tensor_cls = _apply.Tensor  # set when nettrain.tensor loads
        self.tensor_xp = _tensor_xp()
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.capture = capture
        self.captured: dict[int, Any] = {}
        self.accumulate = accumulate
        self.handed: set[int] = set()  # ids of arrays already owned by some .grad

    # -- leaves -------------------------------------------------------------------

    def _run_tensor_hooks(self, hooks: list[Any], grad: Any) -> Any:
        """Call hooks in order; a hook's non-None return replaces the gradient."""
        make = self.tensor_cls._make
        for hook in hooks:
            as_tensor = grad if self.create_graph else make(grad)
            result = hook(as_tensor)
            if result is not None:
                _check_hook_result(hook, as_tensor, result)
                grad = result if self.create_graph else result._data
        return grad

    def _owned(self, grad: Any) -> Any:
        """A gradient array that no other tensor shares, copying only when needed."""
        key = id(grad)
        if grad.base is not None or key in self.handed:
            grad = grad.copy()
            key = id(grad)
        self.handed.add(key)
        return grad

    def _store_grad(self, tensor: Any, grad: Any) -> None:
        """Accumulate ``grad`` into ``tensor.grad`` (in place when no graph is recorded)."""
        current = tensor.grad
        if self.create_graph:
            tensor.grad = grad if current is None else current + grad
            return
        if current is None:
            tensor.grad = self.tensor_cls._make(self._owned(grad))
        elif current._requires_grad or current._data.shape != grad.shape:
            tensor.grad = self.tensor_cls._make(current._data + grad)
        else:
            current._data += grad
            current._vc[0] += 1

    def leaf(self, tensor: Any, grad: Any) -> None:
        """A leaf's gradient is complete: run its hooks and fill ``.grad``."""
        if tensor._hooks:
            grad = self._run_tensor_hooks(tensor._hooks, grad)
        if self.capture is not None and tensor in self.capture:
            self.captured[self.capture[tensor]] = grad
        if self.accumulate:
            self._store_grad(tensor, grad)

    # -- nodes --------------------------------------------------------------------

    def _zeros_for(self, node: Function, index: int, like: Any) -> Any:
        """A zero gradient for an output nobody used (multi-output nodes)."""
        shape, dtype = node._out_meta[index]
        if self.create_graph:
            return self.tensor_cls._make(get_array_module(like._data).zeros(shape, dtype))
        return get_array_module(like).zeros(shape, dtype)

    def _prepare(self, node: Function, grads: list[Any]) -> list[Any]:
        """Run non-leaf tensor hooks and retain_grad, and fill missing output grads."""
        present = next(g for g in grads if g is not None)
        for index, grad in enumerate(grads):
            if grad is None:
                grads[index] = self._zeros_for(node, index, present)
                continue
            if node._pre_hooks and index in node._pre_hooks:
                grad = grads[index] = self._run_tensor_hooks(node._pre_hooks[index], grad)
            if node._retained and index in node._retained:
                tensor = node._retained[index]()
                if tensor is not None:
                    self._store_grad(tensor, grad)
            if self.capture is not None and (node, index) in self.capture:
                self.captured[self.capture[(node, index)]] = grad
        return grads

    def call(self, node: Function, grads: list[Any]) -> tuple[Any, ...]:
        """Call one node's backward in the right mode and normalise its result."""
        if node._released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: {node._node_name} "
                "already freed its saved values. Pass retain_graph=True to the first "
                "backward if you need to backward twice."
            )
        graph = self.create_graph and node.supports_double_backward
        if self.create_graph and not graph:
            grads = [g._data for g in grads]
        forward_xp = node.xp
        if graph or not node._array_forward:
            node.xp = self.tensor_xp
            if not graph:
                grads = [self.tensor_cls._make(g) for g in grads]
        else:
            node.xp = get_array_module(grads[0])
        node._graph = graph
        _grad_state[0] = graph
        try:
            result = type(node).backward(node, *grads)
        finally:
            _grad_state[0] = self.create_graph  # the mode of the whole run
            node.xp = forward_xp  # the inline path relies on the forward's namespace
            node._graph = False
        if type(result) is not tuple:
            result = (result,)
        if not node._array_forward:
            result = self._check_user_result(node, result, graph)
        elif self.create_graph and not graph:
            result = tuple(
                None if r is None else _double_backward_guard(self.tensor_cls, node, r)
                for r in result
            )
        if not self.retain_graph:
            _release(node)
        return result

    def _check_user_result(self, node: Function, result: tuple, graph: bool) -> tuple:
        """User Functions return Tensors, one per forward input."""
        expected = len(node._edges) // _apply.EDGE_WIDTH
        if len(result) < expected:
            raise RuntimeError(
                f"function {node._node_name} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(result)})"
            )
        out = []
        for r in result[:expected]:
            if r is None or graph:
                out.append(r)
            elif isinstance(r, self.tensor_cls):
                out.append(r._data)
            else:
                out.append(r)
        return tuple(out)

    def run(self, roots: list[tuple[Any, int, Any]]) -> None:
        """Propagate the root gradients through the whole reachable graph.

        Grad mode is ``create_graph`` for the whole run, as in PyTorch (hooks see it too).
        """
        previous = _grad_state[0]
        _grad_state[0] = self.create_graph
        try:
            self._run(roots)
        finally:
            _grad_state[0] = previous

    def _run(self, roots: list[tuple[Any, int, Any]]) -> None:
        """The engine's hot path: one loop over the nodes in dependency order.

        A node whose ``_simple`` flag holds (one array output, no hooks or retained
        grads) runs its backward inline when nothing else is asked of the run (no
        ``create_graph``, no captured inputs); every other node goes through ``call``.
        """
        tensor_cls = self.tensor_cls
        # Gradient buffers: output 0 of a node (or a leaf) is keyed by the node itself,
        # output k > 0 by (node, k); no per-node slot list for the common single output.
        buffers: dict[Any, Any] = {}
        root_nodes: dict[Any, None] = {}
        for node, index, grad in roots:
            key = node if index == 0 else (node, index)
            previous_grad = buffers.get(key)
            buffers[key] = grad if previous_grad is None else previous_grad + grad
            root_nodes[node] = None
        create_graph = self.create_graph
        retain_graph = self.retain_graph
        inline = not create_graph and self.capture is None
        pop = buffers.pop
        get = buffers.get
        for node in _topological_order(list(root_nodes), tensor_cls):
            grad = pop(node, None)
            if isinstance(node, tensor_cls):
                if grad is not None:
                    self.leaf(node, grad)
                continue
            if inline and node._simple and grad is not None and not node._released:
                results = type(node).backward(node, grad)
                if type(results) is not tuple:
                    results = (results,)
                if not retain_graph:
                    _release(node)
            else:
                results = self._call_node(node, grad, pop)
            edges = node._edges
            if edges is None:
                continue
            # (zip stops at the shorter: an op may leave out trailing Nones)
            entries = iter(edges)  # _apply.fields(edges, EDGE_WIDTH), inline
            for grad, child, output_nr, shape, dtype in zip(
                results, entries, entries, entries, entries
            ):
                if grad is not None and child is not None:
                    if create_graph:
                        grad = _fit_tensor(grad, shape, dtype, self.tensor_xp)
                    else:
                        if grad.shape != shape:
                            grad = sum_to_shape(grad, shape, get_array_module(grad))
                        if grad.dtype is not dtype and grad.dtype != dtype:
                            grad = grad.astype(dtype)
                    key = child if output_nr == 0 else (child, output_nr)
                    previous_grad = get(key)
                    buffers[key] = grad if previous_grad is None else previous_grad + grad

    def _call_node(self, node: Function, grad: Any, pop: Any) -> tuple[Any, ...]:
        """Everything but the inline path: several outputs, hooks, captures, graphs."""
        grads = [grad]
        if node._out_meta is not None:
            grads += [pop((node, k), None) for k in range(1, len(node._out_meta))]
        if all(g is None for g in grads):
            return ()
        return self.call(node, self._prepare(node, grads))


def _check_hook_result(hook: Any, grad: Any, result: Any) -> None:
    """A hook may change a gradient's values, never its type, dtype or shape (as PyTorch)."""
    problem = None
    if not hasattr(result, "_data"):
        problem = f"returned a {type(result).__name__}, not a Tensor"
    elif result._data.dtype != grad._data.dtype:
        problem = f"changed the dtype of the gradient from {grad.dtype} to {result.dtype}"
    elif result._data.shape != grad._data.shape:
        problem = (
            f"changed the shape of the gradient from {tuple(grad.shape)} to {tuple(result.shape)}"
        )
    if problem is not None:
        name = getattr(hook, "__name__", type(hook).__name__)
        raise RuntimeError(f"hook '{name}' {problem}; return a gradient like the one it got")


def _fit_tensor(grad: Any, shape: tuple[int, ...], dtype: Any, tensor_xp: Any) -> Any:
    """Make a differentiable input gradient (a Tensor) match the input: unbroadcast, cast.

    (Array gradients are fitted inline in ``_Backward.run``.)
    """
    if grad.shape != shape:
        grad = sum_to_shape(grad, shape, tensor_xp)
    if grad._data.dtype != dtype:
        grad = grad.to(dtype)
    return grad


# Types of ctx attributes that are never arrays (skips two failing hasattr per value).
_PLAIN = frozenset({tuple, int, float, bool, str, type(None)})


def _release(node: Function) -> None:
    """Free the arrays a node kept for backward, and remember that it did.

    Small metadata (shapes, axes) stays, so nodes that kept no arrays (sum, reshape) can
    run again, as in PyTorch.
    """
    freed = node._saved is not None
    node._saved = None
    attributes = node.__dict__
    if attributes:
        arrays = [
            k
            for k, v in attributes.items()
            if type(v) not in _PLAIN and hasattr(v, "dtype") and hasattr(v, "shape")
        ]
        for key in arrays:
            del attributes[key]
        freed = freed or bool(arrays)
    if freed:
        node._released = True


class _NoDoubleBackward(Function):
    """Stands in front of a gradient whose op cannot be differentiated again."""

    op_name = ""

    @staticmethod
    def forward(ctx: Any, grad: Any) -> Any:
        return grad

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise RuntimeError(
            f"{ctx.op_name} does not support double backward: its backward is not "
            "built from differentiable operations, so create_graph=True cannot go through it"
        )


def _double_backward_guard(tensor_cls: type, node: Function, grad: Any) -> Any:
    """Wrap an array gradient so that differentiating it again raises a clear error."""
    marker = tensor_cls._make(grad)
    marker._requires_grad = True
    guarded = _NoDoubleBackward.apply(marker)
    guarded.grad_fn.op_name = node._node_name
    guarded.grad_fn._edges = None
    return guarded


def backward(
    tensors: list[Any],
    grad_tensors: list[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Any, int] | None = None,
    accumulate: bool = True,
) -> dict[int, Any]:
    """Run the engine from ``tensors`` seeded with ``grad_tensors`` (arrays or Tensors)."""
    engine = _Backward(retain_graph, create_graph, capture, accumulate)
    roots = []
    for tensor, grad in zip(tensors, grad_tensors):
        if create_graph and not isinstance(grad, engine.tensor_cls):
            grad = engine.tensor_cls._make(grad)
        if not create_graph:
            engine.handed.add(id(grad))
        node = tensor.grad_fn if tensor.grad_fn is not None else tensor
        roots.append((node, tensor._output_nr, grad))
    engine.run(roots)
    return engine.captured
