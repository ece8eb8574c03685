"""Shape ops, cat/stack/where: gradcheck in float64 and PyTorch as oracle."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

A = [((2, 3, 4),)]

CASES = [
    Case("reshape", lambda L, x: x.reshape(4, 6) * 1.5, A),
    Case("reshape_infer", lambda L, x: L.reshape(x, (-1, 2)), A),
    Case("reshape_tuple", lambda L, x: x.reshape((3, 8)), A),
    Case("view", lambda L, x: x.view(6, 4), A),
    Case("view_infer", lambda L, x: x.view(-1), A),
    Case("transpose", lambda L, x: x.transpose(0, 2), A),
    Case("transpose_fn_neg", lambda L, x: L.transpose(x, -1, 0), A),
    Case("permute", lambda L, x: x.permute(2, 0, 1), A),
    Case("permute_fn", lambda L, x: L.permute(x, (1, 2, 0)), A),
    Case("T_2d", lambda L, x: x.T, [((3, 4),)]),
    Case("t_fn", lambda L, x: L.t(x), [((3, 4),)]),
    Case("mT", lambda L, x: x.mT, A),
    Case("squeeze_all", lambda L, x: x.squeeze(), [((1, 3, 1, 2),)]),
    Case("squeeze_dim", lambda L, x: L.squeeze(x, 2), [((1, 3, 1, 2),)]),
    Case("squeeze_noop", lambda L, x: x.squeeze(1), [((1, 3, 1, 2),)]),
    Case("unsqueeze", lambda L, x: x.unsqueeze(1), A),
    Case("unsqueeze_neg", lambda L, x: L.unsqueeze(x, -1), A),
    Case("flatten", lambda L, x: x.flatten(), A),
    Case("flatten_start", lambda L, x: L.flatten(x, 1), A),
    Case("flatten_range", lambda L, x: x.flatten(0, 1), A),
    Case("unflatten", lambda L, x: x.unflatten(2, (2, 2)), A),
    Case("expand", lambda L, x: x.expand(2, 3, 4), [((3, 1),)]),
    Case("expand_minus_one", lambda L, x: x.expand(5, -1, 4), [((3, 1),)]),
    Case("expand_as", lambda L, x, y: x.expand_as(y) * y, [((3, 1), (2, 3, 4))]),
    Case("repeat", lambda L, x: x.repeat(2, 3), [((2, 3),)]),
    Case("repeat_more_dims", lambda L, x: x.repeat(2, 1, 2), [((2, 3),)]),
    Case("cat", lambda L, a, b: L.cat([a, b], dim=1), [((2, 3), (2, 1))]),
    Case("cat_dim0_three", lambda L, a, b, c: L.cat((a, b, c)), [((1, 3), (2, 3), (3, 3))]),
    Case("cat_neg_dim", lambda L, a, b: L.cat([a, b], -1), [((2, 2, 1), (2, 2, 3))]),
    Case("stack", lambda L, a, b: L.stack([a, b]), [((2, 3), (2, 3))]),
    Case("stack_dim", lambda L, a, b: L.stack([a, b], dim=2), [((2, 3), (2, 3))]),
    Case("stack_neg", lambda L, a, b: L.stack([a, b], -1), [((4,), (4,))]),
    Case("where", lambda L, a, b: L.where(a > 0, a, b), [((2, 3), (2, 3)), ((2, 3), (3,))]),
    Case("where_scalar", lambda L, a: L.where(a > 0, a, 0.0), [((2, 3),)]),
    Case("where_method", lambda L, a, b: a.where(b > 0, b), [((2, 3), (1, 3))]),
    Case("masked_fill", lambda L, a: a.masked_fill(a < 0, 2.0), [((2, 3),)]),
    Case("clone", lambda L, a: L.clone(a) * 2, [((2, 3),)]),
    Case("contiguous", lambda L, a: a.T.contiguous(), [((2, 3),)]),
    Case("split", lambda L, a: L.split(a, 2, dim=1)[1], [((2, 5),)]),
    Case("split_sizes", lambda L, a: a.split([1, 4], 1)[1], [((2, 5),)]),
    Case("chunk", lambda L, a: L.chunk(a, 2)[0], [((5, 2),)]),
    Case("unbind", lambda L, a: L.unbind(a, 1)[2], [((2, 3),)]),
    Case("flip", lambda L, a: L.flip(a, (0, 1)), [((2, 3),)]),
    Case(
        "gather",
        lambda L, a: L.gather(a, 1, L.tensor([[0, 0, 2], [1, 2, 1]])),
        [((2, 3),)],
    ),
    Case("outer", lambda L, a, b: L.outer(a, b), [((3,), (4,))]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_view_shares_memory_and_version() -> None:
    x = nt.zeros(2, 3)
    v = x.view(6)
    v[0] = 5.0
    assert x[0, 0].item() == 5.0
    assert x._version == v._version == 1


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda: nt.ones(2, 3).reshape(4, 2), "invalid for input of size 6"),
        (lambda: nt.ones(2, 3).reshape(-1, -1), "only one dimension can be inferred"),
        (lambda: nt.stack([nt.ones(2), nt.ones(3)]), "equal size"),
        (lambda: nt.ones(2, 2).repeat(2), "repeat dims"),
        (lambda: nt.ones(2, 2, 2).t(), "<= 2 dimensions"),
        (lambda: nt.ones(2).unsqueeze(3), "out of range"),
        (lambda: nt.cat([]), "non-empty"),
    ],
)
def test_bad_shapes_raise_clear_errors(fn: object, match: str) -> None:
    with pytest.raises((RuntimeError, IndexError, ValueError), match=match):
        fn()


def test_cat_mismatched_shapes_raise() -> None:
    with pytest.raises((RuntimeError, ValueError)):
        nt.cat([nt.ones(2, 3), nt.ones(2, 4)], dim=0)


def test_where_single_argument_is_nonzero() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[0.0, 1.0], [2.0, 0.0]])
    ours = nt.where(nt.tensor(values) > 0)
    theirs = torch.where(torch.tensor(values) > 0)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


@pytest.mark.parametrize("value_dtype", ["float32", "float64"])
def test_masked_fill_with_a_0dim_value_tensor_sends_it_a_gradient(value_dtype: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    data, upstream = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    results = []
    for lib in (nt, torch):
        x = lib.tensor(data, dtype=lib.float32, requires_grad=True)
        v = lib.tensor(1.5, dtype=getattr(lib, value_dtype), requires_grad=True)
        out = x.masked_fill(x > 0, v)
        (out * lib.tensor(upstream, dtype=lib.float32)).sum().backward()
        results.append((out, x.grad, v.grad))
    (out, x_grad, v_grad), (t_out, t_x_grad, t_v_grad) = results
    assert str(out.dtype).endswith("float32") and str(v_grad.dtype).endswith(value_dtype)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x_grad.numpy(), t_x_grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(v_grad.numpy(), t_v_grad.numpy(), rtol=1e-5)


def test_masked_fill_value_gradient_gradcheck() -> None:
    x = nt.tensor(np.random.default_rng(6).standard_normal((3, 4)), requires_grad=True)
    v = nt.tensor(0.7, dtype=nt.float64, requires_grad=True)
    assert nt.autograd.gradcheck(lambda a, b: a.masked_fill(a > 0, b) * a, (x, v))


def test_masked_fill_in_place_with_a_value_tensor_records_it() -> None:
    x = nt.tensor(np.arange(-3.0, 3.0), requires_grad=True)
    v = nt.tensor(2.0, requires_grad=True)
    y = x * 1.0
    y.masked_fill_(y > 0, v)
    y.sum().backward()
    assert v.grad.item() == 2.0  # two positions (1.0, 2.0) were filled


def test_masked_fill_rejects_a_value_tensor_with_dimensions() -> None:
    x = nt.zeros(2, 3)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(x == 0, nt.ones(3))
