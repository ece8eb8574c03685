"""nn modules: sparse (in progress)."""

__all__: list[str] = []
