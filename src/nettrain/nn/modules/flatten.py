"""nn modules: flatten (in progress)."""

__all__: list[str] = []
