"""Checkpoints: the layout of a training run's file (the codec is ``nettrain.serialization``).

A checkpoint is the nested state ``{"model": ..., "optimizer": ..., "scheduler": ...}``
written by the one codec, so its tensors are ``model.<state_dict key>``,
``optimizer.<path>`` and ``scheduler.<path>`` (``nettrain inspect-params`` and any
safetensors reader see them by those names, and ``nettrain.load`` reads the whole file), plus
the metadata ``format`` = ``nettrain.checkpoint``, ``format_version``, ``nettrain_version``
and ``nettrain`` (a JSON document: epoch, step, resolved config, RNG states, metrics).

Format versions: 2 (written now) keeps the optimizer/scheduler structure in the codec's
skeleton; 1 (nettrain before the one codec) kept it in the ``nettrain`` document with its
own tags and is still read (``_checkpoint_v1``). Writes are atomic; bad files are a
CheckpointError from the codec's strict reader.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nettrain._atomic import atomic_write_bytes
from nettrain.errors import CheckpointError
from nettrain.serialization import decode, encode, read_safetensors
from nettrain.tensor import Tensor
from nettrain.training import _checkpoint_v1

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Checkpoint",
    "check_model_state",
    "encode_checkpoint",
    "load_checkpoint",
    "load_weights",
    "read_safetensors",  # re-exported: older callers read plain files through this module
    "restore_model",
    "save_checkpoint",
]

FORMAT = "nettrain.checkpoint"
FORMAT_VERSION = 2
_READABLE = ("1", "2")


@dataclass
class Checkpoint:
    """A loaded nettrain checkpoint; tensors are numpy arrays (move them where needed)."""

    path: Path
    model: dict[str, np.ndarray]
    optimizer: Any
    scheduler: Any
    meta: dict[str, Any] = field(default_factory=dict)


# -- writing --------------------------------------------------------------------------------


def encode_checkpoint(
    model_state: dict[str, Any],
    optimizer_state: Any = None,
    scheduler_state: Any = None,
    meta: dict[str, Any] | None = None,
) -> bytearray:
    """The bytes of a checkpoint file (encode once, write to several names).

    ``model_state`` maps names to tensors (nettrain Tensors or numpy arrays); the optimizer
    and scheduler states are any nested state the codec stores (functions become None, as
    PyTorch's schedulers store lambdas). ``meta`` is the JSON run record.
    """
    import nettrain

    model: dict[str, Any] = {}
    for key, value in model_state.items():
        value = np.asarray(value) if isinstance(value, np.generic) else value
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"model state {key!r} is {type(value).__name__}, not a tensor")
        model[key] = value
    state = {"model": model, "optimizer": optimizer_state, "scheduler": scheduler_state}
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "nettrain_version": nettrain.__version__,
        "nettrain": json.dumps(dict(meta or {}), default=_json_default),
    }
    return encode(state, metadata, drop_callables=True)


def save_checkpoint(
    path: str | os.PathLike[str],
    model_state: dict[str, Any],
    optimizer_state: Any = None,
    scheduler_state: Any = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically and return its path.

    Example:
        >>> save_checkpoint("ckpt.safetensors", model.state_dict(), opt.state_dict(),
        ...                 meta={"epoch": 1, "step": 40})
    """
    target = Path(path)
    atomic_write_bytes(
        target, encode_checkpoint(model_state, optimizer_state, scheduler_state, meta)
    )
    return target


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"cannot store {type(value).__name__} in checkpoint metadata")


# -- reading --------------------------------------------------------------------------------


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a nettrain checkpoint; a plain safetensors state dict is a CheckpointError here."""
    source = Path(path)
    return _checkpoint(source, *read_safetensors(source))


def _checkpoint(
    source: Path, arrays: dict[str, np.ndarray], metadata: dict[str, str]
) -> Checkpoint:
    """Split a read file into the checkpoint's parts, by its format version."""
    if metadata.get("format") != FORMAT or "nettrain" not in metadata:
        raise CheckpointError(
            f"{source} is a safetensors file but not a nettrain checkpoint (no "
            f"'{FORMAT}' metadata): it cannot resume a run; `nettrain inspect-params` reads it"
        )
    version = metadata.get("format_version", "?")
    if version not in _READABLE:
        raise CheckpointError(
            f"{source} has checkpoint format version {version}; this nettrain reads versions "
            f"{' and '.join(_READABLE)}: upgrade nettrain to resume it"
        )
    try:
        document = json.loads(metadata["nettrain"])
    except json.JSONDecodeError as exc:
        raise CheckpointError(
            f"{source} has corrupt checkpoint metadata ({exc}); use another checkpoint"
        ) from None
    if version == "1":
        return Checkpoint(source, *_checkpoint_v1.read(source, arrays, document), document)
    state = decode(arrays, metadata, str(source))
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict):
        raise CheckpointError(
            f"{source} is corrupt: its structure has no model state; use another checkpoint"
        )
    return Checkpoint(
        source, state["model"], state.get("optimizer"), state.get("scheduler"), document
    )


def check_model_state(
    model_state: dict[str, Any], saved: dict[str, np.ndarray], source: Any
) -> None:
    """Raise CheckpointError listing every missing, unexpected and mis-shaped key at once."""
    problems = []
    for key, value in model_state.items():
        if key not in saved:
            problems.append(f"missing in checkpoint: model.{key} (model has {tuple(value.shape)})")
        elif tuple(saved[key].shape) != tuple(value.shape):
            problems.append(
                f"shape mismatch: model.{key}: checkpoint {tuple(saved[key].shape)}, "
                f"model {tuple(value.shape)}"
            )
    problems.extend(
        f"unexpected in checkpoint: model.{key} {tuple(saved[key].shape)}"
        for key in saved
        if key not in model_state
    )
    if problems:
        raise CheckpointError(
            f"{source} does not fit this model ({len(problems)} mismatched key"
            f"{'s' if len(problems) != 1 else ''}):\n  " + "\n  ".join(problems)
        )


def restore_model(model: Any, saved: dict[str, np.ndarray], source: Any = "checkpoint") -> None:
    """Load ``saved`` into ``model`` after checking keys and shapes; keeps the model's device.

    Arrays already of the parameter's dtype are wrapped, not copied: ``load_state_dict``
    makes the one copy, into the model's own tensors.
    """
    import nettrain

    current = model.state_dict()
    check_model_state(current, saved, source)
    state = {
        key: nettrain.from_numpy(np.asarray(saved[key], dtype=value._data.dtype)).to(value.device)
        for key, value in current.items()
    }
    model.load_state_dict(state)


def load_weights(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Model weights from a nettrain checkpoint or a plain state dict (e.g. from PyTorch).

    Returns the state dict (without the ``model.`` prefix) and the checkpoint's metadata
    (empty for a plain file), for evaluation: optimizer state is not needed there.
    """
    source = Path(path)
    tensors, metadata = read_safetensors(source)  # read once, whichever kind of file
    if metadata.get("format") == FORMAT:
        saved = _checkpoint(source, tensors, metadata)
        return saved.model, saved.meta
    return tensors, {}
