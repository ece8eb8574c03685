"""nn.functional: normalization (in progress)."""

__all__: list[str] = []
