"""utils (data)."""
