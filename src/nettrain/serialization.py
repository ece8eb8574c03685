"""``nettrain.save`` / ``nettrain.load``: safetensors files, never pickle.

A state dict of tensors is written as the safetensors tensors themselves, with the same keys,
so ``safetensors.torch.load_file`` reads a nettrain model's file straight into a PyTorch
``load_state_dict`` (and the other way round). Nested dicts (an optimizer's state_dict) are
flattened with ``.``-joined keys; their structure and non-tensor leaves (numbers, strings,
lists, None) travel as JSON in the file's metadata, so they round-trip too.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from typing import IO, Any

import numpy as np
import safetensors.numpy

from nettrain._atomic import atomic_write_bytes
from nettrain.backend import parse_device, to_device, to_numpy
from nettrain.errors import CheckpointError
from nettrain.tensor import Tensor

_TREE_KEY = "nettrain.tree"
_NUMPY_DTYPES = {"BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F16", "F32", "F64"}

PathLike = str | os.PathLike


def save(obj: Any, f: PathLike | IO[bytes], metadata: Mapping[str, str] | None = None) -> None:
    """Write a (possibly nested) dict of tensors to a safetensors file, atomically.

    Args:
        obj: a dict whose leaves are tensors, numbers, strings, None, or lists/tuples of them.
        f: the destination path (written through a temporary file, fsync and rename, so a
            crash leaves the old file or the new one, never half of one), or a binary file.
        metadata: extra string key/values stored in the file's header.

    Raises:
        TypeError: ``obj`` is not a dict, or holds something that is not serialisable.
        ValueError: two entries flatten to the same key.

    Example:
        >>> nettrain.save(model.state_dict(), "model.safetensors")
    """
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"nettrain.save expects a dict (e.g. model.state_dict()), got {type(obj).__name__}"
        )
    tensors: dict[str, np.ndarray] = {}
    tree = _encode(obj, "", tensors)
    header_meta = {"format": "pt", _TREE_KEY: json.dumps(tree)}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata must map str to str, got {key!r}: {type(value).__name__}")
        header_meta[key] = value
    payload = _serialize(tensors, header_meta)
    if hasattr(f, "write"):
        f.write(payload)  # type: ignore[union-attr]
        return
    atomic_write_bytes(os.fspath(f), payload)


def load(f: PathLike | IO[bytes], map_location: Any = None) -> Any:
    """Read a file written by ``save`` (or any safetensors file, e.g. from PyTorch).

    Args:
        f: a path or a binary file.
        map_location: device for the tensors (``"cpu"`` by default, ``"cuda"``, ...).

    Returns:
        The saved dict, nested as it was saved; a foreign file gives its flat dict of tensors.

    Raises:
        CheckpointError: the file is missing, truncated, corrupt, or not safetensors.

    Example:
        >>> model.load_state_dict(nettrain.load("model.safetensors"))
    """
    name = getattr(f, "name", "<file object>") if hasattr(f, "read") else os.fspath(f)
    try:
        data = f.read() if hasattr(f, "read") else _read(name)  # type: ignore[union-attr]
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {name!r}: {err}") from err
    arrays, meta = _parse(data, name)
    device = None if map_location is None else parse_device(map_location)
    tensors = {
        key: Tensor._make(array if device is None else to_device(array, device))
        for key, array in arrays.items()
    }
    tree = meta.get(_TREE_KEY)
    if tree is None:
        return tensors
    try:
        return _decode(json.loads(tree), tensors)
    except (ValueError, KeyError, TypeError) as err:
        raise CheckpointError(f"checkpoint {name!r} has a corrupt structure record: {err}") from err


# -- structure encoding ------------------------------------------------------------


def _encode(value: Any, path: str, tensors: dict[str, np.ndarray]) -> Any:
    """A JSON tree of ``value``; tensors go to ``tensors`` under their dotted path."""
    if isinstance(value, Tensor):
        if path in tensors:
            raise ValueError(f"two entries of the saved dict flatten to the same key {path!r}")
        array = to_numpy(value._data)
        # copy(order="C") rather than ascontiguousarray, which turns 0-d arrays into 1-d
        tensors[path] = array if array.flags.c_contiguous else array.copy(order="C")
        return {"T": path}
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"dict keys must be str or int, got {key!r} at {path or '<root>'}")
            items.append([key, _encode(item, f"{path}.{key}" if path else str(key), tensors)])
        return {"D": items}
    if isinstance(value, (list, tuple)):
        tag = "L" if isinstance(value, list) else "U"
        return {tag: [_encode(v, f"{path}.{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"V": value}
    raise TypeError(
        f"nettrain.save cannot store {type(value).__name__} at {path or '<root>'}: only "
        "tensors, numbers, strings, None and dicts/lists of them (no pickle)"
    )


def _decode(node: dict[str, Any], tensors: dict[str, Tensor]) -> Any:
    (tag, body), *_ = node.items()
    if tag == "T":
        return tensors[body]
    if tag == "D":
        return {key: _decode(item, tensors) for key, item in body}
    if tag == "L":
        return [_decode(item, tensors) for item in body]
    if tag == "U":
        return tuple(_decode(item, tensors) for item in body)
    if tag == "V":
        return body
    raise ValueError(f"unknown node tag {tag!r}")


# -- file format -------------------------------------------------------------------


def _serialize(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    try:
        return safetensors.numpy.save(tensors, metadata=metadata)
    except (ValueError, TypeError) as err:  # e.g. an object or unsupported dtype
        raise TypeError(f"nettrain.save cannot store these tensors: {err}") from err


def _parse(data: bytes, name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Validate and decode a safetensors byte string; every problem is a CheckpointError."""

    def bad(why: str) -> CheckpointError:
        return CheckpointError(
            f"{name!r} is not a valid safetensors checkpoint: {why} (is the file truncated, "
            "corrupt, or saved in another format such as pickle?)"
        )

    if len(data) < 8:
        raise bad(f"only {len(data)} bytes, too short for a header")
    (size,) = struct.unpack("<Q", data[:8])
    if 8 + size > len(data):
        raise bad(f"header length {size} exceeds the file size {len(data)}")
    try:
        header = json.loads(data[8 : 8 + size])
    except (UnicodeDecodeError, ValueError) as err:
        raise bad(f"header is not JSON ({err})") from err
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")
    for key, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if key != "__metadata__" and dtype not in _NUMPY_DTYPES:
            raise CheckpointError(
                f"{name!r}: tensor {key!r} has dtype {dtype!r}, which nettrain cannot hold "
                f"(supported: {', '.join(sorted(_NUMPY_DTYPES))}); convert it to float32 "
                "before saving"
            )
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as err:  # SafetensorError and friends: any reason means unreadable
        raise bad(str(err)) from err
    return arrays, header.get("__metadata__") or {}


def _read(path: str) -> bytes:
    if not os.path.exists(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    with open(path, "rb") as handle:
        return handle.read()
