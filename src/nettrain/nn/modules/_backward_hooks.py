"""Full backward hooks of ``Module``: identity Functions around a call's inputs and outputs.

The output identity's backward sees ``grad_output`` (and runs backward pre-hooks); the
input identity's backward runs after the module's own backward and sees ``grad_input``.
"""

from __future__ import annotations

from typing import Any

from nettrain.autograd.function import Function
from nettrain.tensor import Tensor

__all__: list[str] = []


class _HookIdentity(Function):
    """Pass tensors through unchanged; backward hands the gradients to a callback."""

    @staticmethod
    def forward(ctx: Any, *tensors: Tensor) -> tuple[Tensor, ...]:
        # as in PyTorch, tensors that need no grad pass through but get zero gradients
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return ctx.callback(grads)


def _wrap(tensors: list[Tensor], callback: Any) -> tuple[Tensor, ...]:
    out = _HookIdentity.apply(*tensors)
    for t in out:
        if t.grad_fn is not None:
            t.grad_fn.callback = callback
            break
    return out


def _check_count(kind: str, result: Any, expected: int) -> tuple[Any, ...]:
    result = tuple(result)
    if len(result) != expected:
        raise RuntimeError(
            f"Backward hook returned an invalid number of {kind}, got {len(result)}, "
            f"but expected {expected}"
        )
    return result


class BackwardHook:
    """Per-call state connecting a module's input and output gradients for its hooks."""

    def __init__(self, module: Any, hooks: dict[int, Any], pre_hooks: dict[int, Any]) -> None:
        self.module = module
        self.hooks = list(hooks.values())
        self.pre_hooks = list(pre_hooks.values())
        self.n_inputs = 0
        self.input_index: list[int] | None = None
        self.n_outputs = 0
        self.output_index: list[int] = []
        self.grad_outputs: tuple[Any, ...] | None = None

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Route the inputs that require grad through an identity node."""
        self.n_inputs = len(args)
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not self.hooks or not any(args[i].requires_grad for i in index):
            return args
        self.input_index = index
        wrapped = _wrap([args[i] for i in index], self._input_backward)
        new_args = list(args)
        for k, i in enumerate(index):
            new_args[i] = wrapped[k]
        return tuple(new_args)

    def setup_output_hook(self, result: Any) -> Any:
        """Route the outputs that require grad through an identity node."""
        single = isinstance(result, Tensor)
        if not single and not isinstance(result, tuple):
            return result
        outs = (result,) if single else result
        self.n_outputs = len(outs)
        index = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        if not any(outs[i].requires_grad for i in index):
            return result
        self.output_index = index
        wrapped = _wrap([outs[i] for i in index], self._output_backward)
        new_outs = list(outs)
        for k, i in enumerate(index):
            new_outs[i] = wrapped[k]
        return new_outs[0] if single else tuple(new_outs)

    def _output_backward(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in self.pre_hooks:
            result = hook(self.module, grads)
            if result is not None:
                grads = _check_count("grad_output", result, len(grads))
        full = [None] * self.n_outputs
        for k, i in enumerate(self.output_index):
            full[i] = grads[k]
        self.grad_outputs = tuple(full)
        if self.input_index is None:  # no input needs a gradient: hooks see Nones
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, self.grad_outputs)
                if result is not None and not all(r is None for r in result):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
        return grads

    def _input_backward(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        index = self.input_index or []
        grad_inputs: tuple[Any, ...] = tuple(
            grads[index.index(i)] if i in index else None for i in range(self.n_inputs)
        )
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = _check_count("grad_input", result, self.n_inputs)
        return tuple(grad_inputs[i] for i in index)
