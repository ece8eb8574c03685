"""utils.data (in progress)."""
