"""Tensor factories against PyTorch: values, shapes and dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt

FACTORIES = {
    "tensor_nested": lambda L: L.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "tensor_ints": lambda L: L.tensor([[1, 2], [3, 4]]),
    "tensor_mixed": lambda L: L.tensor([1, 2.5]),
    "tensor_scalar": lambda L: L.tensor(3),
    "tensor_bools": lambda L: L.tensor([True, False]),
    "tensor_dtype": lambda L: L.tensor([1, 2], dtype=L.float64),
    "tensor_empty": lambda L: L.tensor([]),
    "tensor_of_tensors": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "tensor_from_numpy_f64": lambda L: L.tensor(np.arange(3.0)),
    "tensor_from_numpy_i32": lambda L: L.tensor(np.arange(3, dtype=np.int32)),
    "as_tensor": lambda L: L.as_tensor([1.0, 2.0]),
    "from_numpy": lambda L: L.from_numpy(np.ones((2, 2), dtype=np.float32)),
    "zeros": lambda L: L.zeros(2, 3),
    "zeros_tuple": lambda L: L.zeros((2, 3), dtype=L.int64),
    "zeros_list": lambda L: L.zeros([4]),
    "zeros_scalar_shape": lambda L: L.zeros(()),
    "ones": lambda L: L.ones(3, dtype=L.float64),
    "full": lambda L: L.full((2, 2), 7.0),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2,), True),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, 3, dtype=L.float64)),
    "ones_like": lambda L: L.ones_like(L.tensor([1, 2])),
    "ones_like_dtype": lambda L: L.ones_like(L.tensor([1, 2]), dtype=L.float32),
    "full_like": lambda L: L.full_like(L.ones(2), 3.5),
    "empty_shape": lambda L: L.empty(2, 5).shape,
    "empty_like_shape": lambda L: L.empty_like(L.ones(3, 1)).shape,
    "arange_stop": lambda L: L.arange(5),
    "arange_start_stop_step": lambda L: L.arange(1, 10, 3),
    "arange_float": lambda L: L.arange(0, 1, 0.25),
    "arange_float_dtype": lambda L: L.arange(4, dtype=L.float64),
    "linspace": lambda L: L.linspace(0, 1, 5),
    "linspace_one": lambda L: L.linspace(2, 3, 1),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 4),
    "new_zeros": lambda L: L.ones(2, dtype=L.float64).new_zeros(3),
    "new_ones": lambda L: L.tensor([1, 2]).new_ones((2, 2)),
    "new_full": lambda L: L.ones(1).new_full((2,), 4.0),
    "new_tensor": lambda L: L.ones(1, dtype=L.float64).new_tensor([1, 2]),
    "legacy_float_tensor": lambda L: L.FloatTensor([1, 2]),
    "legacy_long_tensor": lambda L: L.LongTensor([1, 2]),
    "legacy_sizes": lambda L: L.FloatTensor(2, 3).shape,
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = FACTORIES[name](nt), FACTORIES[name](torch)
    if isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs)
        return
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_tensor_copies_but_from_numpy_and_as_tensor_share() -> None:
    array = np.zeros(3, dtype=np.float32)
    copied, shared, viewed = nt.tensor(array), nt.from_numpy(array), nt.as_tensor(array)
    array[0] = 1.0
    assert copied[0].item() == 0.0
    assert shared[0].item() == 1.0 and viewed[0].item() == 1.0


def test_requires_grad_argument() -> None:
    for t in (
        nt.zeros(2, requires_grad=True),
        nt.ones(2, requires_grad=True),
        nt.randn(2, requires_grad=True),
        nt.rand(2, requires_grad=True),
        nt.full((2,), 1.0, requires_grad=True),
        nt.tensor([1.0], requires_grad=True),
    ):
        assert t.requires_grad and t.is_leaf


def test_random_factories_shapes_dtypes_and_ranges() -> None:
    assert nt.randn(3, 4).shape == (3, 4) and nt.randn(3).dtype == nt.float32
    r = nt.rand(1000)
    assert r.min().item() >= 0.0 and r.max().item() < 1.0
    i = nt.randint(2, 5, (1000,))
    assert i.dtype == nt.int64 and set(i.tolist()) == {2, 3, 4}
    assert nt.randint(3, (2, 2)).shape == (2, 2)
    p = nt.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == nt.int64
    assert nt.randn_like(nt.ones(2, dtype=nt.float64)).dtype == nt.float64
    assert nt.rand_like(nt.ones(2, 2)).shape == (2, 2)
    assert nt.randn(2, dtype=nt.float64).dtype == nt.float64


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda: nt.zeros(-1), (TypeError, ValueError, RuntimeError)),
        (lambda: nt.zeros(2.5), (TypeError,)),
        (lambda: nt.tensor("abc"), (TypeError, ValueError)),
        (lambda: nt.tensor([[1, 2], [3]]), (TypeError, ValueError)),
        (lambda: nt.from_numpy([1, 2]), (TypeError,)),
    ],
)
def test_bad_arguments_raise(fn: object, error: tuple) -> None:
    with pytest.raises(error):
        fn()


def test_factories_on_device(device: str) -> None:
    x = nt.zeros(2, 3, device=device)
    assert x.device.type == device
    assert nt.ones(2, device=device).cpu().tolist() == [1.0, 1.0]
    assert nt.tensor([1, 2], device=device).cpu().tolist() == [1, 2]
    assert nt.arange(3, device=device).cpu().tolist() == [0, 1, 2]
