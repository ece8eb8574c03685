"""nn.functional: pooling (in progress)."""

__all__: list[str] = []
