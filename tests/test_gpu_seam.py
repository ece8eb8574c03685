"""The numpy/cupy seam: clear errors without a GPU, device checks, and GPU round trips.

Tests marked ``gpu`` run only where cupy and an NVIDIA GPU exist (see scripts/gpu-check.sh).
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import nettrain as nt
from nettrain import backend
from nettrain.errors import BackendUnavailableError

needs_gpu = pytest.mark.skipif(
    not backend.cuda_is_available(), reason="cuda: cupy or an NVIDIA GPU is not available"
)


@pytest.mark.skipif(backend.cuda_is_available(), reason="this machine has a usable GPU")
@pytest.mark.parametrize(
    "make",
    [
        lambda: nt.zeros(2, device="cuda"),
        lambda: nt.tensor([1.0]).cuda(),
        lambda: nt.tensor([1.0]).to("cuda:0"),
        lambda: nt.randn(3, device="cuda"),
    ],
)
def test_cuda_without_gpu_says_what_to_install(make):
    with pytest.raises(BackendUnavailableError) as info:
        make()
    message = str(info.value)
    assert "cuda" in message
    assert "pip install" in message or "nvidia-smi" in message or "GPU" in message


@pytest.mark.parametrize(
    "spec, kind, index",
    [
        ("cpu", "cpu", None),
        ("cuda", "cuda", None),
        ("cuda:1", "cuda", 1),
        (" cuda:0 ", "cuda", 0),
    ],
)
def test_device_parsing(spec, kind, index):
    dev = nt.device(spec)
    assert (dev.type, dev.index) == (kind, index)


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cpu:1", "tpu"])
def test_bad_device_names_are_explained(spec):
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'cuda:N'|no index"):
        nt.device(spec)


class _FakeDeviceArray:
    """Stands in for a cupy array on GPU 0 so the device check can run without a GPU."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim
        self.device = types.SimpleNamespace(id=0)


def test_mixing_devices_in_one_op_names_both(monkeypatch):
    fake_cupy = types.SimpleNamespace(ndarray=_FakeDeviceArray)
    monkeypatch.setattr(backend, "_cupy", fake_cupy)
    on_gpu = nt.Tensor._make(_FakeDeviceArray(np.ones(3, np.float32)))
    on_cpu = nt.ones(3)
    with pytest.raises(
        RuntimeError,
        match=r"Mul: expected all tensors to be on the same device"
        r".*(cpu and cuda:0|cuda:0 and cpu)",
    ):
        on_cpu * on_gpu


def test_same_device_check_accepts_one_device():
    backend.check_same_device("Add", [np.zeros(2), np.zeros(3), 2.0, None])


@needs_gpu
@pytest.mark.gpu
def test_ops_and_backward_match_between_cpu_and_gpu():
    x_cpu = nt.randn(5, 4, requires_grad=True)
    x_gpu = x_cpu.detach().cuda().requires_grad_()
    for x in (x_cpu, x_gpu):
        ((x.tanh() @ x.T).relu().sum() + x.logsumexp(1).mean()).backward()
    np.testing.assert_allclose(x_gpu.grad.cpu().numpy(), x_cpu.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert x_gpu.grad.device == nt.device("cuda:0")


@needs_gpu
@pytest.mark.gpu
def test_module_and_optimizer_state_move_to_gpu_and_train():
    model = nt.nn.Sequential(nt.nn.Linear(4, 8), nt.nn.ReLU(), nt.nn.Linear(8, 3)).cuda()
    opt = nt.optim.Adam(model.parameters(), lr=0.01)
    x, y = nt.randn(16, 4, device="cuda"), nt.randint(0, 3, (16,), device="cuda")
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = nt.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert all(s["exp_avg"].device.type == "cuda" for s in opt.state.values())


@needs_gpu
@pytest.mark.gpu
def test_checkpoint_written_on_gpu_loads_on_cpu_identically(tmp_path):
    model = nt.nn.Linear(3, 2).cuda()
    nt.save(model.state_dict(), tmp_path / "gpu.safetensors")
    loaded = nt.load(tmp_path / "gpu.safetensors")
    cpu_model = nt.nn.Linear(3, 2)
    cpu_model.load_state_dict(loaded)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.cpu().numpy(), cpu_model.state_dict()[name].numpy())
    back = nt.load(tmp_path / "gpu.safetensors", map_location="cuda")
    assert all(t.device.type == "cuda" for t in back.values())


@needs_gpu
@pytest.mark.gpu
def test_optimizer_state_follows_a_model_moved_after_a_cpu_step():
    model = nt.nn.Linear(4, 3)
    opt = nt.optim.Adam(model.parameters(), lr=0.01)
    model(nt.randn(5, 4)).sum().backward()
    opt.step()
    model.cuda()
    opt.zero_grad()
    model(nt.randn(5, 4, device="cuda")).sum().backward()
    opt.step()
    assert all(s["exp_avg"].device.type == "cuda" for s in opt.state.values())
