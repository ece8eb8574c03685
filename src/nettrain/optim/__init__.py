"""optim (in progress)."""
