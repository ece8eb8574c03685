"""``backends.openmp``: whether PyTorch was built with OpenMP; nettrain is not."""


def is_available() -> bool:
    """False: nettrain has no OpenMP kernels."""
    return False
