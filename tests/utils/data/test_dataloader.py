"""DataLoader: reproducible shuffling, batching, drop_last, collate, fast TensorDataset path."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import nettrain as nt
from nettrain.utils.data import (
    DataLoader,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    default_collate,
)


def _dataset(n: int = 20, device: str = "cpu") -> TensorDataset:
    x = nt.arange(n * 3, dtype=nt.float32, device=device).reshape(n, 3)
    return TensorDataset(x, nt.arange(n, device=device))


def _order(loader: DataLoader) -> list[int]:
    return [i for _, y in loader for i in y.tolist()]


def test_same_seed_same_order_different_seed_different_order() -> None:
    ds = _dataset()
    first = _order(DataLoader(ds, batch_size=4, shuffle=True, seed=0))
    assert first == _order(DataLoader(ds, batch_size=4, shuffle=True, seed=0))
    assert first != _order(DataLoader(ds, batch_size=4, shuffle=True, seed=1))
    assert sorted(first) == list(range(20)) and first != list(range(20))


def test_generator_and_global_seed_give_reproducible_orders() -> None:
    ds = _dataset()

    def with_generator() -> list[int]:
        return _order(
            DataLoader(ds, batch_size=5, shuffle=True, generator=nt.Generator().manual_seed(7))
        )

    assert with_generator() == with_generator()
    nt.manual_seed(3)
    a = _order(DataLoader(ds, batch_size=5, shuffle=True))
    nt.manual_seed(3)
    assert _order(DataLoader(ds, batch_size=5, shuffle=True)) == a


def test_each_epoch_reshuffles_reproducibly() -> None:
    loader = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=0)
    epochs = [_order(loader) for _ in range(3)]
    again = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=0)
    assert epochs[0] != epochs[1] and [_order(again) for _ in range(3)] == epochs


@pytest.mark.parametrize("n", [1, 7, 8, 20])
@pytest.mark.parametrize("batch_size", [1, 3, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sizes_and_len_match_torch(n: int, batch_size: int, drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    ours = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    assert [len(y) for _, y in ours] == [len(b[0]) for b in theirs]


def test_sequential_batches_are_rows_in_order_and_copies(device: str) -> None:
    ds = _dataset(10, device)
    batches = list(DataLoader(ds, batch_size=4))
    x0, y0 = batches[0]
    assert x0.device.type == device and x0.shape == (4, 3) and y0.tolist() == [0, 1, 2, 3]
    x0.add_(100.0)
    assert ds.tensors[0][0].tolist() == [0.0, 1.0, 2.0]  # the dataset is untouched


def test_fast_tensor_dataset_path_equals_per_sample_collate(device: str) -> None:
    ds = _dataset(13, device)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, seed=5))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, seed=5, collate_fn=default_collate))
    assert len(fast) == len(slow) == 4
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
        np.testing.assert_array_equal(fx.cpu().numpy(), sx.cpu().numpy())
        np.testing.assert_array_equal(fy.cpu().numpy(), sy.cpu().numpy())


Point = namedtuple("Point", ["x", "label"])


class _Samples:
    """A plain indexable of structured samples."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int):  # noqa: ANN204
        rng = np.random.default_rng(i)
        array = rng.standard_normal(3).astype(np.float32)
        if self.kind == "tuple":
            return array, i, float(i) / 2, f"s{i}"
        if self.kind == "dict":
            return {"image": array, "meta": {"id": i, "ok": i % 2 == 0}, "pair": [i, i + 1]}
        return Point(array, i)


@pytest.mark.parametrize("kind", ["tuple", "dict", "namedtuple"])
def test_default_collate_matches_torch(kind: str) -> None:
    torch = pytest.importorskip("torch")
    ours = next(iter(DataLoader(_Samples(kind), batch_size=4)))
    theirs = next(iter(torch.utils.data.DataLoader(_Samples(kind), batch_size=4)))

    def compare(a: object, b: object) -> None:
        if isinstance(b, torch.Tensor):
            assert isinstance(a, nt.Tensor) and str(a.dtype) == str(b.dtype).replace(
                "torch", "nettrain"
            )
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        elif isinstance(b, dict):
            assert type(a) is type(b) and list(a) == list(b)
            for key in b:
                compare(a[key], b[key])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                compare(x, y)
        else:
            assert a == b

    compare(ours, theirs)


def test_collate_rejects_unbatchable_and_ragged_samples() -> None:
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"equal size, but got shapes \[\(2,\), \(3,\)\]"):
        default_collate([nt.zeros(2), nt.zeros(3)])


def test_batch_size_none_yields_samples() -> None:
    samples = list(DataLoader(_dataset(3), batch_size=None))
    assert len(samples) == 3 and samples[2][1].item() == 2


class _Stream(IterableDataset):
    def __iter__(self):  # noqa: ANN204
        yield from range(7)


def test_iterable_dataset_is_batched_in_stream_order() -> None:
    assert [b.tolist() for b in DataLoader(_Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(_Stream(), batch_size=3, drop_last=True))) == 2


def test_custom_sampler_and_batch_sampler() -> None:
    ds = _dataset(6)
    reverse = list(range(5, -1, -1))
    assert _order(DataLoader(ds, batch_size=4, sampler=reverse)) == reverse
    assert _order(DataLoader(ds, batch_sampler=[[4, 0], [2]])) == [4, 0, 2]
    assert _order(DataLoader(ds, batch_size=2, sampler=SequentialSampler(ds))) == list(range(6))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shuffle": True, "sampler": [0, 1]}, "sampler option is mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 4}, "batch_sampler option is mutually exclusive"),
        ({"seed": 1, "generator": nt.Generator()}, "either generator or seed"),
        ({"batch_size": 0}, "batch_size should be a positive integer"),
    ],
)
def test_conflicting_options_are_value_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataLoader(_dataset(4), **kwargs)
