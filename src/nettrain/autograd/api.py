"""The public entry points to the engine: ``backward`` and ``grad``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nettrain.autograd import _apply, engine
from nettrain.backend import get_array_module


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, _apply.Tensor):  # set when nettrain.tensor loads
        return [value]
    return list(value)


def _seed_gradients(tensors: list[Any], grads: Any, keep_tensors: bool = False) -> list[Any]:
    """The starting gradients: given ones (checked), or 1 for scalar outputs."""
    Tensor = _apply.Tensor  # noqa: N806 - the class, set when nettrain.tensor loads
    grads = [None] * len(tensors) if grads is None else _as_list(grads)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} outputs")
    seeds = []
    for i, (tensor, grad) in enumerate(zip(tensors, grads)):
        if not tensor._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if grad is None:
            if tensor._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (this output has "
                    f"shape {tuple(tensor.shape)}); pass gradient= explicitly"
                )
            data = tensor._data  # empty + fill: ones/ones_like are slower Python wrappers
            grad = get_array_module(data).empty(data.shape, data.dtype)
            grad.fill(1)
        else:
            grad = (
                grad
                if isinstance(grad, Tensor)
                else Tensor._make(
                    get_array_module(tensor._data).asarray(grad, dtype=tensor._data.dtype)
                )
            )
            if grad.shape != tensor.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(grad.shape)} "
                    f"and output[{i}] has a shape of {tuple(tensor.shape)}."
                )
            if not keep_tensors:
                grad = grad._data
        seeds.append(grad)
    return seeds


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Example:
        >>> loss = (w * x).sum()
        >>> backward(loss)          # same as loss.backward()
    """
    tensors = _as_list(tensors)
    seeds = _seed_gradients(tensors, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        targets = _as_list(inputs)
        capture = {_capture_key(t): i for i, t in enumerate(targets)}
        captured = engine.backward(
            tensors, seeds, retain_graph, create_graph, capture, accumulate=False
        )
        for index, target in enumerate(targets):
            if target.grad_fn is not None and target.retains_grad:
                continue  # retain_grad already stored this non-leaf's gradient
            if index in captured:
                engine._Backward(False, create_graph, None, True)._store_grad(
                    target, captured[index]
                )
        return
    engine.backward(tensors, seeds, retain_graph, create_graph)


def _capture_key(tensor: Any) -> Any:
    """How the engine recognises a tensor: the leaf itself, or (grad_fn, output index)."""
    if not tensor._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    if tensor.grad_fn is None:
        return tensor
    return (tensor.grad_fn, tensor._output_nr)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    Example:
        >>> (dx,) = grad(y.sum(), [x], create_graph=True)   # dx can be differentiated again
    """
    from nettrain.tensor import Tensor

    outputs = _as_list(outputs)
    single = isinstance(inputs, Tensor)
    targets: Sequence[Any] = [inputs] if single else list(inputs)
    seeds = _seed_gradients(outputs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    for i, t in enumerate(targets):
        capture[_capture_key(t)] = i
    captured = engine.backward(
        outputs, seeds, retain_graph, create_graph, capture, accumulate=False
    )
    result = []
    for i, target in enumerate(targets):
        value = captured.get(i)
        if value is None:
            if materialize_grads:
                value = get_array_module(target._data).zeros_like(target._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior."
                )
            else:
                result.append(None)
                continue
        result.append(value if isinstance(value, Tensor) else Tensor._make(value))
    return tuple(result)
