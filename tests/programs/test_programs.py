"""Public PyTorch programs run unchanged on nettrain, and match PyTorch number for number.

Each module in this folder is a well-known PyTorch program (its docstring names the source
and every change), written against ``torch``. This test runs it twice: as written, with
PyTorch, and with only its import lines changed to nettrain. Both runs start from the
same weights (PyTorch's initial ``state_dict`` is loaded into nettrain's model, which also
checks that the state_dict keys agree) and the same data, and their losses are compared.
"""

from __future__ import annotations

import contextlib
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nettrain

torch = pytest.importorskip("torch")

HERE = Path(__file__).resolve().parent
_IMPORT = re.compile(r"^(\s*)(import|from)\s+torch\b")


def to_nettrain(source: str) -> str:
    """The program with its import lines (and only those) pointing at nettrain."""
    lines = []
    for line in source.splitlines():
        if _IMPORT.match(line):
            line = re.sub(r"\btorch\b", "nettrain", line, count=1)
            if line.strip() == "import nettrain":
                line = line.replace("import nettrain", "import nettrain as torch")
        lines.append(line)
    return "\n".join(lines) + "\n"


def load(name: str, on_nettrain: bool) -> types.ModuleType:
    path = HERE / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    if on_nettrain:
        source = to_nettrain(source)
    module = types.ModuleType(f"program_{name}_{'nettrain' if on_nettrain else 'torch'}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


@contextlib.contextmanager
def same_noise(lib: Any, seed: int = 0) -> Iterator[None]:
    """``randn_like`` drawn from one numpy stream, so both libraries sample the same noise."""
    rng = np.random.default_rng(seed)
    original = lib.randn_like

    def randn_like(t: Any, **kwargs: Any) -> Any:
        return lib.tensor(rng.standard_normal(tuple(t.shape)).astype(np.float32))

    lib.randn_like = randn_like
    try:
        yield
    finally:
        lib.randn_like = original


@dataclass
class Program:
    module: str
    build: dict[str, Any] = field(default_factory=dict)
    rtol: float = 1e-4
    noise: bool = False
    # Zero every dropout probability after building: the two libraries draw different masks,
    # and some programs (word_language_model's nn.Transformer subclass) hard-wire dropout.
    no_dropout: bool = False


PROGRAMS = {
    "regression": Program("regression"),
    "mnist_cnn": Program("mnist_cnn", {"dropout": (0.0, 0.0)}),
    "dcgan": Program("dcgan", rtol=2e-4),
    "vae": Program("vae", noise=True),
    "resnet18": Program("resnet18", rtol=1e-3),
    "word_lm_lstm": Program("word_language_model", {"kind": "LSTM", "dropout": 0.0}),
    "word_lm_transformer": Program(
        "word_language_model", {"kind": "Transformer", "dropout": 0.0}, rtol=1e-3, no_dropout=True
    ),
    "time_sequence_lbfgs": Program("time_sequence_prediction", rtol=1e-7),
    "char_mlp": Program("char_mlp"),
    "quickstart": Program("quickstart"),
}


def _disable_dropout(lib: Any, model: Any) -> None:
    for m in model.modules():
        if isinstance(m, lib.nn.Dropout):
            m.p = 0.0
        elif isinstance(m, lib.nn.MultiheadAttention):
            m.dropout = 0.0


def _run(program: Program, on_nettrain: bool, weights: dict[str, np.ndarray] | None):
    lib = nettrain if on_nettrain else torch
    module = load(program.module, on_nettrain)
    lib.manual_seed(0)
    model = module.build_model(**program.build)
    keys = list(model.state_dict())
    if program.no_dropout:
        _disable_dropout(lib, model)
    if weights is not None:
        model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    state = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    data = module.make_data()
    with same_noise(lib) if program.noise else contextlib.nullcontext():
        losses = module.train(model, data)
    return keys, state, [float(v) for v in losses]


# Programs that still hit a missing feature: strict xfails, so each one fails loudly the
# moment it starts to pass and must be taken off this list.
PENDING: dict[str, str] = {}


def _params() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(strict=True, reason=f"needs {PENDING[name]}")
            if name in PENDING
            else (),
        )
        for name in sorted(PROGRAMS)
    ]


@pytest.mark.parametrize("name", _params())
def test_program_runs_unchanged_and_matches_torch(name: str) -> None:
    program = PROGRAMS[name]
    torch_keys, weights, expected = _run(program, False, None)
    keys, _, got = _run(program, True, weights)
    assert keys == torch_keys, "state_dict keys (and their order) differ from PyTorch's"
    assert all(np.isfinite(expected)), expected
    np.testing.assert_allclose(got, expected, rtol=program.rtol, atol=program.rtol * 1e-2)


def test_only_import_lines_change() -> None:
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith(("test_", "__")):
            continue
        before = path.read_text(encoding="utf-8").splitlines()
        after = to_nettrain(path.read_text(encoding="utf-8")).splitlines()
        assert len(before) == len(after)
        changed = [a for a, b in zip(before, after) if a != b]
        assert changed, f"{path.name} imports nothing from torch"
        assert all(_IMPORT.match(line) for line in changed), path.name
