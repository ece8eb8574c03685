"""nn modules: pooling (in progress)."""

__all__: list[str] = []
