"""nn modules: dropout (in progress)."""

__all__: list[str] = []
