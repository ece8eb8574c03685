"""``nettrain validate CONFIG``: parse, validate and build a config, then show what it builds."""

from pathlib import Path
from typing import Annotated

import typer
import yaml

from nettrain.cli.console import DebugOption, key_value_table, print_json, stdout
from nettrain.cli.train import SetOption


def validate(
    config: Annotated[
        Path, typer.Argument(help="The YAML config file.", metavar="CONFIG", show_default=False)
    ],
    overrides: Annotated[list[str] | None, SetOption] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, cuda:N or auto.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Check CONFIG without training: print the model, its parameter count and the resolved
    config. One batch goes through the model and loss, so mismatched sizes are caught too."""
    from nettrain.training.config import load_config
    from nettrain.training.inspect import describe_config

    resolved = load_config(config, list(overrides or []))
    info = describe_config(resolved, device)
    if as_json:
        print_json({"config_file": str(config), "valid": True, **info})
        return
    console = stdout()
    console.print(info["model"], markup=False)
    rows = [
        ("parameters", info["parameters"]),
        ("trainable", info["trainable_parameters"]),
        ("task", info["task"] or "-"),
        ("output shape", str(tuple(info["output_shape"]))),
        ("device", info["device"]),
    ]
    rows += [(f"{split} samples", count) for split, count in info["samples"].items()]
    console.print(f"{config}: valid", markup=False)
    console.print(key_value_table("", rows))
    console.print("resolved config:", markup=False)
    console.print(yaml.safe_dump(info["config"], sort_keys=False).rstrip(), markup=False)
