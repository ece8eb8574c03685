"""Statistics of every tensor in a checkpoint (``nettrain inspect-params`` as a library).

Reads nettrain checkpoints and plain safetensors state dicts (e.g. written by PyTorch's
``safetensors.torch.save_file``); a run directory means its latest checkpoint.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nettrain.serialization import read_safetensors
from nettrain.training.checkpoint import FORMAT
from nettrain.training.runs import find_checkpoint


@dataclass
class TensorStats:
    """One tensor's summary; statistics are None for empty tensors."""

    name: str
    shape: list[int]
    dtype: str
    count: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    norm: float | None


@dataclass
class InspectReport:
    """What ``inspect-params`` shows: tensors, totals and the checkpoint's metadata."""

    path: str
    format: str
    tensors: list[TensorStats]
    totals: dict[str, int]
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A stable, JSON-serialisable dict (the ``--json`` output)."""
        return {
            "path": self.path,
            "format": self.format,
            "tensors": [asdict(t) for t in self.tensors],
            "totals": self.totals,
            "metadata": self.metadata,
        }


def tensor_stats(name: str, array: np.ndarray) -> TensorStats:
    """Mean, std (population, as numpy), min, max and L2 norm computed in float64."""
    count = int(array.size)
    dtype = str(array.dtype)
    if count == 0:
        return TensorStats(name, list(array.shape), dtype, 0, None, None, None, None, None)
    values = array.astype(np.float64, copy=False)
    return TensorStats(
        name=name,
        shape=list(array.shape),
        dtype=dtype,
        count=count,
        mean=float(values.mean()),
        std=float(values.std()),
        min=float(values.min()),
        max=float(values.max()),
        norm=float(np.sqrt(np.sum(values * values))),
    )


def inspect_checkpoint(target: str | os.PathLike[str], pattern: str | None = None) -> InspectReport:
    """Summarise the checkpoint at ``target`` (a file or a run directory).

    ``pattern`` is a glob over tensor names (``model.*.weight``).

    Example:
        >>> report = inspect_checkpoint("runs/linear/20250101-120000", "model.*")
        >>> report.totals["parameters"]
    """
    path = find_checkpoint(target)
    tensors, metadata = read_safetensors(path)
    is_nettrain = metadata.get("format") == FORMAT
    names = sorted(tensors)
    if pattern:
        names = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    stats = [tensor_stats(n, tensors[n]) for n in names]
    model_names = [n for n in names if n.startswith("model.")] if is_nettrain else names
    totals = {
        "tensors": len(stats),
        "elements": sum(s.count for s in stats),
        "bytes": sum(int(tensors[n].nbytes) for n in names),
        "parameters": sum(int(tensors[n].size) for n in model_names),
    }
    return InspectReport(
        path=str(path),
        format="nettrain" if is_nettrain else "safetensors",
        tensors=stats,
        totals=totals,
        metadata=_metadata(metadata, is_nettrain),
    )


def _metadata(metadata: dict[str, str], is_nettrain: bool) -> dict[str, Any]:
    """The metadata worth showing: versions, epoch, step, metrics, config (no RNG states)."""
    if not is_nettrain:
        return dict(metadata)
    shown: dict[str, Any] = {
        "format_version": metadata.get("format_version"),
        "nettrain_version": metadata.get("nettrain_version"),
    }
    try:
        document = json.loads(metadata.get("nettrain", "{}"))
    except json.JSONDecodeError:
        document = {}
    for key in ("kind", "epoch", "step", "seed", "device", "metrics", "best_val_loss", "config"):
        if key in document:
            shown[key] = document[key]
    return shown


def checkpoint_path(target: str | os.PathLike[str]) -> Path:
    """The checkpoint file ``target`` refers to (see ``runs.find_checkpoint``)."""
    return find_checkpoint(target)


# -- configs and registries (``nettrain validate`` / ``nettrain list``) -----------------------


def describe_config(resolved: Any, device: str | None = None) -> dict[str, Any]:
    """Build everything a config describes and push one batch through model and loss.

    Catches what validation of the file alone cannot: layer sizes that do not chain, a
    last layer that does not fit the loss or data. Nothing is trained or written.
    """
    import nettrain
    from nettrain.training.build import (
        build_components,
        build_optimizer,
        build_scheduler,
        make_loader,
        to_device,
    )
    from nettrain.training.guards import ShapeGuard, loss_call

    config = resolved.config
    parts = build_components(resolved, device)
    optimizer = build_optimizer(config.optimizer, parts.model.parameters())
    loader = make_loader(parts.splits.train, config.data, parts.seed, 0, train=True)
    if getattr(config, "scheduler", None) is not None:
        build_scheduler(config.scheduler, optimizer, max(len(loader), 1), config.train.epochs)
    guard = ShapeGuard(parts.model)
    try:
        x, y = to_device(next(iter(loader)), parts.device)
        with nettrain.no_grad():
            out = guard.forward(x)
            loss_call(parts.loss_fn, out, y)
    finally:
        guard.remove()
    params = list(parts.model.parameters())
    sizes = {
        split: len(getattr(parts.splits, split))
        for split in ("train", "val", "test")
        if getattr(parts.splits, split, None) is not None
    }
    return {
        "model": repr(parts.model),
        "parameters": sum(p.numel() for p in params),
        "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
        "samples": sizes,
        "task": getattr(parts.splits, "task", None),
        "output_shape": list(out.shape),
        "device": parts.device,
        "config": resolved.raw,
    }


def list_registered(kind: str | None = None) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every registered name per kind, with its arguments (name, required, default, type)."""
    from nettrain.training import registry

    kinds = {
        "modules": registry.MODULES,
        "losses": registry.LOSSES,
        "optimizers": registry.OPTIMIZERS,
        "schedulers": registry.SCHEDULERS,
        "datasets": registry.DATASETS,
    }
    if kind is not None and kind not in kinds:
        from nettrain.errors import ConfigError

        raise ConfigError(f"unknown kind {kind!r}; choose one of {', '.join(kinds)}")
    result: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for label, reg in kinds.items():
        if kind is not None and label != kind:
            continue
        result[label] = {
            name: [_arg_record(a) for a in reg.arguments(name)] for name in reg.names()
        }
    return result


def _arg_record(arg: Any) -> dict[str, Any]:
    default = arg.default
    if arg.required:
        default = None
    elif (
        not isinstance(default, (type(None), bool, int, float, str, list, tuple))
        or isinstance(default, float)
        and not np.isfinite(default)
    ):
        default = repr(default)
    return {
        "name": arg.name,
        "required": bool(arg.required),
        "default": list(default) if isinstance(default, tuple) else default,
        "type": arg.annotation or None,
    }
