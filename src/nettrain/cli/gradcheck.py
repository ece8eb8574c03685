"""``nettrain gradcheck [CONFIG]``: analytical vs numerical gradients, as a table of cases."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nettrain.cli.console import DebugOption, fmt, stdout
from nettrain.cli.params import parse_float
from nettrain.cli.train import SetOption


def gradcheck(
    config: Annotated[
        Path | None,
        typer.Argument(
            help="Check this config's model and loss on a small batch of its data, parameter "
            "by parameter. Without it: every registered op, layer and loss.",
            metavar="CONFIG",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(help="Only cases (or parameters) with this name or glob.", metavar="NAME"),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object per case per line (name, kind, "
            "passed, max_abs_error, max_rel_error, checked, message).",
        ),
    ] = False,
    eps: Annotated[float, typer.Option(help="Finite-difference step.", parser=parse_float)] = 1e-6,
    atol: Annotated[float, typer.Option(help="Absolute tolerance.", parser=parse_float)] = 1e-5,
    rtol: Annotated[float, typer.Option(help="Relative tolerance.", parser=parse_float)] = 1e-3,
    overrides: Annotated[list[str] | None, SetOption] = None,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Compare autograd's gradients with central finite differences in float64.

    Exit status 0 when every case passes, 1 when any fails."""
    import json

    from nettrain.training import gradcheck_cases as cases

    if config is None:
        results = cases.run_cases(only, eps=eps, atol=atol, rtol=rtol)
    else:
        from nettrain.training.config import load_config

        resolved = load_config(config, list(overrides or []))
        results = cases.check_config(resolved, only, eps=eps, atol=atol, rtol=rtol)
    if as_json:
        for result in results:
            typer.echo(json.dumps(result.to_json(), sort_keys=True))
    else:
        stdout().print(_table(results, eps, atol, rtol))
    failed = [r.name for r in results if r.passed is False]
    if failed:
        typer.echo(f"gradcheck failed for {len(failed)} case(s): {', '.join(failed)}", err=True)
        raise typer.Exit(1)


def _table(results: list, eps: float, atol: float, rtol: float) -> Table:
    passed = sum(r.passed is True for r in results)
    skipped = sum(r.passed is None for r in results)
    title = (
        f"gradcheck (eps={eps:g}, atol={atol:g}, rtol={rtol:g}): {passed} passed, "
        f"{len(results) - passed - skipped} failed, {skipped} skipped"
    )
    table = Table(title=title, title_justify="left")
    for column in ("case", "kind", "checked", "max abs err", "max rel err", "result"):
        table.add_column(
            column, justify="right" if "err" in column or column == "checked" else "left"
        )
    for r in results:
        verdict = {True: "pass", False: "FAIL", None: "skip"}[r.passed]
        if r.message:
            verdict += f" ({r.message})"
        table.add_row(
            r.name,
            r.kind,
            str(r.checked),
            fmt(r.max_abs_error, 2),
            fmt(r.max_rel_error, 2),
            verdict,
        )
    return table
