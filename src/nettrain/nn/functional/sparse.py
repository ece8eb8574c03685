"""nn.functional: sparse (in progress)."""

__all__: list[str] = []
