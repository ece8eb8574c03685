"""nn.functional: loss (in progress)."""

__all__: list[str] = []
