"""nn modules: container (in progress)."""

__all__: list[str] = []
