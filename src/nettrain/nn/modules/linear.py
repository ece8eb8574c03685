"""nn modules: linear (in progress)."""

__all__: list[str] = []
