"""Datasets a config can name under ``data.train``/``val``/``test``, registered in DATASETS.

Each loader returns plain numpy arrays (``ArrayData``): float32 features, and int64 class
labels (classification) or float32 targets of shape (n, k) (regression). ``build.py`` turns
them into ``TensorDataset``s and does the seeded train/val split.

Arguments that name files (``path``, ``images``, ``labels``) are resolved relative to the
config file by the builder, and checked for existence at validation time.

The classic SPEC §1 example (3 samples, 4 random features, labels [1, 0, 1]) is
``{type: synthetic_classification, n_samples: 3, n_features: 4, n_classes: 2, labels: [1, 0, 1],
class_sep: 0.0}``: with ``class_sep: 0`` the features are plain standard-normal noise.
Small data can also be written inline with ``{type: tensors, x: [[...], ...], y: [...]}``.
"""

from __future__ import annotations

import csv as _csv
import gzip
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from nettrain.training.registry import DATASETS
from nettrain.training.suggest import did_you_mean

F = TypeVar("F", bound=Callable[..., Any])
Task = Literal["classification", "regression"]


@dataclass
class ArrayData:
    """One loaded dataset: ``x`` float32 (n, ...), ``y`` int64 (n,) or float32 (n, k)."""

    x: np.ndarray
    y: np.ndarray
    task: str
    num_classes: int | None = None


def dataset(paths: tuple[str, ...] = (), requires: str | None = None) -> Callable[[F], F]:
    """Register a loader in DATASETS; ``paths`` names its file arguments, ``requires`` a module."""

    def decorator(fn: F) -> F:
        fn._nettrain_paths = paths  # type: ignore[attr-defined]
        fn._nettrain_requires = requires  # type: ignore[attr-defined]
        return DATASETS.add(fn)

    return decorator


