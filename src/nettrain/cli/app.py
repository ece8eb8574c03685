"""The ``nettrain`` command: builds the Typer app and maps exceptions to exit statuses.

Exit statuses: 0 success, 1 a check failed (gradcheck, NaN/inf loss), 2 bad input (config,
checkpoint, path, shapes), 130 interrupted. Expected errors print one message to stderr and
no traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import traceback
from functools import partial
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

import nettrain
from nettrain.cli import compare as compare_cmd
from nettrain.cli import eval as eval_cmd
from nettrain.cli import gradcheck, inspect_params, list_cmd, train, validate
from nettrain.cli import plot as plot_cmd
from nettrain.cli import sweep as sweep_cmd
from nettrain.cli.console import STATE
from nettrain.errors import GradcheckError, NettrainError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

_BAD_INPUT = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def exit_code_for(exc: BaseException) -> int:
    """The exit status for an exception that escaped a command."""
    from nettrain.training.errors import NonFiniteLossError, TrainingInterrupted

    if isinstance(exc, (TrainingInterrupted, KeyboardInterrupt)):
        return EXIT_INTERRUPTED
    from nettrain.training.parallel import ReplicaMismatchError

    if isinstance(exc, (NonFiniteLossError, GradcheckError, ReplicaMismatchError)):
        return EXIT_FAILED
    if isinstance(exc, (NettrainError, *_BAD_INPUT)):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, _BAD_INPUT) and getattr(exc, "filename", None):
        return f"{exc.strerror or 'cannot open'}: {exc.filename}"
    if isinstance(exc, (NettrainError, *_BAD_INPUT)):
        return str(exc)
    return (
        f"internal error: {type(exc).__name__}: {exc}\n"
        "(this is a bug in nettrain; rerun with --debug for the traceback)"
    )


class NettrainGroup(TyperGroup):
    """The one exit point: every command's exception becomes a message and a status."""

    def invoke(self, ctx: Any) -> Any:
        STATE.debug = False
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            from nettrain.training.distributed import end_job_on_error

            code = exit_code_for(exc)
            end_job_on_error(exc, code, partial(_show, exc, code))  # once under mpiexec
            raise typer.Exit(code) from None


def _show(exc: BaseException, code: int) -> None:
    if STATE.debug:  # the traceback, then the same message and status as without
        typer.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    prefix = "stopped" if code == EXIT_INTERRUPTED else "error"
    typer.echo(f"{prefix}: {_message(exc)}", err=True)


app = typer.Typer(
    name="nettrain",
    cls=NettrainGroup,
    help="nettrain: train models described in YAML files (PyTorch's API on numpy/cupy).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_EPILOG = "\b\nExample:\n  {}"  # \b keeps click from re-wrapping the example


def _register(name: str, function: Any, example: str) -> None:
    app.command(name, epilog=_EPILOG.format(example))(function)


_register("train", train.train, "nettrain train configs/linear.yaml --set optimizer.lr=0.01")
_register(
    "inspect-params",
    inspect_params.inspect_params,
    "nettrain inspect-params runs/linear/20250101-120000 --filter 'model.*'",
)
_register("gradcheck", gradcheck.gradcheck, "nettrain gradcheck --only Linear")
_register("validate", validate.validate, "nettrain validate configs/linear.yaml")
_register("list", list_cmd.list_registered, "nettrain list --json")
_register(
    "eval",
    eval_cmd.evaluate,
    "nettrain eval runs/digits_mlp/20250101-120000 --split val",
)
_register(
    "sweep",
    sweep_cmd.sweep,
    "nettrain sweep configs/spirals_mlp.yaml --grid optimizer.lr=0.01,0.001 --jobs 2",
)
_register("compare", compare_cmd.compare, "nettrain compare runs/spirals_mlp/sweep-20250101-120000")
_register("plot", plot_cmd.plot, "nettrain plot runs/spirals_mlp/20250101-120000 -o curves.png")


@app.command(epilog=_EPILOG.format("nettrain version"))
def version() -> None:
    """Print nettrain's version."""
    typer.echo(nettrain.__version__)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="nettrain")
