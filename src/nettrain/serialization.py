"""The one file codec: nested state <-> a safetensors file. ``nettrain.save``/``load`` use it,
and so do training checkpoints (``nettrain.training.checkpoint`` adds only their layout).

Format. Every tensor of the (possibly nested) dict is a safetensors tensor named by its
``.``-joined path (``model.fc.weight``, ``state.0.exp_avg``), so ``safetensors.torch.load_file``
reads a nettrain model's file straight into a PyTorch ``load_state_dict`` and the other way
round. The structure and the non-tensor leaves (numbers, strings, None, lists, tuples, dicts
with int keys) travel as a JSON skeleton in the metadata entry ``nettrain.tree``; a file
without it (e.g. written by PyTorch) loads as its flat dict of tensors. Never pickle.

dtypes. One table, ``nettrain.dtypes.SAFETENSORS_CODES``: float16/32/64, int8/16/32/64,
uint8 and bool are stored and loaded as themselves. **bfloat16 tensors (``BF16``, common in
PyTorch and Hugging Face files) load as float32**: numpy and cupy have no bfloat16, and every
bfloat16 value is exactly a float32, so nothing is lost and the weights load into a float32
model as PyTorch's ``load_state_dict`` would cast them. Saving them again writes float32.
Any other code (float8, uint16/32/64) is a CheckpointError naming the tensor.

Reading. A file is read once into one writable buffer; each tensor is a numpy view of it
(no further copy, except to widen bfloat16 or to align a tensor an odd writer misplaced).
The views keep the buffer alive until the last one is dropped. Truncated, corrupt and
foreign files (``torch.save`` pickles and zips, text) are a CheckpointError naming the
file, what is wrong and what to do.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from typing import IO, Any

import numpy as np

from nettrain._atomic import atomic_write_bytes
from nettrain.backend import parse_device, to_device, to_numpy
from nettrain.dtypes import SAFETENSORS_CODES
from nettrain.errors import CheckpointError
from nettrain.tensor import Tensor

TREE_KEY = "nettrain.tree"
_MAX_HEADER = 100 * 1024 * 1024  # what the safetensors library itself accepts
_NUMPY_OF = {code: d.numpy for code, d in SAFETENSORS_CODES.items()}
_CODE_OF = {d.numpy: code for code, d in SAFETENSORS_CODES.items()}
_FIX = "re-copy or re-save the file, or use another checkpoint"

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
    payload = encode(obj, {"format": "pt", **(metadata or {})})
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
        bfloat16 tensors come back as float32 (see the module docstring).

    Raises:
        CheckpointError: the file is missing, truncated, corrupt, or not safetensors.

    Example:
        >>> model.load_state_dict(nettrain.load("model.safetensors"))
    """
    if hasattr(f, "read"):
        name = str(getattr(f, "name", "<file object>"))
        data = np.frombuffer(bytearray(f.read()), np.uint8)  # type: ignore[union-attr]
        arrays, meta = _unpack(data, name)
    else:
        name = os.fspath(f)
        arrays, meta = read_safetensors(name)
    device = None if map_location is None else parse_device(map_location)

    def as_tensor(array: np.ndarray) -> Tensor:
        return Tensor._make(array if device is None else to_device(array, device))

    return decode(arrays, meta, name, as_tensor)


# -- the codec: nested state <-> flat arrays + JSON skeleton ------------------------------


