"""``nettrain eval CONFIG|RUN_DIR``: metrics of a checkpoint on one split."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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
    from nettrain.training.confusion import evaluate_confusion
    from nettrain.training.evaluate import evaluate as run_eval
    from nettrain.training.runs import load_run_config

    resolved, default_checkpoint = load_run_config(target, list(overrides or []))
    chosen = checkpoint or default_checkpoint
    if chosen is None:
        raise typer.BadParameter(
            "give --checkpoint PATH (a config file has no checkpoint of its own)",
            param_hint="--checkpoint",
        )
    result = run_eval(resolved, chosen, split=split, device=device)
    result["confusion_matrix"] = evaluate_confusion(resolved, chosen, split=split, device=device)
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
    if result["confusion_matrix"] is not None:
        stdout().print(confusion_table(result["confusion_matrix"]))


def confusion_table(matrix: list[list[int]]) -> Table:
    """Rows are true classes, columns predicted ones (scikit-learn's layout)."""
    table = Table(
        title="confusion matrix",
        title_justify="left",
        caption="rows: true class, columns: predicted",
        caption_justify="left",
    )
    table.add_column("true \\ pred", style="bold", justify="right")
    for column in range(len(matrix)):
        table.add_column(str(column), justify="right")
    for label, row in enumerate(matrix):
        table.add_row(str(label), *(str(count) for count in row))
    return table
