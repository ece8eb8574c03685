"""``backends.cuda``: CUDA math switches (TF32, reduced-precision reductions, SDPA kernels).

nettrain's GPU math is cupy's float32/float64, so these are recorded and never used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class _Matmul:
    """``backends.cuda.matmul``: ``allow_tf32`` and the reduced-precision flags."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """True when cupy (nettrain's CUDA backend) can be imported."""
    from nettrain.backend import _load_cupy

    return _load_cupy() is not None


def flash_sdp_enabled() -> bool:
    """Whether the flash attention kernel may be used (a recorded flag)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Record the flash attention switch (nettrain has one attention implementation)."""
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention kernel may be used (a recorded flag)."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Record the memory-efficient attention switch."""
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """Whether the reference attention implementation may be used (a recorded flag)."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Record the reference attention switch."""
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether the cuDNN attention kernel may be used (a recorded flag)."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Record the cuDNN attention switch."""
    _sdp["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(
    enable_flash: bool = True,
    enable_math: bool = True,
    enable_mem_efficient: bool = True,
    enable_cudnn: bool = True,
) -> Iterator[None]:
    """Set the attention switches inside a ``with`` block (PyTorch's deprecated form)."""
    saved = dict(_sdp)
    _sdp.update(
        flash=enable_flash,
        math=enable_math,
        mem_efficient=enable_mem_efficient,
        cudnn=enable_cudnn,
    )
    try:
        yield
    finally:
        _sdp.clear()
        _sdp.update(saved)


def preferred_linalg_library(backend: Any = None) -> Any:
    """Accepted and ignored: cupy picks its own linear-algebra library."""
    return backend
