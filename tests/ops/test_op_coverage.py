"""Every ``Op`` subclass has a case-table row, a public function and, where PyTorch has
one, a Tensor method; and each row really records its op."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
import nettrain.ops
from nettrain.autograd import Function
from nettrain.ops import Op
from nettrain.ops.cases import CASES, all_cases, sample_inputs

# Ops with no row of their own, each for a reason; keep this list short.
INTERNAL = {
    "_Piecewise": "abstract base of Sign/Floor/Ceil/Round",
    "ToCopy": "behind Tensor.to/.float()/.cuda(); tested in tests/test_tensor.py",
    "AvgPool2dAdjoint": "the adjoint in AvgPool2d's backward (for double backward)",
    "LSTMStep": "fused step of nn.LSTMCell and packed nn.LSTM; tests/nn/modules/test_rnn*.py",
    "LSTMSequence": "nn.LSTM's whole sequence as one node; tests/nn/modules/test_rnn.py",
    "GRUStep": "fused step of nn.GRU; tests/nn/modules/test_rnn.py",
    "RNNStep": "fused step of nn.RNN/nn.RNNCell; tests/nn/modules/test_rnn*.py",
    "Unbind": "splits RNN input projections per step and attention's packed q/k/v; "
    "tests/nn/modules/test_rnn.py, test_attention.py",
}

# PyTorch spells these only as Tensor methods (there is no torch.repeat), so the method
# is their public form.
METHOD_ONLY = {"repeat", "__getitem__"}


def _all_ops() -> list[type]:
    for info in pkgutil.iter_modules(nettrain.ops.__path__):
        importlib.import_module(f"nettrain.ops.{info.name}")
    found, stack = [], list(Op.__subclasses__())
    while stack:
        op = stack.pop()
        if op.__module__.startswith("nettrain."):  # not the test-only ops other tests define
            found.append(op)
        stack.extend(op.__subclasses__())
    return sorted(found, key=lambda op: (op.__module__, op.__name__))


def _nodes(tensor: nt.Tensor) -> set[type]:
    seen, stack, kinds = set(), [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if not isinstance(node, Function) or id(node) in seen:  # a leaf, or seen
            continue
        seen.add(id(node))
        kinds.add(type(node))
        stack.extend(child for child, _ in node.next_functions)
    return kinds


def test_every_op_has_a_case_or_a_reason() -> None:
    ops = _all_ops()
    missing = [op.__name__ for op in ops if op not in CASES and op.__name__ not in INTERNAL]
    assert not missing, f"ops without a row in nettrain/ops/cases.py: {missing}"
    stale = set(INTERNAL) - {op.__name__ for op in ops}
    assert not stale, f"INTERNAL names ops that no longer exist: {sorted(stale)}"
    both = sorted(op.__name__ for op in CASES if op.__name__ in INTERNAL)
    assert not both, f"INTERNAL names ops that have a row now (drop them there): {both}"


def test_case_names_are_unique() -> None:
    # ``nettrain gradcheck`` keys its rows by case name; a duplicate would hide a row
    names = [case.name for _, case in all_cases()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"case names used twice in nettrain/ops/cases.py: {dupes}"


def test_every_op_has_a_public_function() -> None:
    lacking = [
        f"{op.__name__} ({entry.public})"
        for op, entry in CASES.items()
        if not (hasattr(nt, entry.public) or hasattr(F, entry.public))
        and not (entry.public in METHOD_ONLY and hasattr(nt.Tensor, entry.public))
    ]
    assert not lacking, f"no nettrain.X or nettrain.nn.functional.X for: {lacking}"


def test_every_op_has_the_tensor_method_pytorch_has() -> None:
    torch = pytest.importorskip("torch")
    lacking = [
        f"{op.__name__} (Tensor.{entry.public})"
        for op, entry in CASES.items()
        if hasattr(torch.Tensor, entry.public) and not hasattr(nt.Tensor, entry.public)
    ]
    assert not lacking, f"PyTorch has these Tensor methods, nettrain lacks them: {lacking}"


@pytest.mark.parametrize("op", list(CASES), ids=lambda op: op.__name__)
def test_each_case_records_its_op(op: type) -> None:
    for case in CASES[op].cases:
        arrays = sample_inputs(case, case.shapes[0], 0)
        inputs = [nt.tensor(np.asarray(a), requires_grad=True) for a in arrays]
        out = case.fn(nt, *inputs)
        assert op in _nodes(out), f"case {case.name!r} does not run {op.__name__}"
