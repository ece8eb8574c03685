"""The numpy/cupy seam: devices, array modules, and the error when cuda is missing."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nettrain as nt
from nettrain import backend
from nettrain.errors import BackendUnavailableError


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend cupy failed to import, whatever this machine has."""
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_checked", True)
    monkeypatch.setattr(backend, "_cupy_error", ModuleNotFoundError("No module named 'cupy'"))


@pytest.mark.parametrize(
    "make",
    [
        lambda: nt.zeros(2, device="cuda"),
        lambda: nt.ones(2, device=nt.device("cuda:0")),
        lambda: nt.tensor([1.0], device="cuda"),
        lambda: nt.tensor([1.0]).cuda(),
        lambda: nt.tensor([1.0]).to("cuda"),
        lambda: nt.randn(2, device="cuda"),
    ],
)
def test_cuda_without_cupy_says_how_to_install(no_cupy: None, make: object) -> None:
    with pytest.raises(BackendUnavailableError, match=r"pip install") as info:
        make()
    assert "cupy" in str(info.value)
    assert isinstance(info.value, RuntimeError)  # callers catching RuntimeError still work
    assert not backend.cuda_is_available()


@pytest.mark.parametrize(
    ("spec", "kind", "index", "text"),
    [
        ("cpu", "cpu", None, "cpu"),
        ("cuda", "cuda", None, "cuda"),
        ("cuda:1", "cuda", 1, "cuda:1"),
        (nt.device("cuda", 2), "cuda", 2, "cuda:2"),
    ],
)
def test_device_parsing(spec: object, kind: str, index: int | None, text: str) -> None:
    dev = nt.device(spec)
    assert dev.type == kind and dev.index == index and str(dev) == text
    assert backend.parse_device(spec) == dev


def test_device_equality_and_repr_like_torch() -> None:
    assert nt.device("cpu") == "cpu"
    assert nt.device("cuda:0") == nt.device("cuda")
    assert repr(nt.device("cpu")) == "device(type='cpu')"
    assert repr(nt.device("cuda:1")) == "device(type='cuda', index=1)"
    assert backend.parse_device(None) == nt.device("cpu")


@pytest.mark.parametrize("spec", ["tpu", "cuda:x", "gpu", "cpu:1"])
def test_bad_device_names_raise(spec: str) -> None:
    with pytest.raises(ValueError, match="device"):
        nt.device(spec)


def test_cpu_arrays_use_numpy() -> None:
    x = nt.ones(2)
    assert backend.get_array_module(x._data) is np
    assert backend.device_of(x._data) == nt.device("cpu")
    assert backend.array_module_for(nt.device("cpu")) is np
    assert backend.to_device(x._data, nt.device("cpu")) is x._data
    assert backend.to_numpy(x._data) is x._data
    assert backend.is_array(x._data) and not backend.is_array([1])


def test_tensor_round_trip_to_device(device: str) -> None:
    x = nt.tensor([[1.0, 2.0]], device=device, requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    assert x.grad.device == x.device
    back = x.detach().cpu()
    assert back.device == nt.device("cpu") and back.tolist() == [[1.0, 2.0]]
    assert x.to(device) is x


def test_cuda_is_available_is_a_bool() -> None:
    assert isinstance(nt.cuda.is_available(), bool)
    json.dumps(nt.cuda.is_available())


def test_cupy_13_is_refused_with_the_reason_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """cupy 13 promotes Python scalars by value; nettrain needs 14's NEP 50 rules."""
    import sys
    import types

    fake = types.ModuleType("cupy")
    fake.__version__ = "13.6.0"
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_checked", False)
    monkeypatch.setattr(backend, "_cupy_error", None)
    with pytest.raises(BackendUnavailableError) as info:
        backend.cupy_module()
    message = str(info.value)
    assert "cupy 13.6.0 is too old" in message and ">= 14" in message
    assert "gpu-cuda12" in message and "gpu-cuda13" in message


def test_cupy_14_is_accepted() -> None:
    assert backend._version_problem("14.2.0") is None
    assert backend._version_problem("15.0.0rc1") is None
