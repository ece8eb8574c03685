"""Chunked, threaded optimizer updates (optim/_chunked.py): the same bits however they run,
PyTorch's numbers on parameters large enough to be split, and worker errors surfaced."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import SGD, Adam, AdamW, _chunked

# sizes that cross chunk boundaries, a total above the threaded minimum, and a tiny one
SHAPES = [(3 * _chunked.CHUNK + 123,), (_chunked.CHUNK + 7, 2), (3, 5)]


def _params_and_grads(seed: int = 0) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(4)]
    return params, grads


def _run_nettrain(cls: type, kwargs: dict, threads: int, chunk: int, monkeypatch) -> list:
    monkeypatch.setattr(_chunked, "THREADS", threads)
    monkeypatch.setattr(_chunked, "CHUNK", chunk)
    start, grads = _params_and_grads()
    params = [nt.tensor(p, requires_grad=True) for p in start]
    opt = cls(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = nt.tensor(g)
        opt.step()
    keys = ("momentum_buffer",) if cls is SGD else ("exp_avg", "exp_avg_sq")
    state = [opt.state[p].get(key) for p in params for key in keys]
    return [p.detach().numpy() for p in params] + [t.numpy() for t in state if t is not None]


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (Adam, {"lr": 0.01}),
        (Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
        (AdamW, {"lr": 0.01}),
        (SGD, {"lr": 0.01}),
        (SGD, {"lr": 0.01, "momentum": 0.9}),
        (SGD, {"lr": 0.01, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
        (SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ],
    ids=[
        "adam",
        "adam-amsgrad-wd-maximize",
        "adamw",
        "sgd",
        "sgd-momentum",
        "sgd-damp-wd",
        "sgd-nesterov-maximize",
    ],
)
def test_threads_and_chunk_sizes_give_identical_bits(cls, kwargs, monkeypatch) -> None:
    reference = _run_nettrain(cls, kwargs, threads=1, chunk=1 << 30, monkeypatch=monkeypatch)
    for threads, chunk in [(2, _chunked.CHUNK), (3, 1000), (1, 4096)]:
        result = _run_nettrain(cls, kwargs, threads=threads, chunk=chunk, monkeypatch=monkeypatch)
        for got, want in zip(result, reference):
            assert np.array_equal(got, want)


def test_large_params_match_torch_with_a_missing_grad_and_a_reload() -> None:
    torch = pytest.importorskip("torch")
    start, grads = _params_and_grads(seed=1)
    ours = [nt.tensor(p, requires_grad=True) for p in start]
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    opt_n = Adam(ours, lr=0.01, amsgrad=True)
    opt_t = torch.optim.Adam(theirs, lr=0.01, amsgrad=True)
    for step, step_grads in enumerate(grads):
        for k, (pn, pt, g) in enumerate(zip(ours, theirs, step_grads)):
            skip = step == 1 and k == 0  # no grad this step: its state must not advance
            pn.grad = None if skip else nt.tensor(g)
            pt.grad = None if skip else torch.tensor(g)
        opt_n.step()
        opt_t.step()
        if step == 2:  # continue from a state_dict in a fresh optimizer
            saved = opt_n.state_dict()
            opt_n = Adam(ours, lr=0.01, amsgrad=True)
            opt_n.load_state_dict(saved)
    assert float(opt_n.state[ours[0]]["step"]) == float(opt_t.state[theirs[0]]["step"]) == 3
    for pn, pt in zip(ours, theirs):
        np.testing.assert_allclose(pn.detach().numpy(), pt.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
        {"lr": 0.01, "momentum": 0.9, "dampening": 0.5, "maximize": True},
    ],
)
def test_sgd_large_params_match_torch_with_a_missing_grad_and_a_reload(kwargs: dict) -> None:
    """Chunked, threaded SGD: PyTorch's trajectory, the first buffer being the gradient."""
    torch = pytest.importorskip("torch")
    start, grads = _params_and_grads(seed=2)
    ours = [nt.tensor(p, requires_grad=True) for p in start]
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    opt_n, opt_t = SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs)
    for step, step_grads in enumerate(grads):
        for k, (pn, pt, g) in enumerate(zip(ours, theirs, step_grads)):
            skip = step == 0 and k == 0  # its buffer is created a step later
            pn.grad = None if skip else nt.tensor(g)
            pt.grad = None if skip else torch.tensor(g)
        opt_n.step()
        opt_t.step()
        if step == 1:
            saved = opt_n.state_dict()
            opt_n = SGD(ours, **kwargs)
            opt_n.load_state_dict(saved)
    for pn, pt in zip(ours, theirs):
        np.testing.assert_allclose(pn.detach().numpy(), pt.detach().numpy(), rtol=1e-5, atol=1e-6)
        buf_n, buf_t = opt_n.state[pn]["momentum_buffer"], opt_t.state[pt]["momentum_buffer"]
        np.testing.assert_allclose(buf_n.numpy(), buf_t.numpy(), rtol=1e-5, atol=1e-6)


def test_a_worker_error_reaches_the_caller() -> None:
    arrays = [[np.zeros(2 * _chunked.THREADED_MIN, np.float32)]]

    def kernel(chunks, scratch, scalars) -> None:
        if chunks[0].base is not None and chunks[0].size and scalars[0] == "boom":
            raise ValueError("kernel failed")

    with pytest.raises(ValueError, match="kernel failed"):
        _chunked.run_chunked(kernel, arrays, [("boom",)], work=0, threads=2)


def test_whole_arrays_for_strided_input() -> None:
    base = np.zeros((4, 6), np.float32)
    view = base[:, ::2]  # not contiguous: one call on the whole array, not chunks
    seen = []
    _chunked.run_chunked(
        lambda chunks, scratch, scalars: seen.append((chunks[0].shape, scratch[0].shape)),
        [[view]],
        [()],
        work=1,
    )
    assert seen == [((4, 3), (4, 3))]


@pytest.mark.parametrize("value, expected", [("1", 1), ("4", 4), (" ", 1), ("", 1)])
def test_thread_count_from_the_environment(value, expected, monkeypatch) -> None:
    monkeypatch.setenv("NETTRAIN_OPTIM_THREADS", value)
    assert _chunked._thread_count() == expected


def test_thread_count_defaults_to_one(monkeypatch) -> None:
    monkeypatch.delenv("NETTRAIN_OPTIM_THREADS", raising=False)
    assert _chunked._thread_count() == 1


@pytest.mark.parametrize("value", ["two", "0", "-3"])
def test_bad_thread_count_warns_and_uses_one(value, monkeypatch) -> None:
    monkeypatch.setenv("NETTRAIN_OPTIM_THREADS", value)
    with pytest.warns(UserWarning, match=f"NETTRAIN_OPTIM_THREADS='{value}' is not a positive"):
        assert _chunked._thread_count() == 1