def encode(
    state: Mapping[str, Any],
    metadata: Mapping[str, str] | None = None,
    *,
    drop_callables: bool = False,
) -> bytearray:
    """The bytes of a safetensors file holding ``state`` (nested) and string ``metadata``.

    Tensors and numpy arrays are the file's tensors; everything else goes to the skeleton.
    ``drop_callables`` stores functions as None, as PyTorch's schedulers do for lambdas,
    instead of raising (checkpoints use it so a custom scheduler cannot stop a run).
    The result is a ``bytearray`` built with one copy of each tensor.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _flatten(state, "", arrays, drop_callables)
    header_meta: dict[str, str] = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata must map str to str, got {key!r}: {type(value).__name__}")
        header_meta[key] = value
    if TREE_KEY in header_meta:
        raise ValueError(f"metadata key {TREE_KEY!r} is reserved for the file's structure")
    header_meta[TREE_KEY] = json.dumps(tree, separators=(",", ":"))
    return _pack(arrays, header_meta)


def read_safetensors(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Any safetensors file's tensors (numpy, by their names in the file) and metadata.

    Raises:
        CheckpointError: the file is missing, unreadable, truncated, corrupt or foreign.
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise CheckpointError(
            f"{name} not found: the file does not exist; check the path (a run's checkpoints "
            "are in its checkpoints/ folder)"
        )
    try:
        with open(name, "rb") as handle:
            # np.empty: no zero-filling of memory that the read overwrites at once
            buffer = np.empty(os.fstat(handle.fileno()).st_size, np.uint8)
            view, filled = memoryview(buffer), 0
            while filled < len(buffer) and (count := handle.readinto(view[filled:])):
                filled += count
    except OSError as err:
        raise CheckpointError(f"cannot read {name}: {err}; check the path and permissions") from err
    return _unpack(buffer if filled == len(buffer) else buffer[:filled], name)


def decode(
    arrays: dict[str, np.ndarray],
    metadata: Mapping[str, str],
    name: str,
    convert: Callable[[np.ndarray], Any] | None = None,
) -> Any:
    """The nested state ``encode`` stored, each array passed through ``convert``.

    A file without a skeleton (a plain state dict, e.g. from PyTorch) gives its flat dict.
    """
    convert = convert or (lambda array: array)
    tree = metadata.get(TREE_KEY)
    if tree is None:
        return {key: convert(array) for key, array in arrays.items()}
    try:
        return _unflatten(json.loads(tree), arrays, convert)
    except KeyError as err:
        raise CheckpointError(
            f"{name} is corrupt: its structure names tensor {err}, which the file does not "
            f"hold; {_FIX}"
        ) from None
    except (ValueError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{name} has a corrupt structure record ({err}); {_FIX}") from None


def _flatten(value: Any, path: str, arrays: dict[str, np.ndarray], drop_callables: bool) -> Any:
    """A JSON skeleton of ``value``; arrays go to ``arrays`` under their dotted path."""
    array = to_numpy(value._data) if isinstance(value, Tensor) else value
    if isinstance(array, np.ndarray):
        if path in arrays:
            raise ValueError(f"two entries of the saved dict flatten to the same key {path!r}")
        if array.dtype.newbyteorder("=") not in _CODE_OF:
            raise TypeError(
                f"cannot store {path or '<root>'!r} of dtype {array.dtype}: supported are "
                + ", ".join(d.name for d in SAFETENSORS_CODES.values())
            )
        arrays[path] = array
        return {"T": path}
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"dict keys must be str or int, got {key!r} at {path or '<root>'}")
            child = f"{path}.{key}" if path else str(key)
            items.append([key, _flatten(item, child, arrays, drop_callables)])
        return {"D": items}
    if isinstance(value, (list, tuple)):
        nodes = [_flatten(v, f"{path}.{i}", arrays, drop_callables) for i, v in enumerate(value)]
        return {"L" if isinstance(value, list) else "U": nodes}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"V": value}
    if drop_callables and callable(value):
        return {"V": None}
    raise TypeError(
        f"cannot store {type(value).__name__} at {path or '<root>'}: only tensors, numbers, "
        "strings, None and dicts/lists/tuples of them (no pickle)"
    )


def _unflatten(node: dict[str, Any], arrays: dict[str, np.ndarray], convert: Callable) -> Any:
    (tag, body), *_ = node.items()
    if tag == "T":
        return convert(arrays[body])
    if tag == "D":
        return {key: _unflatten(item, arrays, convert) for key, item in body}
    if tag == "L":
        return [_unflatten(item, arrays, convert) for item in body]
    if tag == "U":
        return tuple(_unflatten(item, arrays, convert) for item in body)
    if tag == "V":
        return body
    raise ValueError(f"unknown node tag {tag!r}")


# -- the safetensors byte layout ------------------------------------------------------------


def _pack(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytearray:
    """8-byte little-endian header length, JSON header padded to 8 bytes, tensor bytes.

    Widest dtypes first (as the safetensors library orders them), so every tensor starts
    at a multiple of its item size and loads as an aligned view.
    """
    order = sorted(arrays, key=lambda key: (-arrays[key].dtype.itemsize, key))
    header: dict[str, Any] = {"__metadata__": metadata}
    offset = 0
    for key in order:
        array = arrays[key]
        code = _CODE_OF[array.dtype.newbyteorder("=")]
        header[key] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    out = bytearray(8 + len(text) + offset)
    out[:8] = len(text).to_bytes(8, "little")
    out[8 : 8 + len(text)] = text
    start = 8 + len(text)
    for key in order:
        array = arrays[key]
        if array.size:  # one copy, straight into the file's buffer (any strides, any order)
            little = array.dtype.newbyteorder("<")
            begin = start + header[key]["data_offsets"][0]
            view = np.frombuffer(out, little, array.size, begin).reshape(array.shape)
            view[...] = array
    return out


def _unpack(data: np.ndarray, name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Validate a whole safetensors file (bytes as uint8) and view its tensors.

    Every problem is a CheckpointError naming ``name``.
    """
    head = data[:9].tobytes()
    if len(data) < 8:
        raise CheckpointError(
            f"{name} is truncated or not a safetensors file: {len(data)} bytes, too short for "
            f"the 8-byte header length; {_FIX}"
        )
    size = int.from_bytes(head[:8], "little")
    if size == 0 or size > _MAX_HEADER or head[8:9] != b"{":
        hint = (
            "it looks like a torch.save zip/pickle file; nettrain reads only safetensors: "
            "in PyTorch, write it with safetensors.torch.save_file(model.state_dict(), path)"
            if head[:2] == b"PK" or head[:1] == b"\x80"
            else "nettrain reads only safetensors files (nettrain.save, training "
            "checkpoints, safetensors.torch.save_file)"
        )
        raise CheckpointError(f"{name} is not a safetensors file: {hint}")
    if 8 + size > len(data):
        raise CheckpointError(
            f"{name} is truncated: its header needs {size} bytes, the file has "
            f"{len(data) - 8} after the length (an interrupted copy or download?); {_FIX}"
        )
    try:
        header = json.loads(data[8 : 8 + size].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{name} has a corrupt safetensors header ({err}); {_FIX}") from None
    metadata = header.pop("__metadata__", None) if isinstance(header, dict) else None
    if not isinstance(header, dict) or not isinstance(metadata or {}, dict):
        raise CheckpointError(
            f"{name} has a corrupt safetensors header (not a JSON object of tensors); {_FIX}"
        )
    start, length = 8 + size, len(data) - 8 - size
    arrays, spans = {}, []
    for key, info in header.items():
        shape, begin, end, code = _entry(name, key, info, length)
        spans.append((begin, end, key))
        arrays[key] = _view(data, start + begin, shape, code)
    expected = 0
    for begin, end, key in sorted(spans):
        if begin != expected:
            raise CheckpointError(
                f"{name} has a corrupt safetensors header: tensor {key!r} starts at byte "
                f"{begin} of the data section, not {expected} (tensors overlap or leave a gap); "
                f"{_FIX}"
            )
        expected = end
    if expected != length:
        raise CheckpointError(
            f"{name} is corrupt: {length - expected} bytes follow its last tensor (two files "
            f"written into one, or a damaged header); {_FIX}"
        )
    return arrays, {str(k): str(v) for k, v in (metadata or {}).items()}


def _entry(name: str, key: str, info: Any, length: int) -> tuple[list[int], int, int, str]:
    """Check one header entry: dtype we hold, sane shape, offsets inside the data section."""
    try:
        code, shape, (begin, end) = (
            info["dtype"],
            [int(n) for n in info["shape"]],
            info["data_offsets"],
        )
        begin, end = int(begin), int(end)
    except (TypeError, KeyError, ValueError):
        raise CheckpointError(
            f"{name} has a corrupt safetensors header entry for tensor {key!r}; {_FIX}"
        ) from None
    itemsize = (
        2 if code == "BF16" else np.dtype(_NUMPY_OF[code]).itemsize if code in _NUMPY_OF else 0
    )
    if not itemsize:
        raise CheckpointError(
            f"{name}: tensor {key!r} has dtype {code!r}, which nettrain cannot hold (supported: "
            f"{', '.join(_NUMPY_OF)}, and BF16 as float32); convert it to float32 before saving"
        )
    if min(shape, default=0) < 0 or begin < 0 or end - begin != math.prod(shape) * itemsize:
        raise CheckpointError(
            f"{name} has a corrupt safetensors header: tensor {key!r} of shape {tuple(shape)} "
            f"({code}) does not fit its bytes {begin}..{end}; {_FIX}"
        )
    if end > length:
        raise CheckpointError(
            f"{name} is truncated: tensor {key!r} ends at byte {end} of the data section, "
            f"which has only {length} bytes (an interrupted copy or download?); {_FIX}"
        )
    return shape, begin, end, code


def _view(data: np.ndarray, offset: int, shape: list[int], code: str) -> np.ndarray:
    """A numpy array over the file's bytes: a view, copied only to widen, align or swap."""
    if code == "BF16":  # the high half of a float32: widen exactly, one new array
        raw = data[offset : offset + 2 * math.prod(shape)].view("<u2")
        wide = raw.astype(np.uint32)
        wide <<= 16
        return wide.view(np.float32).reshape(shape)
    native = np.dtype(_NUMPY_OF[code])
    raw = data[offset : offset + native.itemsize * math.prod(shape)]
    array = raw.view(native.newbyteorder("<")).reshape(shape)
    if not array.flags.aligned or not array.dtype.isnative:  # a big-endian host, an odd writer
        array = array.astype(native)
    return array
