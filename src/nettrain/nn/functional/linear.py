"""nn.functional: linear (in progress)."""

__all__: list[str] = []