def _finish(x: Any, y: Any, task: str | None, num_classes: int | None = None) -> ArrayData:
    """Cast to the standard dtypes and shapes, inferring the task from y when not given."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError("the dataset has no samples")
    if len(y) != len(x):
        raise ValueError(f"features have {len(x)} samples but targets have {len(y)}")
    if task is None:
        task = "classification" if y.dtype.kind in "iub" else "regression"
    if task == "classification":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"class labels must be one per sample, got shape {y.shape}")
        if y.dtype.kind == "f" and not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("class labels must be whole numbers (set task: regression?)")
        y = y.astype(np.int64)
        if y.min() < 0:
            raise ValueError(f"class labels must be >= 0, got {int(y.min())}")
        num_classes = max(num_classes or 0, int(y.max()) + 1)
    elif task == "regression":
        y = y.astype(np.float32).reshape(len(y), -1)
        num_classes = None
    else:
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
    return ArrayData(np.ascontiguousarray(x, dtype=np.float32), y, task, num_classes)


def _positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


@dataset()
def synthetic_classification(
    n_samples: int,
    n_features: int,
    n_classes: int = 2,
    noise: float = 1.0,
    class_sep: float = 2.0,
    labels: list[int] | None = None,
    seed: int | None = None,
) -> ArrayData:
    """Gaussian blobs: one random centre per class (scaled by ``class_sep``) plus noise.

    ``labels`` fixes the label of every sample (then ``n_samples == len(labels)``); otherwise
    classes are balanced and shuffled. ``seed`` defaults to the run's seed.
    """
    _positive(n_samples=n_samples, n_features=n_features, n_classes=n_classes)
    rng = np.random.default_rng(seed)
    if labels is not None:
        y = np.asarray(labels, dtype=np.int64)
        if y.shape != (n_samples,):
            raise ValueError(f"labels has {y.size} entries but n_samples is {n_samples}")
        if y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"labels must lie in [0, {n_classes - 1}] for n_classes={n_classes}")
    else:
        y = rng.permutation(np.arange(n_samples) % n_classes)
    centres = rng.normal(size=(n_classes, n_features)) * class_sep
    x = centres[y] + noise * rng.normal(size=(n_samples, n_features))
    return _finish(x, y, "classification", n_classes)


@dataset()
def synthetic_regression(
    n_samples: int,
    n_features: int,
    n_targets: int = 1,
    noise: float = 0.1,
    seed: int | None = None,
) -> ArrayData:
    """``y = x @ w + b + noise * N(0, 1)`` with standard-normal ``x`` and a random linear map."""
    _positive(n_samples=n_samples, n_features=n_features, n_targets=n_targets)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, n_features))
    w = rng.normal(size=(n_features, n_targets)) / np.sqrt(n_features)
    b = rng.normal(size=(n_targets,))
    y = x @ w + b + noise * rng.normal(size=(n_samples, n_targets))
    return _finish(x, y, "regression")


@dataset()
def spirals(
    n_samples: int,
    n_classes: int = 2,
    noise: float = 0.2,
    turns: float = 1.0,
    seed: int | None = None,
) -> ArrayData:
    """Interleaved 2-D spiral arms, one per class (the CS231n toy).

    Each arm winds ``turns`` times around the origin from radius 0.05 to 1; ``noise`` is
    the standard deviation of the angle jitter in radians.
    """
    _positive(n_samples=n_samples, n_classes=n_classes)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    radius = rng.uniform(0.05, 1.0, n_samples)
    winding = 2 * np.pi * turns * radius
    angle = 2 * np.pi * y / n_classes + winding + noise * rng.normal(size=n_samples)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return _finish(x, y, "classification", n_classes)


@dataset()
def tensors(x: list[Any], y: list[Any], task: Task | None = None) -> ArrayData:
    """Inline data: ``x`` a list of samples, ``y`` a list of labels or targets."""
    return _finish(np.asarray(x, dtype=np.float64), np.asarray(y), task)


@dataset(paths=("path",))
def npz(path: str, x_key: str = "x", y_key: str = "y", task: Task | None = None) -> ArrayData:
    """Arrays ``x_key``/``y_key`` of a numpy ``.npz`` file (read without pickle).

    Integer ``y`` means classification, float ``y`` regression, unless ``task`` says otherwise.
    """
    with open(path, "rb") as handle:
        if handle.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ValueError(f"{path}: not a .npz file (expected the zip written by numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            for key in (x_key, y_key):
                if key not in keys:
                    hint = did_you_mean(key, keys)
                    raise ValueError(
                        f"{path}: no array '{key}' (arrays: {', '.join(keys) or 'none'})"
                        + (f"; {hint}" if hint else "")
                    )
            x, y = archive[x_key], archive[y_key]
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    if x.dtype == object or y.dtype == object:
        raise ValueError(f"{path}: object arrays are not supported (numeric arrays only)")
    return _finish(x, y, task)


@dataset(paths=("path",))
def csv(
    path: str,
    target: int | str = -1,
    header: bool = True,
    delimiter: str = ",",
    task: Task | None = None,
) -> ArrayData:
    """A CSV table: ``target`` (column name or index) is y, every other column a feature.

    Text targets become class indices in sorted order; whole-number targets mean
    classification and other numbers regression, unless ``task`` says otherwise.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in _csv.reader(handle, delimiter=delimiter) if row]
    names = rows.pop(0) if header and rows else []
    if not rows:
        raise ValueError(f"{path}: no data rows")
    width = len(rows[0])
    for number, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise ValueError(f"{path}:{number}: expected {width} columns, got {len(row)}")
    column = _target_column(path, target, names, width)
    table = np.asarray(rows, dtype=object)
    features = np.delete(table, column, axis=1)
    try:
        x = features.astype(np.float64)
    except ValueError:
        for number, row in enumerate(features, start=2 if header else 1):
            for cell in row:
                try:
                    float(cell)
                except ValueError:
                    raise ValueError(
                        f"{path}:{number}: feature value {cell!r} is not a number"
                    ) from None
        raise
    return _finish(x, *_parse_target(table[:, column], task))


def _target_column(path: str, target: int | str, names: list[str], width: int) -> int:
    if isinstance(target, str):
        if target not in names:
            hint = did_you_mean(target, names)
            where = f"columns: {', '.join(names)}" if names else "the file has no header"
            raise ValueError(
                f"{path}: no target column '{target}' ({where})" + (f"; {hint}" if hint else "")
            )
        return names.index(target)
    if not -width <= target < width:
        raise ValueError(f"{path}: target column {target} is out of range for {width} columns")
    return target % width


def _parse_target(cells: np.ndarray, task: str | None) -> tuple[np.ndarray, str | None]:
    try:
        values = cells.astype(np.float64)
    except ValueError:
        if task == "regression":
            raise ValueError("regression targets must be numbers") from None
        classes = sorted(set(cells.tolist()))
        lookup = {name: index for index, name in enumerate(classes)}
        return np.asarray([lookup[c] for c in cells], dtype=np.int64), "classification"
    if task is None:
        whole = np.all(np.equal(np.mod(values, 1), 0)) and values.min() >= 0
        task = "classification" if whole else "regression"
    return values, task


