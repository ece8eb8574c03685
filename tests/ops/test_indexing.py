"""``x[index]`` and ``x[index] = value`` with every index kind, with gradients."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

A = [((4, 3, 5),)]

GET = [
    Case("int", lambda L, x: x[1], A),
    Case("negative_int", lambda L, x: x[-1, 2], A),
    Case("ints_scalar", lambda L, x: x[1, 2, 3], A),
    Case("slice", lambda L, x: x[1:3], A),
    Case("slice_step", lambda L, x: x[::2, :, 1::2], A),
    Case("slice_negative", lambda L, x: x[-3:-1, :2], A),
    Case("none", lambda L, x: x[None, 1, None], A),
    Case("ellipsis", lambda L, x: x[..., 2], A),
    Case("ellipsis_mid", lambda L, x: x[1, ..., 1:3], A),
    Case("bool_mask", lambda L, x: x[x > 0], A),
    Case("bool_mask_rows", lambda L, x: x[L.tensor([True, False, True, True])], A),
    Case("int_list", lambda L, x: x[[0, 2]], A),
    Case("int_list_repeated", lambda L, x: x[[0, 2, 0, 0]], A),
    Case("int_tensor", lambda L, x: x[L.tensor([3, 1, 3])], A),
    Case("int_tensor_2d", lambda L, x: x[L.tensor([[0, 1], [1, 1]])], A),
    Case("int_arrays_pair", lambda L, x: x[L.tensor([0, 1, 1]), L.tensor([2, 2, 0])], A),
    Case("int_array_and_slice", lambda L, x: x[1:3, L.tensor([0, 0, 2])], A),
    Case("int_and_array", lambda L, x: x[:, 1, [4, 0, 4]], A),
]


def _set(index: object, value: object = None):
    def fn(L: object, x: object, v: object = None) -> object:
        y = x * 1.0
        y[index(L) if callable(index) else index] = value if v is None else v
        return y * 2.0

    return fn


SET = [
    Case("set_scalar", _set(1, 0.5), A),
    Case("set_slice_tensor", _set((slice(1, 3),)), [((4, 3, 5), (3, 5))]),
    Case("set_broadcast_value", _set((slice(None), 0)), [((4, 3, 5), (5,))]),
    Case("set_ellipsis", _set((Ellipsis, 2)), [((4, 3, 5), (4, 3))]),
    Case("set_int_array", _set(lambda L: L.tensor([0, 3])), [((4, 3, 5), (2, 3, 5))]),
    Case("set_mask", _set(lambda L: L.tensor([True, False, False, True])), [((4, 3, 5), (5,))]),
]


@pytest.mark.parametrize("case", params(GET + SET))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", params(GET + SET))
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)


def test_repeated_indices_accumulate_gradient() -> None:
    x = nt.zeros(3, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_basic_index_is_view_advanced_is_copy() -> None:
    x = nt.zeros(3, 4)
    x[1][2] = 7.0  # basic index: writes through
    assert x[1, 2].item() == 7.0
    x[[1]][0, 0] = 9.0  # advanced index: a copy
    assert x[1, 0].item() == 0.0


def test_setitem_on_leaf_requiring_grad_raises() -> None:
    x = nt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 2.0


def test_setitem_without_grad_writes_in_place() -> None:
    x = nt.zeros(2, 3)
    x[:, 1] = nt.tensor([1.0, 2.0])
    x[0] = 5
    np.testing.assert_array_equal(x.numpy(), [[5, 5, 5], [0, 2, 0]])


def test_setitem_value_gradient_flows_to_value() -> None:
    torch = pytest.importorskip("torch")
    v = nt.tensor([1.0, 2.0], requires_grad=True)
    tv = torch.tensor([1.0, 2.0], requires_grad=True)
    y = nt.zeros(3, 2)
    ty = torch.zeros(3, 2)
    y[1] = v * 3
    ty[1] = tv * 3
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


def test_index_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError):
        nt.zeros(3)[5]


def test_out_of_range_integer_index_raises_on_array_modules_that_wrap() -> None:
    """cupy wraps integer-array indices around; nettrain checks them (numpy stands in for
    the array values, a stand-in module for "not numpy")."""
    import types

    from nettrain.ops.indexing import check_integer_index

    not_numpy = types.SimpleNamespace()
    shape = (3, 4)
    check_integer_index(not_numpy, (np.array([0, 2, -3]),), shape)  # in range: no error
    check_integer_index(not_numpy, (slice(None), np.array([3, -4])), shape)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        check_integer_index(not_numpy, np.array([0, 3]), shape)
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        check_integer_index(not_numpy, (Ellipsis, np.array([-5])), shape)
    with pytest.raises(IndexError, match="dimension 1 with size 4"):
        check_integer_index(not_numpy, (None, slice(None), np.array([4])), shape)
    with pytest.raises(IndexError, match="dimension 2"):
        check_integer_index(not_numpy, (np.ones((3, 4), bool), np.array([9])), (3, 4, 2))


def test_gather_does_not_need_indices_sparse(monkeypatch: pytest.MonkeyPatch) -> None:
    """cupy.indices has no ``sparse``: gather builds its open grids from arange instead."""

    def no_sparse(*args: object, **kwargs: object) -> None:
        raise TypeError("indices() got an unexpected keyword argument 'sparse'")

    monkeypatch.setattr(np, "indices", no_sparse)
    x = nt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = nt.gather(x, 1, nt.tensor([[2, 0], [1, 1]]))
    assert out.tolist() == [[3.0, 1.0], [5.0, 5.0]]
