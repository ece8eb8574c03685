"""The torch-namespace pieces everyday programs touch: backends flags, compile, matmul
precision, cuda and accelerator queries, device, Generator, Tensor.is_* and new_*."""

from __future__ import annotations

import pytest

import nettrain as nt
import nettrain.backends.cudnn as cudnn


def test_backend_flags_are_settable_no_ops() -> None:
    cudnn.benchmark = True
    nt.backends.cudnn.deterministic = True
    nt.backends.cuda.matmul.allow_tf32 = True
    nt.backends.cudnn.allow_tf32 = True
    assert nt.backends.cudnn.benchmark and nt.backends.cuda.matmul.allow_tf32
    assert nt.backends.cudnn.enabled
    assert not nt.backends.mps.is_available() and not nt.backends.mps.is_built()
    assert not nt.backends.cudnn.is_available() and not nt.backends.mkldnn.is_available()
    assert isinstance(nt.backends.cuda.is_built(), bool)
    nt.backends.cuda.enable_flash_sdp(False)
    assert not nt.backends.cuda.flash_sdp_enabled()
    nt.backends.cuda.enable_flash_sdp(True)
    with nt.backends.cuda.sdp_kernel(enable_flash=False):
        assert not nt.backends.cuda.flash_sdp_enabled()
    assert nt.backends.cuda.flash_sdp_enabled()
    cudnn.benchmark = nt.backends.cudnn.deterministic = False
    nt.backends.cuda.matmul.allow_tf32 = False


def test_torch_has_the_same_backend_names() -> None:
    torch = pytest.importorskip("torch")
    for name in ("benchmark", "deterministic", "enabled", "allow_tf32", "is_available"):
        assert hasattr(torch.backends.cudnn, name) and hasattr(nt.backends.cudnn, name)
    assert hasattr(torch.backends.cuda.matmul, "allow_tf32")


def test_compile_returns_the_model_unchanged() -> None:
    model = nt.nn.Linear(2, 3)
    assert nt.compile(model) is model
    assert nt.compile(model, mode="max-autotune", fullgraph=True, dynamic=False) is model

    @nt.compile
    def bare(x: nt.Tensor) -> nt.Tensor:
        return x + 1

    @nt.compile(backend="inductor")
    def called(x: nt.Tensor) -> nt.Tensor:
        return x * 2

    assert bare(nt.ones(1)).item() == 2.0 and called(nt.ones(1)).item() == 2.0


def test_float32_matmul_precision() -> None:
    assert nt.get_float32_matmul_precision() == "highest"
    nt.set_float32_matmul_precision("high")
    assert nt.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning, match="is not one of"):
        nt.set_float32_matmul_precision("fastest")
    assert nt.get_float32_matmul_precision() == "high"
    nt.set_float32_matmul_precision("highest")


def test_deterministic_algorithms_flag() -> None:
    nt.use_deterministic_algorithms(True, warn_only=True)
    assert nt.are_deterministic_algorithms_enabled()
    nt.use_deterministic_algorithms(False)
    assert not nt.are_deterministic_algorithms_enabled()


def test_num_threads_is_recorded() -> None:
    before = nt.get_num_threads()
    assert before >= 1
    nt.set_num_threads(1)
    assert nt.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="positive integer"):
        nt.set_num_threads(0)


def test_cuda_and_accelerator_queries() -> None:
    available = nt.cuda.is_available()
    assert nt.accelerator.is_available() == available
    assert (nt.cuda.device_count() > 0) == available
    expected = nt.device("cuda") if available else None
    assert nt.accelerator.current_accelerator() == expected
    nt.cuda.synchronize()  # a no-op without a GPU, never an error
    nt.cuda.empty_cache()
    assert not nt.cuda.is_bf16_supported()


def test_cuda_seeding_seeds_the_shared_stream() -> None:
    nt.cuda.manual_seed(3)
    a = nt.rand(3)
    nt.cuda.manual_seed_all(3)
    assert nt.rand(3).tolist() == a.tolist()


def test_device_idioms() -> None:
    dev = nt.device("cuda" if nt.cuda.is_available() else "cpu")
    assert dev.type in ("cpu", "cuda")
    assert nt.device("cuda:1").index == 1 and nt.device("cuda", 0).type == "cuda"
    assert nt.device("cpu").index is None
    assert nt.device(nt.device("cpu")) == nt.device("cpu")
    assert nt.zeros(1, device=dev).device == dev


def test_tensor_device_predicates_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nt.zeros(2), torch.zeros(2)
    for name in ("is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_sparse"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.is_complex() == theirs.is_complex()
    assert ours.pin_memory() is ours and not ours.is_pinned()


def test_generator_idioms() -> None:
    g = nt.Generator(device="cpu").manual_seed(42)
    a = nt.randn(3, generator=g)
    g.manual_seed(42)
    assert nt.randn(3, generator=g).tolist() == a.tolist()
    assert g.initial_seed() == 42


def test_new_factories_view_as_expand_as_type_as() -> None:
    x = nt.ones(2, 3, dtype=nt.float64)
    assert x.new_zeros(4).dtype == nt.float64 and x.new_zeros((2, 2)).shape == (2, 2)
    assert x.new_ones(2, 2).sum().item() == 4.0
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.new_empty(3).shape == (3,) and x.new_tensor([1, 2]).dtype == nt.float64
    assert x.new_zeros(2, dtype=nt.int64).dtype == nt.int64
    assert nt.arange(6).view_as(x).shape == (2, 3)
    assert nt.ones(3).expand_as(x).shape == (2, 3)
    assert nt.ones(2, dtype=nt.int64).type_as(x).dtype == nt.float64
    assert x.T.contiguous().is_contiguous()


def test_new_names_are_exported() -> None:
    names = ["sort", "einsum", "multinomial", "inference_mode", "compile", "backends", "cuda"]
    assert all(name in nt.__all__ and hasattr(nt, name) for name in names)
