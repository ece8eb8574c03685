"""One training run's state machine (the body of ``loop.fit``).

Keeps the position (completed epochs, global step, batch inside the epoch), the best
validation loss and the RNG snapshot needed to stop at any step boundary and resume exactly.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import nettrain
from nettrain.training import loop, parallel
from nettrain.training.checkpoint import load_checkpoint
from nettrain.training.early_stopping import EarlyStopping
from nettrain.training.guards import InterruptFlag, ShapeGuard, loss_call
from nettrain.training.metrics import MetricAccumulator, MetricsWriter, prune_after
from nettrain.training.runs import (
    CHECKPOINTS,
    create_run_dir,
    find_checkpoint,
    run_dir_of,
    versions,
    write_config,
    write_summary,
)
from nettrain.training.session_io import CheckpointMixin, _text


class TrainingSession(CheckpointMixin):
    """Builds everything, restores a checkpoint if asked, and runs the epochs."""

    def __init__(
        self,
        resolved: Any,
        device: str | None,
        runs_dir: Path,
        name: str | None,
        resume: str | os.PathLike[str] | None,
        seed: int | None,
        callback: loop.Callback | None,
    ) -> None:
        self.resolved = resolved
        self.config = resolved.config
        self.train_cfg = self.config.train
        self.metric_names = list(self.train_cfg.metrics)
        self.callback = callback
        self.requested_device = device
        self.runs_dir = runs_dir
        self.name = name or self.config.name
        self.resume = resume
        self.seed_override = seed
        self.epoch = 0  # completed epochs
        self.step = 0  # completed optimizer steps
        self.batch_in_epoch = 0
        self.best_val_loss: float | None = None
        self.best_epoch: int | None = None
        self.last_metrics: dict[str, dict[str, float]] = {}
        self.partial: dict[str, Any] | None = None
        self.checkpoints: dict[str, str] = {}
        self.prior_wall = 0.0
        self.run_dir: Path | None = None
        self.writer: MetricsWriter | None = None
        self._phase = "idle"  # "forward" (safe to roll back) or "update" (params changing)
        self.rank, self.world_size, self.distributed, self._stop = 0, 1, False, False
        self._rng_snapshot: dict[str, Any] | None = None
        self._accumulator: MetricAccumulator | None = None
        self.stop_reason: str | None = None

    # -- setup -------------------------------------------------------------------------------

    def _setup(self) -> None:
        from nettrain.training.build import (
            build_optimizer,
            build_scheduler,
            scheduler_steps_per_batch,
        )

        device = loop.resolve_device(self.requested_device, getattr(self.config, "device", "cpu"))
        self.rank, self.world_size = parallel.start_world(device)
        self.distributed = self.world_size > 1
        if self.distributed:
            self._check_batch_split()
        saved = None
        if self.resume is not None:
            saved = load_checkpoint(find_checkpoint(self.resume))
            if self.seed_override is None:
                self.seed_override = saved.meta.get("seed")
        self.parts = loop.build_components(self.resolved, self.requested_device, self.seed_override)
        self.seed = self.parts.seed
        self.model = self.parts.model
        self.params = list(self.model.parameters())
        self.optimizer = build_optimizer(self.config.optimizer, self.params)
        self.train_set = self.parts.splits.train
        self.val_set = getattr(self.parts.splits, "val", None)
        self.task = getattr(self.parts.splits, "task", "classification")
        self.steps_per_epoch = len(self._loader(0))
        if self.steps_per_epoch == 0:
            raise loop.ConfigError(
                loop.ConfigIssue(
                    "data.batch_size",
                    f"the training split ({len(self.train_set)} samples) gives no "
                    f"batch of {self.config.data.batch_size} with drop_last",
                    hint="lower batch_size",
                )
            )
        self.scheduler = None
        self.per_batch = False
        if getattr(self.config, "scheduler", None) is not None:
            self.scheduler = build_scheduler(
                self.config.scheduler, self.optimizer, self.steps_per_epoch, self.train_cfg.epochs
            )
            self.per_batch = bool(scheduler_steps_per_batch(self.config.scheduler))
        self.runner = self.model
        if self.distributed:
            from nettrain.nn.parallel import DistributedDataParallel

            self.runner = DistributedDataParallel(self.model)
            self.batch_sizes = parallel.global_batch_sizes(
                len(self.train_set), self.config.data.batch_size, bool(self.config.data.drop_last)
            )
        self.guard = ShapeGuard(self.model, runner=self.runner)
        spec = getattr(self.train_cfg, "early_stopping", None)
        self.early_stopping = EarlyStopping.from_config(spec) if spec is not None else None
        if saved is not None:
            self._restore(saved)
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
            prune_after(self.run_dir, self.step, self.epoch)
        self.writer = MetricsWriter(self.run_dir, self.metric_names)

    def _loader(self, epoch: int) -> Any:
        loader = loop.make_loader(self.train_set, self.config.data, self.seed, epoch, train=True)
        if not self.distributed:
            return loader
        from nettrain.utils.data import DataLoader

        shards = parallel.ShardedBatchSampler(loader.batch_sampler, self.rank, self.world_size)
        return DataLoader(self.train_set, batch_sampler=shards)

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> loop.RunResult:
        """Train to the end (or until max_steps); always closes the metric files."""
        self.started = loop.now()
        self._setup()
        try:
            with InterruptFlag() as self.flag:
                self._emit("start")
                self._epochs()
            summary = self._finish("completed")
        finally:
            if self.writer is not None:
                self.writer.close()
            self.guard.remove()
        return loop.RunResult(
            run_dir=self.run_dir,
            status="completed",
            epochs=self.epoch,
            steps=self.step,
            metrics=self.last_metrics,
            best_val_loss=self.best_val_loss,
            wall_time_s=summary["wall_time_s"],
            device=self.parts.device,
            checkpoints=dict(self.checkpoints),
            summary=summary,
        )

    def _epochs(self) -> None:
        max_steps = getattr(self.train_cfg, "max_steps", None)
        while self.epoch < self.train_cfg.epochs:
            if max_steps is not None and self.step >= max_steps:
                break
            try:
                finished = self._train_epoch(max_steps)
            except KeyboardInterrupt:
                if self.distributed:  # ranks stopped at different points (maybe inside an
                    raise  # all-reduce): no agreed state to save; the CLI aborts the job
                # A second Ctrl-C (or one raised by a callback): roll back a half-done
                # forward/backward; a half-applied optimizer step cannot be resumed exactly.
                if self._accumulator is not None:
                    self.partial = _accumulator_state(self._accumulator)
                self._interrupted(consistent=self._rollback_possible())
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
        accumulator = MetricAccumulator(self.task, self.metric_names)
        if self.partial and self.batch_in_epoch:
            accumulator.__dict__.update(self.partial)
        self._accumulator = accumulator
        window = MetricAccumulator(self.task, self.metric_names)
        self.model.train()
        epoch_start, epoch_samples = loop.now(), 0
        batches = itertools.islice(iter(self._loader(self.epoch)), self.batch_in_epoch, None)
        for x, y in batches:
            if max_steps is not None and self.step >= max_steps:
                self.partial = _accumulator_state(accumulator)
                self.last_metrics = {"train": accumulator.result()}
                return False
            self._rng_snapshot = nettrain.get_rng_state()  # cheap: the stream steps use
            value, out, y, reduced = self._step(x, y)
            if reduced is None:
                accumulator.update(value, out, y)
                window.update(value, out, y)
                epoch_samples += int(y.shape[0])
            else:  # under MPI: the global batch's sums, the same on every rank
                parallel.add_sums(accumulator, reduced)
                parallel.add_sums(window, reduced)
                epoch_samples += reduced.count
            del out
            self._after_step(accumulator, window, epoch_samples, loop.now() - epoch_start)
            if window.count and self.step % max(int(self.train_cfg.log_every_steps), 1) == 0:
                window = MetricAccumulator(self.task, self.metric_names)
            if self._stop_requested():
                self.partial = _accumulator_state(accumulator)
                self._interrupted(consistent=True)
        self.last_metrics = {"train": accumulator.result()}
        return True

    def _step(self, x: Any, y: Any) -> tuple[float, Any, Any, Any]:
        """One optimizer step; returns the loss, output, target and, under MPI, the global
        batch's metric sums (``None`` in one process)."""
        from nettrain.nn.utils import clip_grad_norm_

        self._phase = "forward"
        x, y = loop.to_device((x, y), self.parts.device)
        self.optimizer.zero_grad()
        if self.distributed:
            loss, value, out, reduced = self._parallel_loss(x, y)
        else:
            out = self.guard.forward(x)
            loss = loss_call(self.parts.loss_fn, out, y)
            value, reduced = float(loss.item()), None
        if loop.non_finite(value):
            raise self._non_finite_error(value)
        loss.backward()
        del loss  # the graph is freed by backward; drop the last reference too
        clip = getattr(self.train_cfg, "grad_clip_norm", None)
        self._phase = "update"
        if clip:
            clip_grad_norm_(self.params, clip)
        self.optimizer.step()
        if self.scheduler is not None and self.per_batch:
            self.scheduler.step()
        self.step += 1
        self.batch_in_epoch += 1
        self._phase = "idle"
        return value, out.detach(), y, reduced

    def _parallel_loss(self, x: Any, y: Any) -> tuple[Any, float, Any, Any]:
        """This rank's slice of the global batch: its scaled loss, the global batch's mean
        loss and metric sums (equal on every rank), see ``training.parallel``."""
        from nettrain.training.metrics import MetricAccumulator

        total = self.batch_sizes[self.batch_in_epoch]
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

    def _validate(self) -> dict[str, float]:
        if not self.distributed:
            return loop.evaluate_split(
                self.parts, self.val_set, self.config.data, self.metric_names, self.guard
            )
        shard = parallel.shard_dataset(self.val_set, self.rank, self.world_size)
        return loop.evaluate_split(
            self.parts,
            shard,
            self.config.data,
            self.metric_names,
            self.guard,
            reduce=parallel.reduce_accumulator,
        )

    def _after_step(
        self,
        accumulator: MetricAccumulator,
        window: MetricAccumulator,
        samples: int,
        elapsed: float,
    ) -> None:
        running = accumulator.result()
        speed = samples / elapsed if elapsed > 0 else None
        if self.step % max(int(self.train_cfg.log_every_steps), 1) == 0:
            record = {
                "event": "step",
                "split": "train",
                "epoch": self.epoch + 1,
                "step": self.step,
                "lr": self._lr(),
                **window.result(),
                "samples_per_sec": speed,
                "elapsed_s": self._wall(),
            }
            self.writer.write(record)
        self._emit(
            "step",
            loss=running.get("loss"),
            accuracy=running.get("accuracy"),
            samples_per_sec=speed,
        )

    def _end_of_epoch(self) -> None:
        self.epoch += 1
        self.batch_in_epoch = 0
        self.partial = None
        if self.val_set is not None and len(self.val_set):
            self.last_metrics["val"] = self._validate()
        if self.scheduler is not None and not self.per_batch:
            self._scheduler_epoch_step()
        if self.early_stopping is not None and self.early_stopping.update(self.last_metrics):
            self.stop_reason = self.early_stopping.reason
        for split, values in self.last_metrics.items():
            self.writer.write(
                {
                    "event": "epoch",
                    "split": split,
                    "epoch": self.epoch,
                    "step": self.step,
                    "lr": self._lr(),
                    **values,
                    "elapsed_s": self._wall(),
                }
            )
        self._save_epoch_checkpoints()
        self._emit("epoch", metrics=self.last_metrics)
        stop = parallel.agree(self.flag.raised) if self.distributed else self.flag.raised
        if stop:
            self._interrupted(consistent=True)

    def _end_of_run_partial(self) -> None:
        """max_steps stopped mid-epoch: validate and save ``last`` at this position."""
        if self.val_set is not None and len(self.val_set):
            self.last_metrics["val"] = self._validate()
        data = self._encode()
        self._write(data, "last")

    def _scheduler_epoch_step(self) -> None:
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            source = self.last_metrics.get("val") or self.last_metrics.get("train", {})
            self.scheduler.step(source.get("loss"))
        else:
            self.scheduler.step()

    # -- stopping ----------------------------------------------------------------------------

    def _non_finite_error(self, value: float) -> loop.NonFiniteLossError:
        last = self.checkpoints.get("last") or _existing(
            self.run_dir / CHECKPOINTS / "last.safetensors"
        )
        kept = f"; last good checkpoint kept: {last}" if last else "; no checkpoint was written yet"
        message = (
            f"loss became {value} at step {self.step + 1} (epoch {self.epoch + 1}); training "
            f"stopped{kept}. Lower optimizer.lr or set train.grad_clip_norm."
        )
        self._finish("non_finite_loss", error=message)
        return loop.NonFiniteLossError(
            message, self.step + 1, self.epoch + 1, self.run_dir, Path(last) if last else None
        )

    def _interrupted(self, consistent: bool) -> None:
        checkpoint = None
        if consistent:
            if self._phase == "forward" and self._rng_snapshot is not None:
                nettrain.set_rng_state(self._rng_snapshot)
            self._phase = "idle"
            checkpoint = self._write(self._encode(), "interrupted")
        config = self.resolved.path or "CONFIG"
        command = f"nettrain train {config} --resume {self.run_dir}"
        self._finish("interrupted")
        where = f"saved {checkpoint}" if checkpoint else "no checkpoint (stopped inside a step)"
        raise loop.TrainingInterrupted(
            f"interrupted at step {self.step} (epoch {self.epoch + 1}); {where}. "
            f"Resume with: {command}",
            self.run_dir,
            checkpoint,
            command,
        )

    # -- reporting ---------------------------------------------------------------------------

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _wall(self) -> float:
        return self.prior_wall + (loop.now() - self.started)

    def _emit(self, kind: str, **values: Any) -> None:
        if self.callback is None:
            return
        self.callback(
            loop.ProgressEvent(
                kind=kind,
                epoch=self.epoch + (1 if kind in ("start", "step") else 0),
                epochs=self.train_cfg.epochs,
                step=self.step,
                steps_per_epoch=self.steps_per_epoch,
                batch=self.batch_in_epoch,
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
            "epochs": self.epoch,
            "steps": self.step,
            "metrics": self.last_metrics,
            "best_val_loss": self.best_val_loss,
            "best_epoch": self.best_epoch,
            "wall_time_s": round(self._wall(), 3),
            "device": self.parts.device,
            "seed": self.seed,
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
            self._emit("end", metrics=self.last_metrics)
        return summary


def _accumulator_state(accumulator: MetricAccumulator) -> dict[str, Any]:
    keys = ("count", "loss_sum", "correct", "abs_sum", "sq_sum")
    return {k: getattr(accumulator, k) for k in keys}


def _existing(path: Path) -> str | None:
    return str(path) if path.is_file() else None
