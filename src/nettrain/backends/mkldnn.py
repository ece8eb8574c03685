"""``backends.mkldnn``: oneDNN switches; nettrain's CPU math is numpy's, so unused."""

enabled = True
deterministic = False


def is_available() -> bool:
    """False: nettrain does not call oneDNN."""
    return False
