"""nn.init (in progress)."""
