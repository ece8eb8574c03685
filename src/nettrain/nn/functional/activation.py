"""nn.functional: activation (in progress)."""

__all__: list[str] = []
