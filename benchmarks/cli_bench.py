"""The ``cli`` workload: ``nettrain train`` against the same loop written with the library."""

from __future__ import annotations


def section(rounds: int) -> list[str]:
    """Lines for the report (a note while the CLI's train command is not measurable)."""
    return ["cli: not measured yet (the `nettrain train` workload is added once the CLI lands)"]
