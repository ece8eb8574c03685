"""Checkpoints: one safetensors file with the model, optimizer and scheduler state and metadata.

Layout of a nettrain checkpoint:

* tensors ``model.<state_dict key>``, ``optimizer.<path>``, ``scheduler.<path>``
  (nested state dicts are flattened; their non-tensor parts go to the metadata);
* safetensors metadata ``format`` = ``nettrain.checkpoint``, ``format_version``,
  ``nettrain_version`` and ``nettrain`` (a JSON document: epoch, step, resolved config,
  RNG states, metrics, and the non-tensor structure of the optimizer/scheduler state).

Files are written atomically (temporary file, fsync, rename) and read with a strict parser
that turns truncation, corruption and foreign formats into a CheckpointError saying which.
Plain safetensors state dicts (e.g. written by PyTorch) are readable with ``read_safetensors``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nettrain._atomic import atomic_write_bytes
from nettrain.errors import CheckpointError

FORMAT = "nettrain.checkpoint"
FORMAT_VERSION = 1

_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U64": np.uint64,
    "U32": np.uint32,
    "U16": np.uint16,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_MAX_HEADER = 100 * 1024 * 1024


@dataclass
class Checkpoint:
    """A loaded nettrain checkpoint; tensors are numpy arrays (move them where needed)."""

    path: Path
    model: dict[str, np.ndarray]
    optimizer: Any
    scheduler: Any
    meta: dict[str, Any] = field(default_factory=dict)


# -- flattening nested state dicts ------------------------------------------------------------


def _as_numpy(value: Any) -> np.ndarray | None:
    """The array behind a numpy array, nettrain Tensor or torch tensor; None for other values."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "_data") and hasattr(value, "grad_fn"):  # nettrain.Tensor
        from nettrain.backend import to_numpy

        return to_numpy(value._data)
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return None


