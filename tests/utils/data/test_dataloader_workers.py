"""DataLoader(num_workers>0): forked workers give num_workers=0's batches in its order,
seed each worker with base_seed + id, re-raise worker errors naming the worker and sample,
and leave no process or shared-memory segment behind however the loop ends."""

from __future__ import annotations

import gc
import inspect
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nettrain as nt
from nettrain.utils.data import (
    DataLoader,
    Dataset,
    TensorDataset,
    _worker,
    get_worker_info,
)

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers need fork"
)


class Samples(Dataset):
    """Dict samples mixing tensors, arrays, ints and strings; raises at ``bad`` indices."""

    def __init__(self, n: int = 23, bad: tuple[int, ...] = (), delay: float = 0.0) -> None:
        self.n, self.bad, self.delay = n, bad, delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        if i in self.bad:
            raise ValueError(f"sample {i} is corrupt")
        if self.delay:
            time.sleep(self.delay)
        return {
            "x": nt.tensor(np.arange(3, dtype=np.float32) + i),
            "y": np.int64(i % 3),
            "pair": (i, np.array([i, -i], dtype=np.int16)),
            "name": f"s{i}",
        }


class Seeds(Dataset):
    """Per sample: the worker's id, seed, nettrain's initial seed, a draw, and its pid."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int) -> tuple:
        info = get_worker_info()
        draw = float(nt.rand(1).item())
        return (info.id, info.seed, nt.initial_seed(), draw, os.getpid(), _INIT.get("id", -1))


_INIT: dict[str, int] = {}


def _record_init(worker_id: int) -> None:
    _INIT["id"] = worker_id  # runs in the worker: the parent's copy is untouched


def _as_lists(batch: Any) -> Any:
    if isinstance(batch, nt.Tensor):
        return (str(batch.dtype), batch.tolist())
    if isinstance(batch, np.ndarray):
        return ("np", str(batch.dtype), batch.tolist())
    if isinstance(batch, dict):
        return {k: _as_lists(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_as_lists(v) for v in batch]
    return batch


def _epoch(loader: DataLoader) -> list:
    return [_as_lists(b) for b in loader]


@pytest.fixture
def segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Records the name of every segment a worker creates (forked workers inherit this)."""
    log = tmp_path / "segments.txt"
    original = _worker.shared_memory.SharedMemory

    class Recording(original):  # type: ignore[misc, valid-type]
        def __init__(self, name: str | None = None, create: bool = False, size: int = 0):
            super().__init__(name=name, create=create, size=size)
            if create:
                with open(log, "a") as f:
                    f.write(self.name + "\n")

    monkeypatch.setattr(_worker.shared_memory, "SharedMemory", Recording)
    return log


def _assert_clean(log: Path) -> None:
    """No worker process alive, and every recorded segment unlinked."""
    gc.collect()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    names = log.read_text().split() if log.exists() else []
    left = [n for n in names if Path("/dev/shm", n.lstrip("/")).exists()]
    assert left == [], f"shared-memory segments leaked: {left}"


@pytest.mark.parametrize("num_workers", [1, 2, 3])
@pytest.mark.parametrize(
    "options",
    [
        {"batch_size": 4},
        {"batch_size": 4, "shuffle": True, "drop_last": True},
        {"batch_size": 5, "shuffle": True, "prefetch_factor": 1},
        {"batch_size": None},
        {"batch_size": 3, "collate_fn": lambda samples: [s["name"] for s in samples]},
    ],
    ids=["plain", "shuffle_drop_last", "prefetch_1", "unbatched", "custom_collate"],
)
def test_same_batches_in_the_same_order_as_in_process(
    num_workers: int, options: dict, segments: Path
) -> None:
    options = dict(options)
    prefetch = options.pop("prefetch_factor", None)
    in_process = _epoch(DataLoader(Samples(), seed=7, **options))
    workers = _epoch(
        DataLoader(Samples(), seed=7, num_workers=num_workers, prefetch_factor=prefetch, **options)
    )
    assert workers == in_process
    assert len(workers) > 1
    _assert_clean(segments)


def test_tensor_dataset_fast_path_and_dtypes_survive_the_transfer(segments: Path) -> None:
    x = nt.tensor(np.random.default_rng(0).standard_normal((50, 3, 2)).astype(np.float32))
    y = nt.arange(50)
    ds = TensorDataset(x, y.to(nt.int32))
    expected = list(DataLoader(ds, batch_size=8, shuffle=True, seed=1))
    got = list(DataLoader(ds, batch_size=8, shuffle=True, seed=1, num_workers=2))
    assert len(got) == len(expected) == 7
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert gx.dtype == nt.float32 and gy.dtype == nt.int32
        np.testing.assert_array_equal(gx.numpy(), ex.numpy())
        np.testing.assert_array_equal(gy.numpy(), ey.numpy())
    _assert_clean(segments)


def test_a_global_seed_gives_the_same_orders_as_in_process_epoch_after_epoch() -> None:
    nt.manual_seed(3)
    loader = DataLoader(Samples(), batch_size=4, shuffle=True)
    in_process = [_epoch(loader) for _ in range(3)]
    after_in_process = float(nt.rand(1).item())
    nt.manual_seed(3)
    loader = DataLoader(Samples(), batch_size=4, shuffle=True, num_workers=2)
    assert [_epoch(loader) for _ in range(3)] == in_process
    # the workers' seeds are not drawn from the stream: the global state moved identically
    assert float(nt.rand(1).item()) == after_in_process


