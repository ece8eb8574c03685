"""``nettrain list``: every name a config can use, with its arguments."""

from typing import Annotated, Any

import typer
from rich.table import Table

from nettrain.cli.console import DebugOption, print_json, stdout


def list_registered(
    kind: Annotated[
        str | None,
        typer.Argument(
            help="Only one kind: modules, losses, optimizers, schedulers or datasets.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {kind: {name: [arguments]}} as JSON.")
    ] = False,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """List the registered modules, losses, optimizers, schedulers and datasets."""
    from nettrain.training.inspect import list_registered as collect

    found = collect(kind)
    if as_json:
        print_json(found)
        return
    console = stdout()
    for label, entries in found.items():
        table = Table(title=f"{label} ({len(entries)})", title_justify="left")
        table.add_column("type", style="bold")
        table.add_column("arguments", overflow="fold")
        for name, args in entries.items():
            table.add_row(name, ", ".join(_describe(a) for a in args) or "-")
        console.print(table)


def _describe(arg: dict[str, Any]) -> str:
    if arg["required"]:
        return arg["name"]
    return f"{arg['name']}={arg['default']!r}"
