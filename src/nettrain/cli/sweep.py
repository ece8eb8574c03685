"""``nettrain sweep CONFIG --grid KEY=V1,V2``: train every grid point, then rank them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nettrain.cli.console import DebugOption, fmt, stderr, stdout
from nettrain.cli.train import SetOption

GridOption = typer.Option(
    "--grid",
    help="A key and its values, parsed as YAML like --set, split on top-level commas: "
    "--grid optimizer.lr=0.1,0.01 (repeatable; the sweep is the Cartesian product).",
    metavar="KEY=V1,V2,...",
    show_default=False,
)


def sweep(
    config: Annotated[
        Path | None,
        typer.Argument(help="The YAML config file.", metavar="CONFIG", show_default=False),
    ] = None,
    grids: Annotated[list[str] | None, GridOption] = None,
    overrides: Annotated[list[str] | None, SetOption] = None,
    jobs: Annotated[int, typer.Option(help="Points trained at once.", min=1, metavar="N")] = 1,
    runs_dir: Annotated[Path, typer.Option(help="Where run directories go.", metavar="DIR")] = Path(
        "runs"
    ),
    name: Annotated[
        str | None, typer.Option(help="Sweep name (default: the config's).", metavar="NAME")
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="cpu, cuda, cuda:N or auto.", metavar="DEVICE")
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue a sweep: run only its unfinished points.", metavar="DIR"),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or table; print the sweep dir.")
    ] = False,
    debug: Annotated[bool, DebugOption] = False,
) -> None:
    """Train CONFIG once per combination of --grid values; rank the runs by validation loss."""
    from nettrain.training.errors import TrainingInterrupted
    from nettrain.training.sweep import Sweep, create_sweep_dir
    from nettrain.training.sweep_runner import SweepInterrupted, run_sweep
    from nettrain.utils.allocator import keep_freed_memory_for_cli

    keep_freed_memory_for_cli()  # as train: freed step memory is reused, not re-faulted
    if resume is not None:
        plan = Sweep.load(resume)
        plan.jobs = jobs
    else:
        plan, default_name = _planned(config, grids, overrides, jobs, device)
        plan.directory = create_sweep_dir(runs_dir, name or default_name)
        plan.save()
    progress = None if quiet else _Progress(len(plan.points))
    try:
        run_sweep(plan, progress)
    except SweepInterrupted as exc:
        raise TrainingInterrupted(str(exc), exc.directory, None, str(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    if quiet:
        typer.echo(str(plan.directory))
    else:
        stdout().print(results_table(plan))
        stdout().print(f"sweep directory: {plan.directory}")
    failed = [p for p in plan.points if p.status == "failed"]
    if failed:
        for point in failed:
            typer.echo(
                f"failed: {point.name} ({' '.join(point.overrides)}): {point.message}", err=True
            )
        raise typer.Exit(1)


def _planned(
    config: Path | None,
    grids: list[str] | None,
    overrides: list[str] | None,
    jobs: int,
    device: str | None,
) -> tuple[Any, str]:
    """A new sweep's plan, every point validated (no directory yet), and the config's name."""
    from nettrain.training.config import load_config
    from nettrain.training.sweep import Sweep, expand, parse_grids, validate_points

    if config is None:
        raise typer.BadParameter("give CONFIG (or --resume SWEEP_DIR)", param_hint="CONFIG")
    base = list(overrides or [])
    axes = parse_grids(list(grids or []))
    points = expand(axes)
    validate_points(config, base, points)
    grid = [{"key": a.key, "texts": a.texts, "values": a.values} for a in axes]
    plan = Sweep(Path("."), config.resolve(), base, grid, points, jobs, device)
    return plan, load_config(config, base).config.name


class _Progress:
    """One bar over all points (stderr), a line as each point finishes."""

    def __init__(self, total: int) -> None:
        self.progress = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr(),
        )
        self.task = self.progress.add_task("sweep", total=total)
        self.progress.start()

    def __call__(self, point: Any, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done)
        detail = point.message if point.status == "failed" else point.run_dir
        self.progress.console.print(
            f"{point.name} {' '.join(point.overrides)}: {point.status}  {detail}"
        )

    def close(self) -> None:
        self.progress.stop()


def results_table(plan: Any) -> Table:
    """Points ranked by best validation loss (else training loss); failures last."""
    from nettrain.training.sweep import point_metrics, sort_key

    rows = sorted(plan.points, key=sort_key)
    found: list[str] = []
    for point in rows:
        found += [k for k in point_metrics(point) if k not in found]
    # the ranking metric first, then validation, then training; steps etc. stay in sweep.csv
    metric_columns = [k for k in found if k == "best_val_loss"]
    metric_columns += sorted(k for k in found if k.startswith("final.val."))
    metric_columns += sorted(k for k in found if k.startswith("final.train."))
    table = Table(title=f"sweep {plan.directory.name}", title_justify="left")
    table.add_column("#", justify="right")
    for key in plan.grid_keys():
        table.add_column(key)
    table.add_column("status")
    for column in metric_columns:
        table.add_column(
            column.removeprefix("final.").replace("_", " ").replace(".", " "), justify="right"
        )
    table.add_column("time (s)", justify="right")
    table.add_column("run", overflow="fold")
    for rank, point in enumerate(rows, start=1):
        metrics = point_metrics(point)
        cells = [str(rank), *(fmt(point.values[k]) for k in plan.grid_keys()), point.status]
        cells += [fmt(metrics.get(c)) for c in metric_columns]
        where = _relative(point.run_dir, plan.directory) if point.run_dir else point.message
        cells += [fmt(point.wall_time_s), where or "-"]
        table.add_row(*cells)
    return table


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path
