"""The nettrain tool as a library (in progress); imports neither typer nor rich."""
