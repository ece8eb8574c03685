"""``backends.cudnn``: cuDNN switches; nettrain does not use cuDNN, so they change nothing."""

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """False: nettrain's GPU ops run on cupy, not cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN is loaded."""
    return
