"""Specs to objects: models, losses, optimizers, schedulers and dataset splits.

Call these after ``load_config`` has validated the file; they still raise ``ConfigError``
(naming the key path) when a constructor rejects a value the schema could not check, such as
``in_features: -1``. Each built module remembers its key path in ``_nettrain_path``
(``model.layers.0``) so that later errors (shape mismatches) can name it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nettrain.errors import ConfigError, ConfigIssue, NettrainError
from nettrain.training.config import (
    CLOSURE_HINT,
    NEEDS_CLOSURE,
    DataConfig,
    ResolvedConfig,
    resolve_path,
)
from nettrain.training.datasets import ArrayData
from nettrain.training.registry import (
    DATASETS,
    LOSSES,
    MODULES,
    OPTIMIZERS,
    SCHEDULERS,
    Arg,
    Registry,
)
from nettrain.training.rng import epoch_seed, seed_everything

_CONTAINERS = {"Sequential": "layers", "ModuleList": "modules", "ModuleDict": "modules"}


def _fail(key_path: str, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(ConfigIssue(key_path, message, hint=hint))


def _construct(cls: Any, name: str, kwargs: dict[str, Any], key_path: str, *args: Any) -> Any:
    """Call a registered constructor, turning its complaints into a located ConfigError."""
    try:
        return cls(*args, **kwargs)
    except NettrainError:
        raise
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise _fail(key_path, f"cannot build {name}: {exc}") from exc


def _kwargs(spec: dict[str, Any], registry: Registry, name: str, key_path: str) -> dict[str, Any]:
    """Spec arguments converted for the constructor (lists to tuples or tensors as annotated)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise _fail(key_path, f"expected a spec mapping with a 'type', got {spec!r}")
    args = {arg.name: arg for arg in registry.arguments(name)}
    kwargs = {}
    for key, value in spec.items():
        if key != "type":
            kwargs[key] = _convert(args.get(key), value, tuples=registry is MODULES)
    return kwargs


def _convert(arg: Arg | None, value: Any, tuples: bool) -> Any:
    if not isinstance(value, (list, int, float)) or isinstance(value, bool) or arg is None:
        return value
    annotation = arg.annotation
    if "Tensor" in annotation or (not annotation and arg.name in ("weight", "pos_weight")):
        import nettrain as nt

        return nt.tensor(np.asarray(value, dtype=np.float32))
    if isinstance(value, list) and tuples:
        return tuple(value)
    return value


def build_model(spec: dict[str, Any], key_path: str = "model") -> Any:
    """Build an ``nn.Module`` tree from a spec; containers nest specs.

    ``{"type": "Sequential", "layers": [...]}``, ``{"type": "ModuleList", "modules": [...]}``
    and ``{"type": "ModuleDict", "modules": {name: spec}}``; anything else is
    ``{"type": Name, **constructor_arguments}``.

    Example:
        >>> build_model({"type": "Sequential", "layers": [
        ...     {"type": "Linear", "in_features": 4, "out_features": 2}]})  # doctest: +SKIP
        Sequential(
          (0): Linear(in_features=4, out_features=2, bias=True)
        )
    """
    if not isinstance(spec, dict):
        raise _fail(key_path, f"expected a module spec mapping with 'type', got {spec!r}")
    name = spec.get("type")
    cls = _lookup(MODULES, name, key_path)
    if name in _CONTAINERS:
        module = _container(cls, name, spec, key_path)
    else:
        module = _construct(cls, name, _kwargs(spec, MODULES, name, key_path), key_path)
    object.__setattr__(module, "_nettrain_path", key_path)
    return module


def _container(cls: Any, name: str, spec: dict[str, Any], key_path: str) -> Any:
    key = _CONTAINERS[name]
    children = spec.get(key)
    if name == "ModuleDict":
        if not isinstance(children, dict):
            raise _fail(f"{key_path}.{key}", "ModuleDict needs 'modules': a mapping name -> spec")
        built = {
            child: build_model(s, f"{key_path}.{key}.{child}") for child, s in children.items()
        }
        return _construct(cls, name, {}, key_path, built)
    if not isinstance(children, list):
        raise _fail(f"{key_path}.{key}", f"{name} needs '{key}': a list of module specs")
    built_list = [build_model(s, f"{key_path}.{key}.{i}") for i, s in enumerate(children)]
    if name == "Sequential":
        return _construct(cls, name, {}, key_path, *built_list)
    return _construct(cls, name, {}, key_path, built_list)


def _lookup(registry: Registry, name: Any, key_path: str) -> Any:
    if not isinstance(name, str) or name not in registry:
        raise _fail(f"{key_path}.type", registry.unknown_message(name), registry.unknown_hint(name))
    return registry.get(name)


def build_loss(spec: dict[str, Any], key_path: str = "loss") -> Any:
    """Build a loss module such as ``{"type": "CrossEntropyLoss", "label_smoothing": 0.1}``."""
    name = spec.get("type") if isinstance(spec, dict) else None
    cls = _lookup(LOSSES, name, key_path)
    return _construct(cls, name, _kwargs(spec, LOSSES, name, key_path), key_path)