def test_each_worker_is_seeded_with_base_seed_plus_its_id(segments: Path) -> None:
    loader = DataLoader(Seeds(), batch_size=2, num_workers=3, worker_init_fn=_record_init, seed=5)
    iterator = iter(loader)
    rows = [row for batch in iterator for row in zip(*(c.tolist() for c in batch))]
    base = iterator.base_seed
    assert isinstance(base, int)
    by_worker: dict[int, set] = {}
    for worker_id, seed, initial, _draw, pid, init_id in rows:
        assert seed == base + worker_id  # PyTorch's rule
        assert initial == seed  # nettrain's generator is seeded with it
        assert init_id == worker_id  # worker_init_fn ran in that worker, with its id
        by_worker.setdefault(worker_id, set()).add(pid)
    assert sorted(by_worker) == [0, 1, 2]
    assert all(len(pids) == 1 for pids in by_worker.values())
    assert len({next(iter(p)) for p in by_worker.values()} | {os.getpid()}) == 4
    # batch k went to worker k % 3 (round robin), so the first draw of each worker is the
    # first draw from its seed
    for worker_id in range(3):
        first = next(r for r in rows if r[0] == worker_id)
        expected = float(nt.rand(1, generator=nt.Generator().manual_seed(base + worker_id)).item())
        assert first[3] == pytest.approx(expected, rel=1e-6)
    assert _INIT == {}  # the parent's copy never ran worker_init_fn
    again = iter(DataLoader(Seeds(), batch_size=2, num_workers=3, seed=5))
    next(again)
    assert again.base_seed == base  # the same generator seed, the same worker seeds
    del again
    _assert_clean(segments)


def test_get_worker_info_is_none_in_the_parent() -> None:
    assert get_worker_info() is None


def test_a_worker_error_is_reraised_naming_the_worker_and_the_sample(segments: Path) -> None:
    # batch 2 holds samples 4 and 5 and goes to worker 2 % 2 = 0
    loader = DataLoader(Samples(bad=(5,)), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        _epoch(loader)
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0 while loading sample 5" in message
    assert "sample 5 is corrupt" in message  # the worker's own traceback follows
    _assert_clean(segments)


def test_a_worker_init_fn_error_is_reraised() -> None:
    def broken(worker_id: int) -> None:
        raise KeyError(f"no config for worker {worker_id}")

    with pytest.raises(KeyError, match="DataLoader worker process 0 in worker_init_fn"):
        _epoch(DataLoader(Samples(), batch_size=4, num_workers=1, worker_init_fn=broken))


def test_early_break_and_garbage_collection_leave_nothing_behind(segments: Path) -> None:
    loader = DataLoader(Samples(), batch_size=2, num_workers=3, prefetch_factor=4)
    for i, _ in enumerate(loader):
        if i == 1:
            break  # the other prefetched batches sit in shared memory until shutdown
    _assert_clean(segments)
    assert segments.read_text().split(), "the workers created no segments at all"
    iterator = iter(loader)
    next(iterator)
    del iterator
    _assert_clean(segments)


def test_persistent_workers_survive_epochs_and_match_in_process(segments: Path) -> None:
    loader = DataLoader(Seeds(), batch_size=3, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(3):
        rows = [row for batch in loader for row in zip(*(c.tolist() for c in batch))]
        pids.append({r[4] for r in rows})
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    assert len(multiprocessing.active_children()) == 2
    shuffled = DataLoader(Samples(), batch_size=4, shuffle=True, seed=2)
    persistent = DataLoader(
        Samples(), batch_size=4, shuffle=True, seed=2, num_workers=2, persistent_workers=True
    )
    for _ in range(2):
        assert _epoch(persistent) == _epoch(shuffled)
    for loader_ in (persistent, shuffled):  # a broken epoch: in-flight batches are dropped
        for i, _ in enumerate(loader_):
            if i == 0:
                break
    assert _epoch(persistent) == _epoch(shuffled)
    del loader, persistent
    _assert_clean(segments)


def test_timeout_raises_naming_the_wait() -> None:
    loader = DataLoader(Samples(delay=2.0), batch_size=2, num_workers=1, timeout=0.3)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(iter(loader))
    gc.collect()


def test_a_killed_worker_is_reported() -> None:
    loader = DataLoader(Samples(delay=0.5), batch_size=1, num_workers=1)
    iterator = iter(loader)
    os.kill(multiprocessing.active_children()[0].pid, 9)
    with pytest.raises(RuntimeError, match="DataLoader worker 0 .* exited unexpectedly"):
        list(iterator)


def test_pin_memory_is_accepted() -> None:
    got = _epoch(DataLoader(Samples(), batch_size=4, num_workers=2, pin_memory=True))
    assert got == _epoch(DataLoader(Samples(), batch_size=4, pin_memory=True))


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"num_workers": 2, "multiprocessing_context": "spawn"}, "use None or 'fork'"),
    ],
)
def test_bad_options_say_what_is_wrong(kwargs: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        DataLoader(Samples(), **kwargs)


def test_signature_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    assert [p for p in ours if p != "seed"] == list(theirs)
    for name, param in theirs.items():
        assert ours[name].default == param.default, name
