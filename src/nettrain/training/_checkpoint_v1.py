"""Reader for checkpoint format version 1 (nettrain before the one codec), kept so old runs resume.

Version 1 used the same tensors (``model.``/``optimizer.``/``scheduler.`` names) but kept the
optimizer and scheduler skeletons in the ``nettrain`` metadata document with its own tags:
``{"__tensor__": name}``, ``{"__dict__": [[key, value], ...]}`` for dicts with non-string
keys and ``{"__tuple__": [...]}``; plain dicts and lists stood for themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nettrain.errors import CheckpointError


def read(
    source: Any, arrays: dict[str, np.ndarray], document: dict[str, Any]
) -> tuple[dict[str, np.ndarray], Any, Any]:
    """Model state, optimizer state and scheduler state of a version-1 checkpoint.

    ``document`` is the checkpoint's ``nettrain`` metadata; its skeletons are removed from it.
    """
    model = {key[len("model.") :]: v for key, v in arrays.items() if key.startswith("model.")}
    optimizer = _unflatten(source, document.pop("optimizer", None), arrays)
    scheduler = _unflatten(source, document.pop("scheduler", None), arrays)
    return model, optimizer, scheduler


def _unflatten(source: Any, skeleton: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(skeleton, list):
        return [_unflatten(source, value, arrays) for value in skeleton]
    if not isinstance(skeleton, dict):
        return skeleton
    if set(skeleton) == {"__tensor__"}:
        key = skeleton["__tensor__"]
        if key not in arrays:
            raise CheckpointError(
                f"{source} is corrupt: its structure names tensor {key!r}, which the file does "
                "not hold; use another checkpoint"
            )
        return arrays[key]
    if set(skeleton) == {"__dict__"}:
        return {
            tuple(key) if isinstance(key, list) else key: _unflatten(source, value, arrays)
            for key, value in skeleton["__dict__"]
        }
    if set(skeleton) == {"__tuple__"}:
        return tuple(_unflatten(source, value, arrays) for value in skeleton["__tuple__"])
    return {key: _unflatten(source, value, arrays) for key, value in skeleton.items()}