def build_optimizer(
    spec: dict[str, Any], params: Iterable[Any], key_path: str = "optimizer"
) -> Any:
    """Build an optimizer over ``params`` from ``{"type": "SGD", "lr": 0.01, ...}``."""
    name = spec.get("type") if isinstance(spec, dict) else None
    cls = _lookup(OPTIMIZERS, name, key_path)
    if name in NEEDS_CLOSURE:
        raise _fail(f"{key_path}.type", NEEDS_CLOSURE[name], CLOSURE_HINT)
    return _construct(cls, name, _kwargs(spec, OPTIMIZERS, name, key_path), key_path, params)


def scheduler_steps_per_batch(spec: dict[str, Any] | None) -> bool:
    """True when the scheduler steps after every batch (OneCycleLR, CyclicLR) rather than every
    epoch, as PyTorch's documentation uses them."""
    return isinstance(spec, dict) and spec.get("type") in ("OneCycleLR", "CyclicLR")


def build_scheduler(
    spec: dict[str, Any] | None,
    optimizer: Any,
    steps_per_epoch: int,
    epochs: int,
    key_path: str = "scheduler",
) -> Any:
    """Build a learning-rate scheduler for ``optimizer`` (None when ``spec`` is None).

    OneCycleLR gets ``total_steps = steps_per_epoch * epochs`` unless the spec gives
    ``total_steps`` or ``epochs``; SequentialLR builds its nested ``schedulers`` first.
    ReduceLROnPlateau is built as usual; the loop passes it the validation loss.
    """
    if spec is None:
        return None
    name = spec.get("type") if isinstance(spec, dict) else None
    cls = _lookup(SCHEDULERS, name, key_path)
    kwargs = _kwargs(spec, SCHEDULERS, name, key_path)
    if name == "OneCycleLR":
        if kwargs.get("total_steps") is None and kwargs.get("epochs") is None:
            kwargs["total_steps"] = max(1, steps_per_epoch * epochs)
        elif kwargs.get("epochs") is not None and kwargs.get("steps_per_epoch") is None:
            kwargs["steps_per_epoch"] = max(1, steps_per_epoch)
    if isinstance(kwargs.get("schedulers"), list):
        kwargs["schedulers"] = [
            build_scheduler(child, optimizer, steps_per_epoch, epochs, f"{key_path}.schedulers.{i}")
            for i, child in enumerate(kwargs["schedulers"])
        ]
    if name == "ChainedScheduler":  # (schedulers, optimizer=None): the optimizer goes second
        return _construct(cls, name, {**kwargs, "optimizer": optimizer}, key_path)
    return _construct(cls, name, kwargs, key_path, optimizer)


# -- data ----------------------------------------------------------------------------------


@dataclass
class Splits:
    """Datasets for each split plus what the model needs to know about them.

    Attributes:
        train, val, test: ``TensorDataset(features, targets)``; val/test are None if absent.
        task: "classification" (int64 labels) or "regression" (float32 targets (n, k)).
        num_features: features per sample (flattened size).
        num_classes: number of classes (None for regression).
        input_shape: one sample's feature shape, e.g. (64,) or (28, 28).
    """

    train: Any
    val: Any
    test: Any
    task: str
    num_features: int
    num_classes: int | None
    input_shape: tuple[int, ...]


def build_datasets(data_cfg: DataConfig, base_dir: Path, seed: int) -> Splits:
    """Load the train/val/test datasets of a validated ``data:`` section.

    ``{split_from: train, fraction: f}`` takes a seeded random fraction out of train (val
    first, then test), so the same seed always gives the same split.

    Raises:
        ConfigError: a file that cannot be read, bad loader arguments, splits that disagree.
    """
    train, val, test = load_splits(data_cfg, base_dir, seed)
    return _splits(train, val, test)


def load_splits(
    data_cfg: DataConfig, base_dir: Path, seed: int
) -> tuple[ArrayData, ArrayData | None, ArrayData | None]:
    """The numpy arrays behind ``build_datasets``: (train, val, test) after splitting."""
    train = load_array_data(data_cfg.train, "data.train", base_dir, seed)
    parts: dict[str, ArrayData | None] = {"val": None, "test": None}
    taken: list[np.ndarray] = []
    order = np.random.default_rng(seed).permutation(len(train.y))
    for split in ("val", "test"):
        spec = getattr(data_cfg, split)
        if spec is None:
            continue
        if "split_from" not in spec:
            parts[split] = load_array_data(spec, f"data.{split}", base_dir, seed)
            continue
        start = sum(len(t) for t in taken)
        count = int(round(float(spec["fraction"]) * len(train.y)))
        if count < 1 or start + count >= len(train.y):
            raise _fail(
                f"data.{split}.fraction",
                f"a fraction of {spec['fraction']} of {len(train.y)} training samples "
                "leaves an empty split",
            )
        taken.append(np.sort(order[start : start + count]))
        parts[split] = _subset(train, taken[-1])
    if taken:
        keep = np.setdiff1d(np.arange(len(train.y)), np.concatenate(taken))
        train = _subset(train, keep)
    return train, parts["val"], parts["test"]