_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX (MNIST format) file as an array; gzip-compressed files are detected by content.

    Raises:
        ValueError: a bad magic number, an unknown element type, or a truncated file.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt gzip data ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        magic = raw[:4].hex() or "empty file"
        raise ValueError(
            f"{path}: not an IDX file (magic number {magic}; expected 0x00000803 for images, "
            "0x00000801 for labels)"
        )
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX data of shape {shape} needs {expected} bytes, the file holds "
            f"{len(raw) - header} (truncated or corrupt)"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


@dataset(paths=("images", "labels"))
def idx(images: str, labels: str, normalize: bool = True, flatten: bool = True) -> ArrayData:
    """MNIST-format image and label files (gzipped or not).

    ``normalize`` scales uint8 pixels to [0, 1]; ``flatten`` gives (n, rows*cols) features
    (use an ``Unflatten`` layer to feed a CNN) instead of (n, rows, cols).
    """
    x, y = read_idx(images), read_idx(labels)
    if x.ndim < 2:
        raise ValueError(f"{images}: expected images (n, rows, cols), got shape {x.shape}")
    if y.ndim != 1:
        raise ValueError(f"{labels}: expected one label per image, got shape {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"{images} holds {len(x)} images but {labels} holds {len(y)} labels")
    features = x.astype(np.float32)
    if normalize and x.dtype == np.uint8:
        features /= 255.0
    if flatten:
        features = features.reshape(len(x), -1)
    return _finish(features, y.astype(np.int64), "classification")


SKLEARN_HINT = "pip install 'nettrain[sklearn]'"


def _sklearn(name: str, scale: float | None = None) -> ArrayData:
    try:
        from sklearn import datasets as sk_datasets
    except ImportError:
        raise ValueError(
            f"dataset '{name}' needs scikit-learn, which is not installed: {SKLEARN_HINT}"
        ) from None
    bunch = getattr(sk_datasets, f"load_{name}")()
    x = np.asarray(bunch.data, dtype=np.float64)
    if scale is not None:
        x = x / scale
    else:  # standardise each feature: these sets mix units (cm, mg, ...)
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return _finish(x, bunch.target, "classification", len(bunch.target_names))


@dataset(requires="sklearn")
def digits() -> ArrayData:
    """scikit-learn's 8x8 digits (1,797 samples, 64 features scaled to [0, 1], 10 classes)."""
    return _sklearn("digits", scale=16.0)


@dataset(requires="sklearn")
def iris() -> ArrayData:
    """scikit-learn's iris (150 samples, 4 standardised features, 3 classes)."""
    return _sklearn("iris")


@dataset(requires="sklearn")
def wine() -> ArrayData:
    """scikit-learn's wine (178 samples, 13 standardised features, 3 classes)."""
    return _sklearn("wine")


@dataset(requires="sklearn")
def breast_cancer() -> ArrayData:
    """scikit-learn's breast cancer (569 samples, 30 standardised features, 2 classes)."""
    return _sklearn("breast_cancer")


@dataset(paths=("path",))
def text(path: str, block_size: int, stride: int = 1, encoding: str = "utf-8") -> ArrayData:
    """Character-level language modelling windows over one text file.

    The vocabulary is the sorted set of characters in the file (so ids are reproducible).
    Sample ``i`` is ``block_size`` character ids starting at ``i * stride`` (int64), and its
    target is the same window shifted one character on: every position predicts the next
    character, the (N, T) target layout that ``CrossEntropyLoss`` takes with (N, V, T) logits.
    """
    _positive(block_size=block_size, stride=stride)
    chars = np.array(list(Path(path).read_text(encoding=encoding)))
    if chars.size <= block_size:
        raise ValueError(
            f"{path} has {chars.size} characters; block_size={block_size} needs at least "
            f"{block_size + 1}"
        )
    vocab, ids = np.unique(chars, return_inverse=True)
    starts = np.arange(0, ids.size - block_size, stride)
    window = starts[:, None] + np.arange(block_size)  # one gather, no Python loop
    x = ids[window].astype(np.int64)
    y = ids[window + 1].astype(np.int64)
    return ArrayData(x, y, "classification", int(vocab.size))
