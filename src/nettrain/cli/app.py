"""The nettrain command line (placeholder until the tool lands)."""

import typer

import nettrain

app = typer.Typer(help="nettrain: train models described in YAML files.")


@app.command()
def version() -> None:
    """Print nettrain's version."""
    typer.echo(nettrain.__version__)


def main() -> None:
    """Console-script entry point."""
    app()