def _subset(data: ArrayData, index: np.ndarray) -> ArrayData:
    return ArrayData(data.x[index], data.y[index], data.task, data.num_classes)


def load_array_data(spec: dict[str, Any], key_path: str, base_dir: Path, seed: int) -> ArrayData:
    """Run one registered dataset loader, resolving its file arguments against ``base_dir``."""
    name = spec.get("type")
    loader = _lookup(DATASETS, name, key_path)
    kwargs = {key: value for key, value in spec.items() if key != "type"}
    for key in getattr(loader, "_nettrain_paths", ()):
        if isinstance(kwargs.get(key), str):
            kwargs[key] = str(resolve_path(kwargs[key], base_dir))
    if "seed" in DATASETS.signature(name).parameters and kwargs.get("seed") is None:
        kwargs["seed"] = seed
    try:
        return loader(**kwargs)
    except (ValueError, TypeError, OSError) as exc:
        raise _fail(key_path, f"cannot load dataset '{name}': {exc}") from exc


def _splits(train: ArrayData, val: ArrayData | None, test: ArrayData | None) -> Splits:
    for split, data in (("val", val), ("test", test)):
        if data is None:
            continue
        if data.x.shape[1:] != train.x.shape[1:]:
            raise _fail(
                f"data.{split}",
                f"samples of shape {data.x.shape[1:]} differ from train's {train.x.shape[1:]}",
            )
        if data.task != train.task:
            raise _fail(f"data.{split}", f"a {data.task} dataset, but train is {train.task}")
    classes = [d.num_classes for d in (train, val, test) if d is not None and d.num_classes]
    return Splits(
        train=_tensor_dataset(train),
        val=_tensor_dataset(val) if val is not None else None,
        test=_tensor_dataset(test) if test is not None else None,
        task=train.task,
        num_features=int(np.prod(train.x.shape[1:], dtype=np.int64)),
        num_classes=max(classes) if classes else None,
        input_shape=tuple(int(d) for d in train.x.shape[1:]),
    )


def _tensor_dataset(data: ArrayData) -> Any:
    import nettrain as nt
    from nettrain.utils.data import TensorDataset

    return TensorDataset(nt.from_numpy(data.x), nt.from_numpy(data.y))


# -- a whole config: device, seeded components, loaders -----------------------------------


def resolve_device(requested: str | None, configured: str | None = "cpu") -> str:
    """``--device`` wins over the config; ``auto`` means cuda when usable, else cpu."""
    from nettrain.backend import cuda_is_available, parse_device

    choice = requested or configured or "cpu"
    if choice == "auto":
        return "cuda" if cuda_is_available() else "cpu"
    try:
        dev = parse_device(choice)
    except ValueError as exc:
        raise _fail("device", str(exc), "use cpu, cuda, cuda:N or auto") from None
    if dev.type == "cuda":
        from nettrain.backend import cupy_module

        cupy_module()  # raises BackendUnavailableError with the install hint
    return str(dev)


@dataclass
class Components:
    """What a config builds before training: model, loss, data, device."""

    model: Any
    loss_fn: Any
    splits: Splits
    device: str
    seed: int


def build_components(
    resolved: ResolvedConfig, device: str | None = None, seed: int | None = None
) -> Components:
    """Seed, then build datasets, model and loss from the config, on ``device``."""
    config = resolved.config
    seed = config.seed if seed is None else int(seed)
    dev = resolve_device(device, config.device)
    seed_everything(seed)
    splits = build_datasets(config.data, resolved.base_dir, seed)
    model = build_model(config.model).to(dev)
    loss_fn = build_loss(config.loss)
    if hasattr(loss_fn, "to"):
        loss_fn = loss_fn.to(dev)
    return Components(model, loss_fn, splits, dev, seed)


def make_loader(dataset: Any, data_cfg: DataConfig, seed: int, epoch: int, train: bool) -> Any:
    """A DataLoader for one epoch; only training batches are shuffled (and dropped)."""
    import nettrain
    from nettrain.utils.data import DataLoader

    generator = nettrain.Generator().manual_seed(epoch_seed(seed, epoch))
    return DataLoader(
        dataset,
        batch_size=data_cfg.batch_size,
        shuffle=bool(data_cfg.shuffle) and train,
        drop_last=bool(data_cfg.drop_last) and train,
        generator=generator,
    )


def to_device(batch: Any, device: str) -> Any:
    """Move a batch (a tensor or a tuple of tensors) to ``device``."""
    if device == "cpu":  # the loader's tensors are already there: nothing to walk
        return batch
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    return batch.to(device)
