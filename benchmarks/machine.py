"""What a benchmark ran on: CPU model, cores, BLAS (name, version, kernel), threads.

Every table in benchmarks/README.md is headed with these lines, because the same ratios
differ by machine: PyTorch's MKL is far faster on Intel AVX-512 cores than on AMD ones,
and OpenBLAS picks its kernel at run time (``DYNAMIC_ARCH``), so the kernel it *uses* is
read from the library, not from numpy's build string.
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform


def cpu_model() -> str:
    """The ``model name`` of /proc/cpuinfo (``unknown`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def cpu_vector_extensions() -> str:
    """The widest x86 vector extension the CPU reports (AVX-512 changes BLAS speed)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(
                (line.split(":", 1)[1].split() for line in f if line.startswith("flags")), []
            )
    except OSError:
        return "unknown"
    for name in ("avx512f", "avx2", "avx", "sse4_2"):
        if name in flags:
            return name
    return "none listed"


def openblas_kernel() -> str | None:
    """The OpenBLAS core numpy's bundled library selected at run time, e.g. ``SkylakeX``."""
    import numpy as np

    pattern = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in glob.glob(pattern):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (
            "scipy_openblas_get_corename64_",
            "openblas_get_corename64_",
            "openblas_get_corename",
        ):
            function = getattr(lib, symbol, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return None


def describe(torch_threads_set: bool = False) -> list[str]:
    """Lines naming the machine, numpy's BLAS and kernel, and PyTorch's BLAS and threads."""
    import numpy as np

    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, CPU {cpu_model()} "
        f"(vector extensions up to {cpu_vector_extensions()})",
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        kernel = openblas_kernel()
        lines.append(
            f"numpy BLAS: {blas.get('name')} {blas.get('version')}"
            + (f", kernel {kernel}" if kernel else "")
        )
    except Exception:  # an unusual numpy build: the line is informative, not essential
        pass
    try:
        import torch

        how = "set by --torch-threads" if torch_threads_set else "default"
        config = torch.__config__.show()
        blas = "MKL" if "Math Kernel Library" in config else "its bundled BLAS"
        lines.append(
            f"torch {torch.__version__}, BLAS {blas}, CPU capability "
            f"{torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads ({how})"
        )
    except ImportError:
        lines.append("torch: not installed (PyTorch columns empty)")
    env = {k: v for k, v in os.environ.items() if "THREAD" in k or k.startswith("MALLOC")}
    if env:
        lines.append(f"environment: {env}")
    return lines
