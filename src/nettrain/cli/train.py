"""``nettrain train CONFIG``: parse the options, call ``training.loop.fit``, render the result."""

from pathlib import Path
from typing import Annotated

import typer

from nettrain.cli.console import DebugOption, TrainProgress, stdout, summary_table
from nettrain.cli.params import parse_int

SetOption = typer.Option(
    "--set",
    help="Override a config key, value parsed as YAML: --set optimizer.lr=0.01 (repeatable).",
    metavar="KEY=VALUE",
    show_default=False,
)


def train(
    config: Annotated[
        Path, typer.Argument(help="The YAML config file.", metavar="CONFIG", show_default=False)
    ],
    device: Annotated[
        str | None,
        typer.Option(help="cpu, cuda, cuda:N or auto (default: the config's).", metavar="DEVICE"),
    ] = None,
    overrides: Annotated[list[str] | None, SetOption] = None,
    runs_dir: Annotated[Path, typer.Option(help="Where run directories go.", metavar="DIR")] = Path(
        "runs"
    ),
    name: Annotated[
        str | None, typer.Option(help="Run name (default: the config's).", metavar="NAME")
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue a run: its directory or a checkpoint file.", metavar="PATH"),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed (default: the config's).", metavar="N", parser=parse_int),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress; print only the run directory.")
    ] = False,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Train the model described in CONFIG; write metrics and checkpoints to runs/."""
    from nettrain.training.config import load_config
    from nettrain.training.distributed import is_main_process
    from nettrain.training.loop import fit
    from nettrain.utils.allocator import keep_freed_memory_for_cli

    keep_freed_memory_for_cli()  # steps reuse freed memory instead of faulting it in anew
    resolved = load_config(config, list(overrides or []))
    main = is_main_process()  # under mpiexec only rank 0 draws progress and prints
    progress = None if quiet or not main else TrainProgress()
    try:
        # Ctrl-C raises TrainingInterrupted whose message holds the resume command
        result = fit(
            resolved,
            device=device,
            runs_dir=runs_dir,
            name=name,
            resume=resume,
            seed=seed,
            callback=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if not main:
        return
    if quiet:
        typer.echo(str(result.run_dir))
    else:
        stdout().print(summary_table(result))
