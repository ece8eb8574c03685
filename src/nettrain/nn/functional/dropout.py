"""nn.functional: dropout (in progress)."""

__all__: list[str] = []
