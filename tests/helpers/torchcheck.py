"""Compare a nettrain module with its PyTorch twin: same weights, outputs and gradients.

Weights go from PyTorch into nettrain through numpy and ``load_state_dict``, so the state
dict keys must match too. The upstream gradient is random and shared by both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import nettrain as nt
from tests.helpers.compare import assert_close


def flatten(value: Any) -> list[Any]:
    """Tensors of a (nested) tuple output, in order."""
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    return [value]


def copy_weights(torch_module: Any, module: nt.nn.Module) -> None:
    """Load the PyTorch module's state into the nettrain module through numpy."""
    state = {k: nt.tensor(v.detach().cpu().numpy()) for k, v in torch_module.state_dict().items()}
    result = module.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def compare(
    module: nt.nn.Module,
    torch_module: Any,
    inputs: Sequence[np.ndarray],
    dtype: str = "float64",
    grad_inputs: Sequence[bool] | None = None,
    seed: int = 0,
) -> None:
    """Forward and backward both modules on the same data; assert equal results."""
    import torch

    torch_module.to(getattr(torch, dtype))
    module.to(getattr(nt, dtype))
    copy_weights(torch_module, module)
    if grad_inputs is None:
        grad_inputs = [a.dtype.kind == "f" for a in inputs]
    cast = [a.astype(dtype) if a.dtype.kind == "f" else a for a in inputs]
    t_in = [torch.tensor(a, requires_grad=g) for a, g in zip(cast, grad_inputs)]
    n_in = [nt.tensor(a, requires_grad=g) for a, g in zip(cast, grad_inputs)]
    t_out = flatten(torch_module(*t_in))
    n_out = flatten(module(*n_in))
    assert len(t_out) == len(n_out)
    rng = np.random.default_rng(seed)
    t_loss, n_loss = 0, 0
    for t, n in zip(t_out, n_out):
        assert tuple(t.shape) == tuple(n.shape)
        assert str(n.dtype).endswith(dtype)
        assert_close(n.detach().numpy(), t.detach().numpy(), dtype)
        if t.requires_grad:
            g = rng.standard_normal(tuple(t.shape)).astype(dtype)
            t_loss = t_loss + (t * torch.tensor(g)).sum()
            n_loss = n_loss + (n * nt.tensor(g)).sum()
    if isinstance(t_loss, int):
        return
    t_loss.backward()
    n_loss.backward()
    for t, n in zip(t_in, n_in):
        if t.requires_grad:
            assert_close(n.grad.numpy(), t.grad.numpy(), dtype, grad=True)
    t_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        tg = t_params[name].grad
        if tg is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
            continue
        assert_close(p.grad.numpy(), tg.numpy(), dtype, grad=True, err_msg=f"grad of {name}")


def gradcheck_module(module: nt.nn.Module, inputs: Sequence[nt.Tensor]) -> None:
    """float64 gradcheck w.r.t. the inputs and every parameter of ``module``."""
    module.double()
    params = list(module.parameters())
    count = len(inputs)
    assert nt.autograd.gradcheck(lambda *xs: module(*xs[:count]), (*inputs, *params))
