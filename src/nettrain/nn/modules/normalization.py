"""nn modules: normalization (in progress)."""

__all__: list[str] = []
