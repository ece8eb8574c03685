"""``backends.mps``: Apple's Metal backend, which nettrain does not have."""


def is_available() -> bool:
    """False: nettrain runs on numpy (CPU) or cupy (NVIDIA GPUs) only."""
    return False


def is_built() -> bool:
    """False: nettrain has no MPS backend."""
    return False
