"""nn.utils (in progress)."""
