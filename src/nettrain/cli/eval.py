"""``nettrain eval CONFIG|RUN_DIR``: metrics of a checkpoint on one split."""

from pathlib import Path
from typing import Annotated

import typer

from nettrain.cli.console import DebugOption, key_value_table, print_json, stdout
from nettrain.cli.train import SetOption


def evaluate(
    target: Annotated[
        Path,
        typer.Argument(
            help="A YAML config, or a run directory (uses its config.yaml).",
            metavar="CONFIG|RUN_DIR",
            show_default=False,
        ),
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoint file or run directory (default for a RUN_DIR: its best, else "
            "last checkpoint).",
            metavar="PATH",
        ),
    ] = None,
    split: Annotated[str, typer.Option(help="train, val or test.")] = "val",
    overrides: Annotated[list[str] | None, SetOption] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, cuda:N or auto.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Evaluate a checkpoint on a split of the config's data (loss, accuracy, ...)."""
    from nettrain.training.loop import evaluate as run_eval
    from nettrain.training.runs import load_run_config

    resolved, default_checkpoint = load_run_config(target, list(overrides or []))
    chosen = checkpoint or default_checkpoint
    if chosen is None:
        raise typer.BadParameter(
            "give --checkpoint PATH (a config file has no checkpoint of its own)",
            param_hint="--checkpoint",
        )
    result = run_eval(resolved, chosen, split=split, device=device)
    if as_json:
        print_json(result)
        return
    rows = [
        ("checkpoint", result["checkpoint"]),
        ("split", split),
        ("samples", result["samples"]),
        ("device", result["device"]),
    ]
    rows += list(result["metrics"].items())
    stdout().print(key_value_table("evaluation", rows))
