"""Loss modules against PyTorch: every constructor option, outputs and gradients, the
weight/pos_weight buffers in state_dict, reprs and argument validation.
(Named ``test_loss_modules``: ``tests/ops/test_loss.py`` holds the functional tests.)
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare

RNG = np.random.default_rng(6)
LOGITS = RNG.standard_normal((5, 4))
INDEX = np.array([1, 0, 3, -100, 2])
PROBS = RNG.dirichlet(np.ones(4), size=5)
PRED, REAL = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
UNIT, UNIT_TARGET = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))
CLASS_WEIGHT = np.array([1.0, 0.5, 2.0, 1.5])

# (name, constructor kwargs with numpy arrays for tensors, inputs)
CONFIGS = [
    ("CrossEntropyLoss", {}, [LOGITS, INDEX]),
    ("CrossEntropyLoss", {"weight": CLASS_WEIGHT, "label_smoothing": 0.2}, [LOGITS, INDEX]),
    ("CrossEntropyLoss", {"reduction": "none", "ignore_index": 0}, [LOGITS, np.abs(INDEX) % 4]),
    ("CrossEntropyLoss", {"reduction": "sum", "label_smoothing": 0.1}, [LOGITS, PROBS]),
    ("CrossEntropyLoss", {}, [RNG.standard_normal((2, 4, 3)), RNG.integers(0, 4, (2, 3))]),
    ("NLLLoss", {"weight": CLASS_WEIGHT}, [LOGITS, INDEX]),
    ("NLLLoss", {"reduction": "none"}, [LOGITS, np.abs(INDEX) % 4]),
    ("MSELoss", {}, [PRED, REAL]),
    ("MSELoss", {"reduction": "sum"}, [PRED, REAL]),
    ("L1Loss", {"reduction": "none"}, [PRED, REAL]),
    ("SmoothL1Loss", {"beta": 0.5}, [PRED, REAL]),
    ("HuberLoss", {"delta": 0.3, "reduction": "sum"}, [PRED, REAL]),
    ("BCELoss", {"weight": np.array([1.0, 2.0, 0.5, 1.0])}, [UNIT, UNIT_TARGET]),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([3.0, 1.0, 0.5, 2.0])}, [PRED * 20, UNIT_TARGET]),
    (
        "BCEWithLogitsLoss",
        {"weight": np.array([2.0, 1.0, 1.0, 0.5]), "reduction": "none"},
        [PRED, UNIT_TARGET],
    ),
    ("KLDivLoss", {"reduction": "batchmean"}, [PRED, UNIT_TARGET + 0.1]),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, [PRED, REAL]),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CONFIGS)]


def _pair(name: str, kwargs: dict):
    torch = pytest.importorskip("torch")
    ours = {k: nt.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(**ours), getattr(torch.nn, name)(**theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs", "inputs"), CONFIGS, ids=IDS)
def test_matches_torch(name: str, kwargs: dict, inputs: list, dtype: str) -> None:
    module, reference = _pair(name, kwargs)
    compare(module, reference, inputs, dtype=dtype)


@pytest.mark.parametrize(("name", "kwargs", "inputs"), CONFIGS, ids=IDS)
def test_repr_and_state_dict_match_torch(name: str, kwargs: dict, inputs: list) -> None:
    module, reference = _pair(name, kwargs)
    assert repr(module) == repr(reference)
    assert list(module.state_dict()) == list(reference.state_dict())
    for attribute in (
        "reduction",
        "ignore_index",
        "label_smoothing",
        "beta",
        "delta",
        "log_target",
    ):
        if hasattr(reference, attribute):
            assert getattr(module, attribute) == getattr(reference, attribute)


def test_weight_buffer_follows_dtype() -> None:
    loss = nn.CrossEntropyLoss(weight=nt.tensor([1.0, 2.0], dtype=nt.float32)).double()
    assert loss.weight.dtype == nt.float64
    out = loss(nt.randn(3, 2, dtype=nt.float64), nt.tensor([0, 1, 1]))
    assert out.dtype == nt.float64


def test_invalid_reduction() -> None:
    with pytest.raises(ValueError, match="'batchmean' is not a valid value for reduction"):
        nn.MSELoss(reduction="batchmean")
    with pytest.raises(ValueError, match="'avg' is not a valid value"):
        nn.CrossEntropyLoss(reduction="avg")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"


def test_legacy_arguments_warn_and_map() -> None:
    with pytest.warns(UserWarning, match="reduction='none'"):
        loss = nn.L1Loss(reduce=False)
    assert loss.reduction == "none"


def test_classification_step_on_device(device: str) -> None:
    logits = nt.randn(8, 5, device=device, requires_grad=True)
    target = nt.tensor(np.arange(8) % 5, device=device)
    loss = nn.CrossEntropyLoss()(logits, target)
    loss.backward()
    grad = logits.grad.cpu().numpy()
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-6)  # softmax - onehot rows sum to 0
