"""The nettrain command line (in progress)."""