def flatten_state(value: Any, prefix: str, tensors: dict[str, np.ndarray]) -> Any:
    """Move every tensor of ``value`` into ``tensors`` and return a JSON-able skeleton.

    Tensors become ``{"__tensor__": key}``; dicts with non-string keys (optimizer state is
    keyed by parameter index) and tuples are tagged so that they come back unchanged.
    """
    array = _as_numpy(value)
    if array is not None:
        tensors[prefix] = np.asarray(array)
        return {"__tensor__": prefix}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: flatten_state(v, f"{prefix}.{k}", tensors) for k, v in value.items()}
        pairs = [[k, flatten_state(v, f"{prefix}.{k}", tensors)] for k, v in value.items()]
        return {"__dict__": pairs}
    if isinstance(value, (list, tuple)):
        items = [flatten_state(v, f"{prefix}.{i}", tensors) for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return None  # callables (LambdaLR's functions) cannot be stored, as in PyTorch


def unflatten_state(skeleton: Any, tensors: dict[str, np.ndarray], convert: Any = None) -> Any:
    """Inverse of ``flatten_state``; ``convert`` maps each numpy array (e.g. to a Tensor)."""
    if isinstance(skeleton, dict):
        if set(skeleton) == {"__tensor__"}:
            key = skeleton["__tensor__"]
            if key not in tensors:
                raise CheckpointError(f"checkpoint is corrupt: tensor {key!r} is missing")
            return tensors[key] if convert is None else convert(tensors[key])
        if set(skeleton) == {"__dict__"}:
            return {_key(k): unflatten_state(v, tensors, convert) for k, v in skeleton["__dict__"]}
        if set(skeleton) == {"__tuple__"}:
            return tuple(unflatten_state(v, tensors, convert) for v in skeleton["__tuple__"])
        return {k: unflatten_state(v, tensors, convert) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [unflatten_state(v, tensors, convert) for v in skeleton]
    return skeleton


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


# -- writing --------------------------------------------------------------------------------


def encode_checkpoint(
    model_state: dict[str, Any],
    optimizer_state: Any = None,
    scheduler_state: Any = None,
    meta: dict[str, Any] | None = None,
) -> bytes:
    """The bytes of a checkpoint file (encode once, write to several names)."""
    import nettrain

    tensors: dict[str, np.ndarray] = {}
    for key, value in model_state.items():
        array = np.asarray(value) if isinstance(value, np.generic) else _as_numpy(value)
        if array is None:
            raise TypeError(f"model state {key!r} is {type(value).__name__}, not a tensor")
        tensors[f"model.{key}"] = np.asarray(array)
    document = dict(meta or {})
    document["optimizer"] = flatten_state(optimizer_state, "optimizer", tensors)
    document["scheduler"] = flatten_state(scheduler_state, "scheduler", tensors)
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "nettrain_version": nettrain.__version__,
        "nettrain": json.dumps(document, default=_json_default),
    }
    return encode_safetensors(tensors, metadata)


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


def encode_safetensors(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """Serialise arrays in the safetensors layout (keeps 0-d shapes, unlike some writers).

    An 8-byte little-endian header length, a JSON header (padded with spaces to a multiple
    of 8), then each tensor's little-endian bytes in key order.
    """
    names = {np.dtype(v): k for k, v in _DTYPES.items()}
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for key in sorted(tensors):
        array = np.asarray(tensors[key])
        dtype = array.dtype.newbyteorder("=")
        if dtype not in names:
            raise TypeError(f"cannot store tensor {key!r} of dtype {array.dtype} in safetensors")
        raw = array.astype(dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[key] = {
            "dtype": names[dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"cannot store {type(value).__name__} in checkpoint metadata")


# -- reading --------------------------------------------------------------------------------


def read_safetensors(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read any safetensors file into numpy arrays plus its string metadata.

    Raises CheckpointError for a missing file, a file that is not safetensors (a pickle,
    a zip written by ``torch.save``, text), a truncated file, or an inconsistent header.
    bfloat16 tensors are widened to float32 (numpy has no bfloat16).
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"checkpoint not found: {source}")
    data = source.read_bytes()
    header, offset = _parse_header(source, data)
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{source}: corrupt safetensors header (__metadata__ is not a map)")
    buffer = memoryview(data)[offset:]
    tensors = {name: _read_tensor(source, name, info, buffer) for name, info in header.items()}
    return tensors, {str(k): str(v) for k, v in metadata.items()}


def _parse_header(source: Path, data: bytes) -> tuple[dict[str, Any], int]:
    foreign = f"{source} is not a safetensors file" + (
        " (it looks like a torch.save zip/pickle file; nettrain reads only safetensors)"
        if data[:2] == b"PK" or data[:1] == b"\x80"
        else ""
    )
    if len(data) < 8:
        raise CheckpointError(
            f"{source} is truncated or not a safetensors file ({len(data)} bytes)"
        )
    size = int.from_bytes(data[:8], "little")
    if size == 0 or size > _MAX_HEADER or data[8:9] != b"{":
        raise CheckpointError(foreign)
    if 8 + size > len(data):
        raise CheckpointError(
            f"{source} is truncated: its header needs {size} bytes, the file has {len(data) - 8}"
        )
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{source}: corrupt safetensors header ({exc})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{source}: corrupt safetensors header (not a JSON object)")
    return header, 8 + size


def _read_tensor(source: Path, name: str, info: Any, buffer: memoryview) -> np.ndarray:
    try:
        dtype_name, shape, (begin, end) = info["dtype"], list(info["shape"]), info["data_offsets"]
        begin, end = int(begin), int(end)
    except (TypeError, KeyError, ValueError):
        raise CheckpointError(f"{source}: corrupt header entry for tensor {name!r}") from None
    if end > len(buffer):
        raise CheckpointError(
            f"{source} is truncated: tensor {name!r} ends at byte {end} of the data section, "
            f"which has only {len(buffer)} bytes (an interrupted copy or download?)"
        )
    if dtype_name == "BF16":
        raw = np.frombuffer(buffer[begin:end], dtype="<u2").astype(np.uint32) << 16
        array = raw.view(np.float32)
    elif dtype_name in _DTYPES:
        dtype = np.dtype(_DTYPES[dtype_name]).newbyteorder("<")
        if (end - begin) != math.prod(shape) * dtype.itemsize or begin > end:
            raise CheckpointError(
                f"{source}: corrupt header: tensor {name!r} of shape {tuple(shape)} "
                f"({dtype_name}) does not fit its {end - begin} bytes"
            )
        array = np.frombuffer(buffer[begin:end], dtype=dtype).astype(dtype.newbyteorder("="))
    else:
        raise CheckpointError(f"{source}: tensor {name!r} has unsupported dtype {dtype_name}")
    return array.reshape(shape).copy()


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a nettrain checkpoint; a plain safetensors state dict is a CheckpointError here."""
    source = Path(path)
    tensors, metadata = read_safetensors(source)
    if metadata.get("format") != FORMAT or "nettrain" not in metadata:
        raise CheckpointError(
            f"{source} is a safetensors file but not a nettrain checkpoint (no "
            f"'{FORMAT}' metadata): it cannot resume a run; `nettrain inspect-params` reads it"
        )
    version = metadata.get("format_version", "?")
    if version != str(FORMAT_VERSION):
        raise CheckpointError(
            f"{source} has checkpoint format version {version}; this nettrain reads "
            f"version {FORMAT_VERSION}"
        )
    try:
        document = json.loads(metadata["nettrain"])
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{source}: corrupt checkpoint metadata ({exc})") from None
    model = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    optimizer = unflatten_state(document.pop("optimizer", None), tensors)
    scheduler = unflatten_state(document.pop("scheduler", None), tensors)
    return Checkpoint(source, model, optimizer, scheduler, document)


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
    """Load ``saved`` into ``model`` after checking keys and shapes; keeps the model's device."""
    import nettrain

    current = model.state_dict()
    check_model_state(current, saved, source)
    state = {
        key: nettrain.from_numpy(np.array(saved[key], dtype=value._data.dtype)).to(value.device)
        for key, value in current.items()
    }
    model.load_state_dict(state)


def load_weights(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Model weights from a nettrain checkpoint or a plain state dict (e.g. from PyTorch).

    Returns the state dict (without the ``model.`` prefix) and the checkpoint's metadata
    (empty for a plain file), for evaluation: optimizer state is not needed there.
    """
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") == FORMAT:
        saved = load_checkpoint(path)
        return saved.model, saved.meta
    return tensors, {}
