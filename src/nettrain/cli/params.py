"""Parsers for numeric options, so a bad value is echoed back with what was expected.

Typer's own conversion says "Input should be a valid integer" without the value; these
say ``--seed: 'abc' is not an integer`` instead.
"""

from __future__ import annotations

import typer


def parse_int(value: str | int) -> int:
    """An integer option value (``--seed 42``)."""
    if isinstance(value, int):
        return value
    try:
        return int(value.strip(), 10)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an integer (e.g. 42)") from None


def parse_float(value: str | float) -> float:
    """A real-number option value (``--eps 1e-6``)."""
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a number (e.g. 1e-6)") from None
