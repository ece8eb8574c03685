"""Run a nettrain function and its PyTorch twin on the same arrays; compare values and grads.

The upstream gradient is random and shared by both sides, so every output element's
gradient path is exercised. Tolerances follow the dtype: float64 results agree to
rounding (~1e-10), float32 to a few ulps of the values involved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import nettrain as nt

TOL = {"float64": (1e-10, 1e-9), "float32": (1e-5, 1e-5)}


def _outputs(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def match_torch(
    fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    dtype: str = "float64",
    device: str = "cpu",
    seed: int = 0,
) -> None:
    """Assert ``fn`` and ``torch_fn`` give the same outputs and input gradients."""
    import torch

    atol, rtol = TOL[dtype]
    cast = [a.astype(dtype) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in cast]
    n_in = [nt.tensor(a, device=device, requires_grad=True) for a in cast]
    t_out, n_out = _outputs(torch_fn(*t_in)), _outputs(fn(*n_in))
    assert len(t_out) == len(n_out)
    rng = np.random.default_rng(seed)
    t_loss = n_loss = None
    for t, n in zip(t_out, n_out):
        assert tuple(n.shape) == tuple(t.shape)
        assert str(n.dtype) == str(t.dtype).replace("torch.", "nettrain.")
        np.testing.assert_allclose(
            n.detach().cpu().numpy(), t.detach().numpy(), atol=atol, rtol=rtol
        )
        if not t.dtype.is_floating_point:
            continue
        g = rng.standard_normal(tuple(t.shape)).astype(dtype)
        t_term = (t * torch.tensor(g)).sum()
        n_term = (n * nt.tensor(g, device=device)).sum()
        t_loss = t_term if t_loss is None else t_loss + t_term
        n_loss = n_term if n_loss is None else n_loss + n_term
    if t_loss is None:
        return
    t_loss.backward()
    n_loss.backward()
    for t, n in zip(t_in, n_in):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if n.grad is None else n.grad.cpu().numpy()
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)


def gradcheck64(fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> None:
    """float64 central-difference gradcheck of ``fn`` (first output) w.r.t. every array."""
    inputs = [nt.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]

    def first(*xs: Any) -> Any:
        out = fn(*xs)
        return out[0] if isinstance(out, (tuple, list)) else out

    assert nt.autograd.gradcheck(first, tuple(inputs))
