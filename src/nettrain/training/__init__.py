"""The nettrain tool as a library: configs, builders, the training loop, runs and checkpoints.

Imports neither typer nor rich, so scripts can train, evaluate and inspect without the CLI.
"""
