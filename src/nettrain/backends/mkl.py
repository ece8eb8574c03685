"""``backends.mkl``: whether PyTorch was built with MKL; nettrain uses numpy's BLAS."""


def is_available() -> bool:
    """False: nettrain does not link MKL itself."""
    return False
