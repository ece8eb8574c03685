"""nn.functional: conv (in progress)."""

__all__: list[str] = []
