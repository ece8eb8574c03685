"""Loss ops through ``nn.functional``: every option against PyTorch, gradcheck and
gradgradcheck in float64, and the numerically delicate edges (logits of +-100, BCE at 0/1).
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from nettrain.errors import ShapeError
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

pytestmark = pytest.mark.filterwarnings("ignore:reduction. .mean. divides:UserWarning")

REDUCTIONS = ["mean", "sum", "none"]
TARGET = np.array([0, 3, 1, -100, 2])  # one ignored row
TARGET_ND = np.array([[[0, 2], [1, 1], [3, 0]], [[2, 2], [0, 3], [1, 0]]])
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


def _const(L, array, like):
    return L.tensor(array, dtype=like.dtype)


def _ce(reduction, weighted=False, target=TARGET, **kw):
    def fn(L, x):
        w = _const(L, CLASS_WEIGHT, x) if weighted else None
        return L.nn.functional.cross_entropy(x, L.tensor(target), w, reduction=reduction, **kw)

    return fn


def _ce_nd(reduction, **kw):
    def fn(L, x):
        w = _const(L, CLASS_WEIGHT, x)
        return L.nn.functional.cross_entropy(x, L.tensor(TARGET_ND), w, reduction=reduction, **kw)

    return fn


def _ce_soft(reduction, **kw):
    def fn(L, x, p):
        w = _const(L, CLASS_WEIGHT, x)
        return L.nn.functional.cross_entropy(x, p, w, reduction=reduction, **kw)

    return fn


def _nll(reduction, target=TARGET, **kw):
    def fn(L, x):
        w = _const(L, CLASS_WEIGHT, x)
        return L.nn.functional.nll_loss(x, L.tensor(target), w, reduction=reduction, **kw)

    return fn


def _pointwise(name, reduction, **kw):
    return lambda L, x, y: getattr(L.nn.functional, name)(x, y, reduction=reduction, **kw)


def _bce(reduction):
    def fn(L, x, y):
        w = _const(L, np.array([0.5, 1.0, 2.0]), x)  # PyTorch has no gradient for weight
        return L.nn.functional.binary_cross_entropy(
            L.sigmoid(x), L.sigmoid(y), w, reduction=reduction
        )

    return fn


def _bce_logits(reduction):
    def fn(L, x, y):
        pos = _const(L, np.array([0.5, 3.0, 1.0]), x)
        w = _const(L, np.array([[1.0], [0.2], [2.0], [0.7]]), x)
        return L.nn.functional.binary_cross_entropy_with_logits(
            x, y, w, reduction=reduction, pos_weight=pos
        )

    return fn


def cases() -> list[Case]:
    out = []
    pair = [((4, 3), (4, 3))]
    for r in REDUCTIONS:
        out += [
            Case(f"ce_{r}", _ce(r), [((5, 4),)]),
            Case(f"ce_weight_{r}", _ce(r, weighted=True), [((5, 4),)]),
            Case(f"ce_smooth_{r}", _ce(r, weighted=True, label_smoothing=0.2), [((5, 4),)]),
            Case(f"ce_smooth_plain_{r}", _ce(r, label_smoothing=0.25), [((5, 4),)]),
            Case(
                f"ce_ignore3_{r}",
                _ce(r, True, np.array([0, 3, 1, 3, 2]), ignore_index=3, label_smoothing=0.1),
                [((5, 4),)],
            ),
            Case(f"ce_nd_{r}", _ce_nd(r, label_smoothing=0.1), [((2, 4, 3, 2),)]),
            Case(
                f"ce_probs_{r}",
                _ce_soft(r, label_smoothing=0.3),
                [((5, 4), (5, 4))],
                ("any", "pos"),
            ),
            Case(f"ce_probs_nd_{r}", _ce_soft(r), [((2, 4, 3),) * 2], ("any", "pos")),
            Case(f"nll_{r}", _nll(r), [((5, 4),)]),
            Case(f"nll_nd_{r}", _nll(r, TARGET_ND, ignore_index=2), [((2, 4, 3, 2),)]),
            Case(f"mse_{r}", _pointwise("mse_loss", r), pair),
            Case(f"l1_{r}", _pointwise("l1_loss", r), pair, "nonzero"),
            Case(f"smooth_l1_{r}", _pointwise("smooth_l1_loss", r, beta=0.5), pair, "distinct"),
            Case(
                f"smooth_l1_beta0_{r}", _pointwise("smooth_l1_loss", r, beta=0.0), pair, "distinct"
            ),
            Case(f"huber_{r}", _pointwise("huber_loss", r, delta=0.6), pair, "distinct"),
            Case(f"bce_{r}", _bce(r), pair),
            Case(f"bce_logits_{r}", _bce_logits(r), pair),
            Case(f"kl_{r}", _pointwise("kl_div", r), pair, ("any", "pos")),
            Case(f"kl_log_{r}", _pointwise("kl_div", r, log_target=True), pair),
        ]
    out += [
        Case("ce_unbatched", lambda L, x: L.nn.functional.cross_entropy(x, L.tensor(2)), [((4,),)]),
        Case("kl_batchmean", _pointwise("kl_div", "batchmean"), [((4, 3), (4, 3))], ("any", "pos")),
        Case("mse_broadcast", _pointwise("mse_loss", "mean"), [((4, 3), (3,))]),
        Case(
            "mse_weight",
            lambda L, x, y: L.nn.functional.mse_loss(
                x, y, weight=_const(L, np.ones((4, 3)) * 2, x)
            ),
            [((4, 3), (4, 3))],
        ),
        Case(
            "huber_weight",
            lambda L, x, y: L.nn.functional.huber_loss(
                x, y, weight=_const(L, np.full((4, 3), 0.5), x)
            ),
            [((4, 3), (4, 3))],
            "distinct",
        ),
    ]
    return out


CASES = cases()


@pytest.mark.filterwarnings("ignore:.*target size:UserWarning")
@pytest.mark.parametrize("case", params(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_torch(case: Case, dtype: str) -> None:
    check_against_torch(case, dtype)


@pytest.mark.filterwarnings("ignore:.*target size:UserWarning")
@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("case", params([c for c in CASES if c.name.endswith("_sum")]))
def test_double_backward(case: Case) -> None:
    rng = np.random.default_rng(5)
    domains = case.domains(len(case.shapes[0]))
    arrays = [
        rng.uniform(0.5, 2.0, s) if d == "pos" else rng.standard_normal(s)
        for s, d in zip(case.shapes[0], domains)
    ]
    inputs = [nt.tensor(a, requires_grad=True) for a in arrays]
    assert nt.autograd.gradgradcheck(lambda *xs: case.fn(nt, *xs), inputs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits_finite_at_extremes(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[-100.0, 100.0, 0.0], [100.0, -100.0, 30.0]], dtype=dtype)
    y = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.5]], dtype=dtype)
    pos = np.array([2.0, 0.5, 1.0], dtype=dtype)
    mine = nt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(mine, nt.tensor(y), pos_weight=nt.tensor(pos))
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        theirs, torch.tensor(y), pos_weight=torch.tensor(pos)
    )
    out.backward()
    ref.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(mine.grad.numpy()))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_bce_clamps_log_at_minus_100() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 0.5, 1.0])
    y = np.array([1.0, 0.0, 0.5, 1.0])
    out = F.binary_cross_entropy(nt.tensor(x), nt.tensor(y), reduction="none")
    ref = torch.nn.functional.binary_cross_entropy(
        torch.tensor(x), torch.tensor(y), reduction="none"
    )
    np.testing.assert_allclose(out.numpy(), ref.numpy())
    assert out.numpy()[0] == 100.0


def test_cross_entropy_stable_for_huge_logits() -> None:
    x = nt.tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, nt.tensor([2, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    assert loss.item() == pytest.approx((2000.0 + np.log(3.0)) / 2)


def test_all_ignored_mean_is_nan_like_torch() -> None:
    with np.errstate(invalid="ignore"):
        loss = F.cross_entropy(nt.randn(2, 3), nt.tensor([-100, -100]))
    assert np.isnan(loss.item())


def test_float32_and_device(device: str) -> None:
    x = nt.randn(6, 4, device=device, requires_grad=True)
    target = nt.tensor([0, 1, 2, 3, 0, 1], device=device)
    for loss in (
        F.cross_entropy(x, target, label_smoothing=0.1),
        F.mse_loss(x, nt.zeros(6, 4, device=device)),
        F.binary_cross_entropy_with_logits(x, nt.ones(6, 4, device=device)),
    ):
        assert loss.dtype == nt.float32
        loss.backward()
    assert x.grad.dtype == nt.float32
    cpu = F.cross_entropy(x.detach().cpu(), target.cpu(), label_smoothing=0.1)
    np.testing.assert_allclose(
        F.cross_entropy(x, target, label_smoothing=0.1).item(), cpu.item(), rtol=1e-6
    )


def test_errors() -> None:
    x = nt.randn(3, 4)
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.cross_entropy(x, nt.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, nt.tensor([0, 7, 2]))
    with pytest.raises(ShapeError, match=r"expected target of shape \(3,\)"):
        F.cross_entropy(x, nt.tensor([0, 1]))
    with pytest.raises(ShapeError, match=r"weight should be a 1D tensor of 4"):
        F.nll_loss(x, nt.tensor([0, 1, 2]), weight=nt.ones(3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(nt.tensor([1.5]), nt.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(x, nt.ones(4))
    with pytest.raises(ValueError, match="batchmean"):
        F.mse_loss(x, x, reduction="batchmean")


def test_legacy_size_average_maps_to_reduction() -> None:
    x, y = nt.randn(3, 2), nt.randn(3, 2)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        total = F.mse_loss(x, y, size_average=False)
    assert total.item() == pytest.approx(F.mse_loss(x, y, reduction="sum").item())


def test_class_weights_follow_logits_dtype() -> None:
    weight = nt.tensor([1.0, 2.0, 3.0], dtype=nt.float64)
    x, target = nt.randn(4, 3), nt.tensor([0, 1, 2, 1])
    assert F.cross_entropy(x, target, weight).dtype == nt.float32
    assert F.cross_entropy(x, nt.rand(4, 3), weight).dtype == nt.float32
    assert F.nll_loss(x, target, weight).dtype == nt.float32
