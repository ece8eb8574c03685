"""nn modules: rnn (in progress)."""

__all__: list[str] = []
