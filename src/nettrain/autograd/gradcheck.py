"""Numerical gradient checks: central differences in float64 against autograd.

``gradcheck`` builds the full Jacobian both ways and reports the worst element;
``fast_mode=True`` compares one random directional derivative instead (cheap for large
inputs). ``gradgradcheck`` applies the same test to the gradient itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nettrain.errors import GradcheckError


def _tensors(inputs: Any) -> tuple[Any, ...]:
    from nettrain.tensor import Tensor

    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> tuple[Any, ...]:
    from nettrain.tensor import Tensor

    out = fn(*inputs)
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return tuple(o for o in outs if isinstance(o, Tensor))


def _flat_output(fn: Callable[..., Any], inputs: Sequence[Any]) -> np.ndarray:
    from nettrain.backend import to_numpy

    outs = _outputs(fn, inputs)  # with grad enabled: gradgradcheck's fn calls autograd
    return (
        np.concatenate([to_numpy(o._data).astype(np.float64).ravel() for o in outs])
        if (outs)
        else np.zeros(0)
    )


def _numerical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Any], index: int, eps: float
) -> np.ndarray:
    """Columns d(out)/d(input[index][k]) by central differences."""
    data = inputs[index]._data
    flat = data.reshape(-1)
    columns = []
    for k in range(flat.size):
        original = flat[k].item()
        flat[k] = original + eps
        plus = _flat_output(fn, inputs)
        flat[k] = original - eps
        minus = _flat_output(fn, inputs)
        flat[k] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _analytical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Any], targets: list[int]
) -> dict[int, np.ndarray]:
    """Rows d(out[j])/d(inputs) from one vector-Jacobian product per output element."""
    from nettrain.autograd.api import grad
    from nettrain.backend import get_array_module, to_numpy

    outs = _outputs(fn, inputs)
    sizes = [o._data.size for o in outs]
    total = sum(sizes)
    rows = {i: np.zeros((total, inputs[i]._data.size)) for i in targets}
    differentiable = [o for o in outs if o.requires_grad]
    row = 0
    for o, size in zip(outs, sizes):
        for k in range(size):
            if o.requires_grad:
                xp = get_array_module(o._data)
                seed = xp.zeros(o._data.shape, dtype=o._data.dtype)
                seed.reshape(-1)[k] = 1
                grads = grad(
                    [o],
                    [inputs[i] for i in targets],
                    grad_outputs=[seed],
                    retain_graph=True,
                    allow_unused=True,
                )
                for i, g in zip(targets, grads):
                    if g is not None:
                        rows[i][row] = to_numpy(g._data).astype(np.float64).ravel()
            row += 1
    del differentiable
    return rows


def _compare(
    analytical: np.ndarray, numerical: np.ndarray, index: int, atol: float, rtol: float
) -> None:
    error = np.abs(analytical - numerical)
    allowed = atol + rtol * np.abs(numerical)
    if np.all(error <= allowed):
        return
    worst = np.unravel_index(int(np.argmax(error - allowed)), error.shape)
    output_index, element = int(worst[0]), int(worst[1])
    raise GradcheckError(
        f"Jacobian mismatch for input {index}, element {element} (output element "
        f"{output_index}): analytical {analytical[worst]:.8g}, numerical "
        f"{numerical[worst]:.8g}, |difference| {error[worst]:.3g} > atol {atol} + rtol "
        f"{rtol} * |numerical|"
    )


def _check_inputs(inputs: Sequence[Any]) -> list[int]:
    targets = [i for i, t in enumerate(inputs) if getattr(t, "requires_grad", False)]
    if not targets:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for i in targets:
        if inputs[i]._data.dtype != np.float64:
            raise GradcheckError(
                f"input {i} is {inputs[i].dtype}: gradcheck needs float64 inputs for finite "
                "differences to be meaningful; convert with .double()"
            )
    return targets


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    nondet_tol: float = 0.0,
) -> bool:
    """True when autograd's Jacobian of ``fn`` matches central differences.

    Raises GradcheckError naming the input, element, and both values of the worst
    mismatch (or returns False when ``raise_exception=False``).

    Example:
        >>> x = nettrain.randn(3, dtype=nettrain.float64, requires_grad=True)
        >>> gradcheck(nettrain.tanh, (x,))
        True
    """
    inputs = _tensors(inputs)
    try:
        targets = _check_inputs(inputs)
        if fast_mode:
            _directional_check(fn, inputs, targets, eps, atol, rtol)
            return True
        analytical = _analytical_jacobian(fn, inputs, targets)
        for i in targets:
            numerical = _numerical_jacobian(fn, inputs, i, eps)
            _compare(analytical[i], numerical, i, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _directional_check(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    targets: list[int],
    eps: float,
    atol: float,
    rtol: float,
) -> None:
    """Compare v . J . u with the finite difference along u for random u, v."""
    from nettrain.autograd.api import grad
    from nettrain.backend import get_array_module, to_numpy

    rng = np.random.default_rng(0)
    outs = _outputs(fn, inputs)
    seeds = [rng.standard_normal(o._data.shape) for o in outs]
    xp = get_array_module(inputs[targets[0]]._data)
    device_seeds = [xp.asarray(s, dtype=o._data.dtype) for s, o in zip(seeds, outs)]
    grads = grad(
        list(outs), [inputs[i] for i in targets], grad_outputs=device_seeds, allow_unused=True
    )
    analytical = 0.0
    directions = {}
    for i, g in zip(targets, grads):
        u = rng.standard_normal(inputs[i]._data.shape)
        directions[i] = u
        if g is not None:
            analytical += float(np.sum(to_numpy(g._data) * u))
    originals = {i: inputs[i]._data.copy() for i in targets}
    values = []
    for sign in (1, -1):
        for i in targets:
            inputs[i]._data[...] = originals[i] + xp.asarray(sign * eps * directions[i])
        flat = _flat_output(fn, inputs)
        values.append(float(np.dot(flat, np.concatenate([s.ravel() for s in seeds]))))
    for i in targets:
        inputs[i]._data[...] = originals[i]
    numerical = (values[0] - values[1]) / (2 * eps)
    _compare(np.array([[analytical]]), np.array([[numerical]]), targets[0], atol, rtol)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """gradcheck of the function ``(inputs, v) -> d(v . fn(inputs))/d(inputs)``.

    Random ``grad_outputs`` are made (and differentiated) when none are given.
    """
    from nettrain.autograd.api import grad
    from nettrain.backend import get_array_module
    from nettrain.tensor import Tensor

    inputs = _tensors(inputs)
    targets = _check_inputs(inputs)
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = []
        for o in outs:
            xp = get_array_module(o._data)
            seed = Tensor._make(xp.asarray(rng.standard_normal(o._data.shape)))
            seed.requires_grad_(True)
            grad_outputs.append(seed)
    grad_outputs = _tensors(grad_outputs)
    count = len(inputs)

    def first_derivative(*args: Any) -> tuple[Any, ...]:
        primal, seeds = args[:count], args[count:]
        results = _outputs(fn, primal)
        grads = grad(
            list(results),
            [primal[i] for i in targets],
            grad_outputs=list(seeds),
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        (*inputs, *grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
