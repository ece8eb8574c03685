"""nn modules: activation (in progress)."""

__all__: list[str] = []
