"""``backends.opt_einsum``: contraction-order switches; nettrain lets numpy choose."""

enabled = True
strategy = "auto"


def is_available() -> bool:
    """False: nettrain does not use the opt_einsum package."""
    return False
