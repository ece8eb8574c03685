"""``backends.cpu``: CPU capability queries."""


def get_cpu_capability() -> str:
    """ "DEFAULT": nettrain has no vectorised kernels of its own (numpy has)."""
    return "DEFAULT"
