"""The training loop: ``fit`` trains a config into a run directory.

``fit`` seeds everything, builds the model, loss, optimizer, scheduler and data from the
config, runs ``zero_grad / forward / backward / (clip) / step``, validates every epoch and
writes metrics and checkpoints. Progress goes to an optional ``callback`` (the CLI draws it
with rich; this module imports neither typer nor rich).

Reproducibility: the data order of epoch ``e`` comes from a generator seeded with
``(seed, e)``, and checkpoints hold the global RNG states and the ``RunPosition`` (the
position inside the epoch included), so a resumed run ends with parameters bit-identical
to an uninterrupted one (CPU).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

import nettrain
from nettrain.errors import ConfigError, ConfigIssue
from nettrain.nn.utils import clip_grad_norm_
from nettrain.training import parallel
from nettrain.training.accumulation import accumulation_plan, optimizer_steps_per_epoch
from nettrain.training.build import (
    build_components,
    build_optimizer,
    build_scheduler,
    make_loader,
    resolve_device,
    scheduler_steps_per_batch,
    to_device,
)
from nettrain.training.checkpoint import Checkpoint, load_checkpoint
from nettrain.training.config import ResolvedConfig
from nettrain.training.early_stopping import EarlyStopping
from nettrain.training.errors import NonFiniteLossError, TrainingInterrupted
from nettrain.training.evaluate import evaluate_split
from nettrain.training.guards import InterruptFlag, ShapeGuard, loss_call
from nettrain.training.metrics import MetricAccumulator, MetricsWriter, prune_after
from nettrain.training.position import RunPosition
from nettrain.training.progress import Callback, ProgressEvent, RunResult
from nettrain.training.resume import encode_run, restore_run, write_checkpoints
from nettrain.training.runs import (
    CHECKPOINTS,
    create_run_dir,
    find_checkpoint,
    resume_command,
    run_dir_of,
    versions,
    write_config,
    write_summary,
)
from nettrain.training.tensorboard import TensorBoardLogger


def fit(
    resolved: ResolvedConfig,
    device: str | None = None,
    runs_dir: str | os.PathLike[str] = "runs",
    name: str | None = None,
    resume: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    callback: Callback | None = None,
) -> RunResult:
    """Train the config's model; write the run directory; return its results.

    Raises NonFiniteLossError (NaN/inf loss), TrainingInterrupted (Ctrl-C; a checkpoint
    was saved), ConfigError, CheckpointError, ShapeError.

    Example:
        >>> result = fit(load_config("configs/linear.yaml", []), runs_dir="runs")
        >>> result.metrics["train"]["loss"]
    """
    session = TrainingSession(resolved, device, Path(runs_dir), name, resume, seed, callback)
    return session.run()


class TrainingSession:
    """One run: builds everything, restores a checkpoint if asked, and runs the epochs.

    ``pos`` is the run's position (what a checkpoint stores); ``_phase`` says whether a
    Ctrl-C can be rolled back to the last step boundary ("forward") or not ("update").
    """

    def __init__(
        self,
        resolved: ResolvedConfig,
        device: str | None,
        runs_dir: Path,
        name: str | None,
        resume: str | os.PathLike[str] | None,
        seed: int | None,
        callback: Callback | None,
    ) -> None:
        self.resolved = resolved
        self.config = resolved.config
        self.train_cfg = self.config.train
        self.metric_names = list(self.train_cfg.metrics)
        self.callback = callback
        self.requested_device = device
        self.requested_seed = seed
        self.runs_dir = runs_dir
        self.name = name or self.config.name
        self.resume = resume
        self.pos = RunPosition()
        self.checkpoints: dict[str, str] = {}
        self.run_dir: Path | None = None
        self.writer: MetricsWriter | None = None
        self.tensorboard: TensorBoardLogger | None = None
        self.guard: ShapeGuard | None = None
        self.stop_reason: str | None = None
        self._phase = "idle"  # "forward" (safe to roll back) or "update" (params changing)
        self._rng_snapshot: dict[str, Any] | None = None
        self._accumulator: MetricAccumulator | None = None
        # (batch_in_epoch, metric sums) where the current accumulation group began
        self._group_mark: tuple[int, dict[str, Any]] | None = None
        # data parallel under mpiexec (training.parallel); one process: rank 0 of 1
        self.rank, self.world_size, self.distributed, self._stop = 0, 1, False, False

    # -- setup -------------------------------------------------------------------------------

    def _setup(self) -> None:
        saved: Checkpoint | None = None
        seed = self.requested_seed
        device = resolve_device(self.requested_device, self.config.device)
        self.rank, self.world_size = parallel.start_world(device)
        self.distributed = self.world_size > 1
        if self.distributed:
            self._check_batch_split()
        if self.resume is not None:
            saved = load_checkpoint(find_checkpoint(self.resume))
            if seed is None:
                seed = saved.meta.get("seed")
        self.parts = build_components(self.resolved, self.requested_device, seed)
        self.model = self.parts.model
        self.params = list(self.model.parameters())
        self.optimizer = build_optimizer(self.config.optimizer, self.params)
        self.train_set = self.parts.splits.train
        self.val_set = self.parts.splits.val
        self.task = self.parts.splits.task
        # train.accumulate_grad_batches: K batches per optimizer step (training.accumulation);
        # under MPI the plan is over global batches, so it does not depend on the rank count
        self.accumulate = self.train_cfg.accumulate_grad_batches
        self.plan = accumulation_plan(
            parallel.global_batch_sizes(
                len(self.train_set), self.config.data.batch_size, bool(self.config.data.drop_last)
            ),
            self.accumulate,
        )
        self.steps_per_epoch = optimizer_steps_per_epoch(len(self._loader(0)), self.accumulate)
        if self.steps_per_epoch == 0:
            raise ConfigError(
                ConfigIssue(
                    "data.batch_size",
                    f"the training split ({len(self.train_set)} samples) gives no "
                    f"batch of {self.config.data.batch_size} with drop_last",
                    hint="lower batch_size",
                )
            )
        self.scheduler = None
        self.per_batch = False
        if self.config.scheduler is not None:
            self.scheduler = build_scheduler(
                self.config.scheduler, self.optimizer, self.steps_per_epoch, self.train_cfg.epochs
            )
            self.per_batch = scheduler_steps_per_batch(self.config.scheduler)
        self.runner = self.model
        if self.distributed:
            from nettrain.nn.parallel import DistributedDataParallel

            self.runner = DistributedDataParallel(self.model)
            self.batch_sizes = parallel.global_batch_sizes(
                len(self.train_set), self.config.data.batch_size, bool(self.config.data.drop_last)
            )
        self.guard = ShapeGuard(self.model, runner=self.runner)
        spec = self.train_cfg.early_stopping
        self.early_stopping = EarlyStopping.from_config(spec) if spec is not None else None
        if saved is not None:
            self.pos = restore_run(saved, self.parts, self.optimizer, self.scheduler)
            if self.early_stopping is not None and self.pos.early_stopping:
                self.early_stopping.load_state_dict(self.pos.early_stopping)
        self.prior_wall = self.pos.wall_time_s
        self._open_run_dir(saved.path if saved is not None else None)

    def _check_batch_split(self) -> None:
        from nettrain.training.distributed import per_rank_batch_size

        line, column = self.resolved.marks.get("data.batch_size", (None, None))
        file = str(self.resolved.path) if self.resolved.path else None
        per_rank_batch_size(self.config.data.batch_size, self.world_size, file, line, column)

    def _open_run_dir(self, resumed_from: Path | None) -> None:
        existing = run_dir_of(resumed_from) if resumed_from is not None else None
        if self.rank != 0:  # rank 0 alone writes; the others learn where
            self.run_dir = Path(parallel.broadcast_text(None))
            self.writer = parallel.NullWriter()
            return
        self.run_dir = existing or create_run_dir(self.runs_dir, self.name)
        if self.distributed:
            parallel.broadcast_text(str(self.run_dir))
        (self.run_dir / CHECKPOINTS).mkdir(exist_ok=True)
        write_config(self.run_dir, self.resolved.raw)
        if existing is not None:
            prune_after(self.run_dir, self.pos.step, self.pos.epoch)
        self.writer = MetricsWriter(self.run_dir, self.metric_names)
        if self.train_cfg.tensorboard:
            config_text = yaml.safe_dump(self.resolved.raw, sort_keys=False)
            purge = self.pos.step if existing is not None else None
            self.tensorboard = TensorBoardLogger(self.run_dir, config_text, purge_step=purge)

    def _loader(self, epoch: int) -> Any:
        loader = make_loader(self.train_set, self.config.data, self.parts.seed, epoch, train=True)
        if not self.distributed:
            return loader
        from nettrain.utils.data import DataLoader

        shards = parallel.ShardedBatchSampler(loader.batch_sampler, self.rank, self.world_size)
        return DataLoader(self.train_set, batch_sampler=shards)

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Train to the end (or until max_steps); always closes the metric files."""
        self.started = _now()
        self._setup()
        try:
            with InterruptFlag() as self.flag:
                self._emit("start")
                self._epochs()
            summary = self._finish("completed")
        finally:
            if self.writer is not None:
                self.writer.close()
            if self.tensorboard is not None:
                self.tensorboard.close()
            if self.guard is not None:
                self.guard.remove()
        return RunResult(
            run_dir=self.run_dir,
            status="completed",
            epochs=self.pos.epoch,
            steps=self.pos.step,
            metrics=self.pos.metrics,
            best_val_loss=self.pos.best_val_loss,
            wall_time_s=summary["wall_time_s"],
            device=self.parts.device,
            checkpoints=dict(self.checkpoints),
            summary=summary,
        )

    def _epochs(self) -> None:
        max_steps = self.train_cfg.max_steps
        while self.pos.epoch < self.train_cfg.epochs:
            if max_steps is not None and self.pos.step >= max_steps:
                break
            try:
                finished = self._train_epoch(max_steps)
            except KeyboardInterrupt:
                if self.distributed:  # ranks stopped at different points (maybe inside an
                    raise  # all-reduce): no agreed state to save; the CLI aborts the job
                # A second Ctrl-C (or one raised by a callback): roll back a half-done
                # forward/backward; a half-applied optimizer step cannot be resumed exactly.
                consistent = self._rollback_possible()
                if consistent and self._group_mark is not None:  # back to the group's start
                    self.pos.batch_in_epoch, self.pos.partial_train = self._group_mark
                elif self._accumulator is not None:
                    self.pos.partial_train = _accumulator_state(self._accumulator)
                self._interrupted(consistent=consistent)
            if not finished:
                self._end_of_run_partial()
                return
            self._end_of_epoch()
            if self.stop_reason is not None:
                return

    def _rollback_possible(self) -> bool:
        """Can the state be put back to "between steps"? Not once the optimizer started,
        nor after a forward pass updated buffers (BatchNorm running statistics)."""
        if self._phase == "idle":
            return True
        return self._phase == "forward" and not any(True for _ in self.model.buffers())

    def _train_epoch(self, max_steps: int | None) -> bool:
        """Run the rest of the current epoch; False when max_steps stopped it early."""
        pos = self.pos
        accumulator = MetricAccumulator(self.task, self.metric_names)
        if pos.partial_train and pos.batch_in_epoch:
            accumulator.__dict__.update(pos.partial_train)
        self._accumulator = accumulator
        window = MetricAccumulator(self.task, self.metric_names)
        self.model.train()
        epoch_start, epoch_samples = _now(), 0
        batches = itertools.islice(iter(self._loader(pos.epoch)), pos.batch_in_epoch, None)
        for x, y in batches:
            scale, steps = self.plan[pos.batch_in_epoch]
            if pos.batch_in_epoch % self.accumulate == 0:  # a group (one optimizer step) starts
                if max_steps is not None and pos.step >= max_steps:
                    pos.partial_train = _accumulator_state(accumulator)
                    pos.metrics = {"train": accumulator.result()}
                    return False
                self._rng_snapshot = nettrain.get_rng_state()  # cheap: the stream steps use
                self._group_mark = (pos.batch_in_epoch, _accumulator_state(accumulator))
                self.optimizer.zero_grad()
            value, out, y, reduced = self._step(x, y, scale, steps)
            if reduced is None:
                accumulator.update(value, out, y)
                window.update(value, out, y)
                epoch_samples += int(y.shape[0])
            else:  # under MPI: the global batch's sums, the same on every rank
                parallel.add_sums(accumulator, reduced)
                parallel.add_sums(window, reduced)
                epoch_samples += reduced.count
            del out
            if not steps:
                continue  # mid-group: no optimizer step, so nothing to log or stop at
            self._group_mark = None
            self._after_step(accumulator, window, epoch_samples, _now() - epoch_start)
            if window.count and pos.step % self.train_cfg.log_every_steps == 0:
                window = MetricAccumulator(self.task, self.metric_names)
            if self._stop_requested():
                pos.partial_train = _accumulator_state(accumulator)
                self._interrupted(consistent=True)
        pos.metrics = {"train": accumulator.result()}
        return True

    def _step(
        self, x: Any, y: Any, scale: float = 1.0, steps: bool = True
    ) -> tuple[float, Any, Any, Any]:
        """Forward and backward of one batch, its loss scaled by ``scale`` (its share of an
        accumulation group), then the optimizer step when ``steps``; returns the loss,
        output, target and, under MPI, the global batch's metric sums (``None`` in one
        process)."""
        self._phase = "forward"
        x, y = to_device((x, y), self.parts.device)
        if self.distributed:
            # mid-group the gradients add up locally (no all-reduce); the group's last batch
            # lets DDP average the summed gradients
            with contextlib.nullcontext() if steps else self.runner.no_sync():
                loss, value, out, reduced = self._parallel_loss(x, y)
        else:
            out = self.guard.forward(x)
            loss = loss_call(self.parts.loss_fn, out, y)
            value, reduced = float(loss.item()), None
        if not math.isfinite(value):
            raise self._non_finite_error(value)
        if scale != 1.0:
            loss = loss * scale
        loss.backward()
        del loss  # the graph is freed by backward; drop the last reference too
        self.pos.batch_in_epoch += 1
        if not steps:
            return value, out.detach(), y, reduced
        clip = self.train_cfg.grad_clip_norm
        self._phase = "update"
        if clip:
            clip_grad_norm_(self.params, clip)
        self.optimizer.step()
        if self.scheduler is not None and self.per_batch:
            self.scheduler.step()
        self.pos.step += 1
        self._phase = "idle"
        return value, out.detach(), y, reduced

    def _parallel_loss(self, x: Any, y: Any) -> tuple[Any, float, Any, Any]:
        """This rank's slice of the global batch: its scaled loss, the global batch's mean
        loss and metric sums (equal on every rank), see ``training.parallel``."""
        total = self.batch_sizes[self.pos.batch_in_epoch]
        share = parallel.share_of(total, self.rank, self.world_size)
        with parallel.sharded_draws(share):
            out = self.guard.forward(x)
        loss = loss_call(self.parts.loss_fn, out, y)
        local = MetricAccumulator(self.task, self.metric_names)
        if share.count:
            local.update(float(loss.item()), out, y)
        reduced, self._stop = parallel.reduce_step(local, self.flag.raised)
        reduction = getattr(self.parts.loss_fn, "reduction", "mean")
        scale = parallel.loss_scale(share, self.world_size, reduction)
        if scale != 1.0:
            loss = loss * scale
        return loss, reduced.loss_sum / reduced.count, out, reduced

    def _stop_requested(self) -> bool:
        """Ctrl-C seen; under MPI decided in the step's all-reduce (all ranks stop together)."""
        return self._stop if self.distributed else self.flag.raised

    def _after_step(
        self,
        accumulator: MetricAccumulator,
        window: MetricAccumulator,
        samples: int,
        elapsed: float,
    ) -> None:
        speed = samples / elapsed if elapsed > 0 else None
        if self.pos.step % self.train_cfg.log_every_steps == 0:
            record = {
                "event": "step",
                "split": "train",
                "epoch": self.pos.epoch + 1,
                "step": self.pos.step,
                "lr": self._lr(),
                **window.result(),
                "samples_per_sec": speed,
                "elapsed_s": self._wall(),
            }
            self._log(record)
        if self.callback is not None:  # every step: _emit's generic path, unrolled
            running = accumulator.result()
            pos = self.pos
            self.callback(
                ProgressEvent(
                    "step",
                    pos.epoch + 1,
                    self.train_cfg.epochs,
                    pos.step,
                    self.steps_per_epoch,
                    pos.batch_in_epoch,
                    running.get("loss"),
                    running.get("accuracy"),
                    self._lr(),
                    speed,
                    run_dir=self.run_dir,
                )
            )

    def _validate(self) -> None:
        if self.val_set is None or not len(self.val_set):
            return
        if not self.distributed:
            self.pos.metrics["val"] = evaluate_split(
                self.parts, self.val_set, self.config.data, self.metric_names, self.guard
            )
            return
        shard = parallel.shard_dataset(self.val_set, self.rank, self.world_size)
        self.pos.metrics["val"] = evaluate_split(
            self.parts,
            shard,
            self.config.data,
            self.metric_names,
            self.guard,
            reduce=parallel.reduce_accumulator,
        )

    def _end_of_epoch(self) -> None:
        pos = self.pos
        pos.epoch += 1
        pos.batch_in_epoch = 0
        pos.partial_train = None
        self._validate()
        if self.scheduler is not None and not self.per_batch:
            self._scheduler_epoch_step()
        if self.early_stopping is not None and self.early_stopping.update(pos.metrics):
            self.stop_reason = self.early_stopping.reason
        for split, values in pos.metrics.items():
            self._log(
                {
                    "event": "epoch",
                    "split": split,
                    "epoch": pos.epoch,
                    "step": pos.step,
                    "lr": self._lr(),
                    **values,
                    "elapsed_s": self._wall(),
                }
            )
        self._save_epoch_checkpoints()
        self._emit("epoch", metrics=pos.metrics)
        stop = parallel.agree(self.flag.raised) if self.distributed else self.flag.raised
        if stop:
            self._interrupted(consistent=True)

    def _end_of_run_partial(self) -> None:
        """max_steps stopped mid-epoch: validate and save ``last`` at this position."""
        self._validate()
        self._save(["last"])

    def _scheduler_epoch_step(self) -> None:
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            source = self.pos.metrics.get("val") or self.pos.metrics.get("train", {})
            self.scheduler.step(source.get("loss"))
        else:
            self.scheduler.step()

    # -- checkpoints -------------------------------------------------------------------------

    def _save_epoch_checkpoints(self) -> None:
        every = self.train_cfg.checkpoint_every_epochs or 0
        source = self.pos.metrics.get("val") or self.pos.metrics.get("train", {})
        improved = self.pos.improve(source.get("loss"))
        epoch = self.pos.epoch
        labels = [f"epoch-{epoch:04d}"] if every and epoch % every == 0 else []
        labels.append("last")
        if improved:
            labels.append("best")
        self._save(labels)

    def _save(self, labels: list[str]) -> list[Path]:
        """Encode the run now and write it under every label; remember the paths."""
        stopping = self.early_stopping.state_dict() if self.early_stopping is not None else None
        position = replace(self.pos, wall_time_s=self._wall(), early_stopping=stopping)
        if self.distributed:  # every rank must hold the same model before rank 0 saves it
            parallel.check_replicas(self.model.state_dict().values(), f"at step {self.pos.step}")
        if self.rank == 0:
            data = encode_run(self.resolved, self.parts, self.optimizer, self.scheduler, position)
            paths = write_checkpoints(self.run_dir, data, labels)
        else:
            paths = [self.run_dir / CHECKPOINTS / f"{label}.safetensors" for label in labels]
        if self.tensorboard is not None:
            self.tensorboard.flush()  # a crash after a checkpoint loses no curve before it
        for label, path in zip(labels, paths):
            self.checkpoints[label if not label.startswith("epoch-") else "epoch"] = str(path)
        return paths

    # -- stopping ----------------------------------------------------------------------------

    def _non_finite_error(self, value: float) -> NonFiniteLossError:
        last = self.checkpoints.get("last") or _existing(
            self.run_dir / CHECKPOINTS / "last.safetensors"
        )
        kept = f"; last good checkpoint kept: {last}" if last else "; no checkpoint was written yet"
        step, epoch = self.pos.step + 1, self.pos.epoch + 1
        message = (
            f"loss became {value} at step {step} (epoch {epoch}); training "
            f"stopped{kept}. Lower optimizer.lr or set train.grad_clip_norm."
        )
        self._finish("non_finite_loss", error=message)
        return NonFiniteLossError(message, step, epoch, self.run_dir, Path(last) if last else None)

    def _interrupted(self, consistent: bool) -> None:
        checkpoint = None
        if consistent:
            if self._phase == "forward" and self._rng_snapshot is not None:
                nettrain.set_rng_state(self._rng_snapshot)
            self._phase = "idle"
            (checkpoint,) = self._save(["interrupted"])
        command = resume_command(
            self.resolved.path,
            self.run_dir,
            self.resolved.overrides,
            self.requested_device,
            self.runs_dir,
            self.requested_seed,
        )
        self._finish("interrupted")
        where = f"saved {checkpoint}" if checkpoint else "no checkpoint (stopped inside a step)"
        raise TrainingInterrupted(
            f"interrupted at step {self.pos.step} (epoch {self.pos.epoch + 1}); {where}\n"
            f"resume with: {command}",
            self.run_dir,
            checkpoint,
            command,
        )

    # -- reporting ---------------------------------------------------------------------------

    def _log(self, record: dict[str, Any]) -> None:
        """One metrics record to metrics.jsonl/csv and, when enabled, TensorBoard."""
        self.writer.write(record)
        if self.tensorboard is not None:
            self.tensorboard.write_record(record)

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _wall(self) -> float:
        return self.prior_wall + (_now() - self.started)

    def _emit(self, kind: str, **values: Any) -> None:
        if self.callback is None:
            return
        self.callback(
            ProgressEvent(
                kind=kind,
                epoch=self.pos.epoch + (1 if kind in ("start", "step") else 0),
                epochs=self.train_cfg.epochs,
                step=self.pos.step,
                steps_per_epoch=self.steps_per_epoch,
                batch=self.pos.batch_in_epoch,
                lr=self._lr(),
                run_dir=self.run_dir,
                **values,
            )
        )

    def _finish(self, status: str, error: str | None = None) -> dict[str, Any]:
        summary = {
            "status": status,
            "name": self.name,
            "run_dir": str(self.run_dir),
            "epochs": self.pos.epoch,
            "steps": self.pos.step,
            "metrics": self.pos.metrics,
            "best_val_loss": self.pos.best_val_loss,
            "best_epoch": self.pos.best_epoch,
            "wall_time_s": round(self._wall(), 3),
            "device": self.parts.device,
            "seed": self.parts.seed,
            "versions": versions(),
            "checkpoints": self.checkpoints,
            "config_file": _text(self.resolved.path),
            "base_dir": _text(self.resolved.base_dir),
        }
        if self.stop_reason is not None:
            summary["stop_reason"] = self.stop_reason
        if error:
            summary["error"] = error
        if self.distributed:
            summary["world_size"] = self.world_size
        if self.rank == 0:
            write_summary(self.run_dir, summary)
        if status == "completed":
            self._emit("end", metrics=self.pos.metrics)
        return summary


def _accumulator_state(accumulator: MetricAccumulator) -> dict[str, Any]:
    keys = ("count", "loss_sum", "correct", "abs_sum", "sq_sum")
    return {k: getattr(accumulator, k) for k in keys}


def _existing(path: Path) -> str | None:
    return str(path) if path.is_file() else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _now() -> float:
    """A monotonic clock for throughput and wall time."""
    return time.perf_counter()
