"""Shared machinery for the table-driven op tests (``tests/ops``).

A ``Case`` (``nettrain.ops.cases``, the op case table) names one op as ``fn(lib, *inputs)``
written against the PyTorch API, so the same function runs on nettrain (``lib=nettrain``)
and on PyTorch (``lib=torch``). Each case is checked two ways:

* ``check_gradcheck``: nettrain's analytical Jacobian against central differences in
  float64, for every input-shape set of the case (broadcasting included);
* ``check_against_torch``: forward value, dtype and shape, and the input gradients for the
  same random upstream gradient, against PyTorch in float32 or float64, with nettrain's
  tensors on the device under test (cpu, and cuda where a GPU exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import nettrain as nt
from nettrain.ops.cases import Case, Shapes, sample, sample_inputs
from tests.helpers.compare import assert_close


def params(cases: Sequence[Case]) -> list[Any]:
    """``pytest.param`` per case, with the case name as the test id."""
    return [pytest.param(c, id=c.name) for c in cases]


def _arrays(case: Case, shapes: Shapes, seed: int) -> list[np.ndarray]:
    return sample_inputs(case, shapes, seed)


def check_gradcheck(case: Case) -> None:
    """Autograd's Jacobian matches central differences in float64 on every shape set."""
    for k, shapes in enumerate(case.shapes):
        inputs = [
            nt.tensor(a, dtype=nt.float64, requires_grad=True) for a in _arrays(case, shapes, k)
        ]
        assert nt.autograd.gradcheck(lambda *xs: case.fn(nt, *xs), inputs), shapes


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


class _OnDevice:
    """nettrain, with ``tensor(...)`` inside a case building on the device under test."""

    def __init__(self, device: str) -> None:
        self._device = device

    def __getattr__(self, name: str) -> Any:
        return getattr(nt, name)

    def tensor(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("device", self._device)
        return nt.tensor(*args, **kwargs)


def check_against_torch(case: Case, dtype: str, device: str = "cpu") -> None:
    """Forward value, dtype, shape and input gradients (on ``device``) equal PyTorch's."""
    torch = pytest.importorskip("torch")
    lib = nt if device == "cpu" else _OnDevice(device)
    for k, shapes in enumerate(case.shapes):
        arrays = _arrays(case, shapes, 100 + k)
        ours = [
            nt.tensor(a, dtype=getattr(nt, dtype), device=device, requires_grad=case.grad)
            for a in arrays
        ]
        theirs = [
            torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=case.grad) for a in arrays
        ]
        out = case.fn(lib, *ours)
        ref = case.fn(torch, *theirs)
        expected = _numpy(ref)
        got = _numpy(out)
        assert tuple(out.shape) == tuple(ref.shape), (case.name, shapes)
        assert got.dtype == expected.dtype, (case.name, shapes, got.dtype, expected.dtype)
        assert_close(got, expected, dtype, err_msg=case.name)
        if not case.grad:
            assert not out.requires_grad
            continue
        assert out.requires_grad == ref.requires_grad
        if not ref.requires_grad:
            continue
        upstream = np.random.default_rng(7 + k).standard_normal(tuple(ref.shape))
        out.backward(nt.tensor(upstream, dtype=getattr(nt, dtype), device=device))
        ref.backward(torch.tensor(upstream, dtype=getattr(torch, dtype)))
        for i, (mine, other) in enumerate(zip(ours, theirs)):
            if other.grad is None:
                assert mine.grad is None or not np.any(_numpy(mine.grad)), (case.name, i)
                continue
            assert mine.grad is not None, (case.name, i, shapes)
            assert mine.grad.shape == mine.shape, (case.name, i, shapes)
            assert mine.grad.dtype == mine.dtype, (case.name, i)
            assert mine.grad.device == mine.device, (case.name, i)
            assert_close(
                _numpy(mine.grad),
                other.grad.numpy(),
                dtype,
                grad=True,
                err_msg=f"{case.name}: gradient of input {i} for shapes {shapes}",
            )


__all__ = ["Case", "check_against_torch", "check_gradcheck", "params", "sample"]
