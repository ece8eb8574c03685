"""nn modules: module (in progress)."""

__all__: list[str] = []
