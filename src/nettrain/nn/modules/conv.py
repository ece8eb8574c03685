"""nn modules: conv (in progress)."""

__all__: list[str] = []
