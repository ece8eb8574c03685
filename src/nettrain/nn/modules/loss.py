"""nn modules: loss (in progress)."""

__all__: list[str] = []
