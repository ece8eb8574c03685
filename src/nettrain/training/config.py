"""The config file's schema, and validation that reports every problem at once.

``load_config`` reads YAML (with positions), applies ``--set`` overrides, then checks the
whole file before anything is built: the pydantic schema (unknown keys are errors), every
``type`` against its registry, and every argument against the registered signature
(unknown, missing, wrongly typed), plus data files. All problems are raised together as one
``ConfigError``, each with ``file:line:column``, the key path and a hint.

Example:
    >>> resolved = load_config("configs/linear.yaml", ["optimizer.lr=0.01"])  # doctest: +SKIP
    >>> resolved.config.optimizer["lr"]  # doctest: +SKIP
    0.01
"""

from __future__ import annotations

import copy
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nettrain.errors import ConfigError, ConfigIssue
from nettrain.training.registry import (
    DATASETS,
    LOSSES,
    MODULES,
    OPTIMIZERS,
    SCHEDULERS,
    Registry,
    check_argument,
    takes_function,
)
from nettrain.training.suggest import did_you_mean
from nettrain.training.yaml_io import (
    Marks,
    YamlExpansionError,
    apply_overrides,
    format_key_path,
    load_yaml,
    parse_key_path,
)

#: Metric names ``train.metrics`` may list.
METRICS = ("loss", "accuracy")

_DEVICE = re.compile(r"cpu|cuda|cuda:[0-9]+|auto")
_STRICT = ConfigDict(extra="forbid", strict=True)


# optimizers whose step() must re-evaluate the loss: the tool's loop calls step() without a
# closure, so a config cannot use them (the library can: opt.step(closure))
NEEDS_CLOSURE = {
    "LBFGS": "optimizer.type: LBFGS needs a closure (step(closure) re-evaluates the loss "
    "several times per step), and the training loop calls optimizer.step() without one",
}
CLOSURE_HINT = (
    "use nettrain.optim.LBFGS from Python with opt.step(closure), or choose another "
    "optimizer here (Adam, SGD, RAdam, ...)"
)


class DataConfig(BaseModel):
    """``data:``: dataset specs per split and how batches are drawn."""

    model_config = _STRICT

    train: dict[str, Any]
    val: dict[str, Any] | None = None
    test: dict[str, Any] | None = None
    batch_size: int = Field(gt=0)
    shuffle: bool = True
    drop_last: bool = False


class EarlyStoppingConfig(BaseModel):
    """``train.early_stopping:``: stop when ``monitor`` stops improving (Lightning's rules)."""

    model_config = _STRICT

    monitor: str = "val.loss"  # <split>.<metric>; check_monitor checks it against the config
    mode: Literal["min", "max"] = "min"
    patience: int = Field(default=5, ge=0)
    min_delta: float = Field(default=0.0, ge=0)


class TrainConfig(BaseModel):
    """``train:``: how long to train, clipping, logging and checkpoint cadence, metrics."""

    model_config = _STRICT

    epochs: int = Field(default=1, ge=1)
    max_steps: int | None = Field(default=None, ge=1)
    grad_clip_norm: float | None = Field(default=None, gt=0)
    log_every_steps: int = Field(default=10, ge=1)
    checkpoint_every_epochs: int = Field(default=1, ge=1)
    metrics: list[str] = Field(default_factory=lambda: ["loss", "accuracy"])
    early_stopping: EarlyStoppingConfig | None = None
    accumulate_grad_batches: int = Field(default=1, ge=1)
    tensorboard: bool = False

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
        return value


class RunConfig(BaseModel):
    """A whole config file; ``model``/``loss``/``optimizer``/``scheduler`` are registry specs."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    seed: int = 0
    device: str = "cpu"
    model: dict[str, Any]
    loss: dict[str, Any]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any] | None = None
    data: DataConfig
    train: TrainConfig = Field(default_factory=TrainConfig)

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if not _DEVICE.fullmatch(value):
            raise ValueError(f"device must be cpu, cuda, cuda:N or auto, got {value!r}")
        return value


_SECTIONS: dict[str, type[BaseModel]] = {"": RunConfig, "data": DataConfig, "train": TrainConfig}
_SECTIONS["train.early_stopping"] = EarlyStoppingConfig


@dataclass
class ResolvedConfig:
    """A validated config: the typed model, the raw data to save, and where it came from.

    Attributes:
        config: the validated ``RunConfig``.
        raw: the data after overrides; save it as the run's ``config.yaml``.
        path: the config file (None for a config given as a dict).
        base_dir: the folder relative data paths are resolved from.
    """

    config: RunConfig
    raw: dict[str, Any]
    path: Path | None
    base_dir: Path
    marks: Marks = field(default_factory=dict, repr=False)
    overrides: tuple[str, ...] = ()  # the --set items, for the command that resumes the run


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ResolvedConfig:
    """Read, override and fully validate a config file; see the module docstring.

    Raises:
        ConfigError: with every problem found in the file and the overrides.
    """
    path = Path(path)
    try:
        data, marks = load_yaml(path)
    except YamlExpansionError as exc:
        raise _with_other_problems(exc, path) from None
    data = apply_overrides(data, list(overrides))
    overridden = [_canonical(key.partition("=")[0].strip()) for key in overrides]
    resolved = validate_data(
        data, file=str(path), marks=marks, base_dir=path.resolve().parent, overridden=overridden
    )
    resolved.overrides = tuple(overrides)
    return resolved


def _with_other_problems(exc: YamlExpansionError, path: Path) -> ConfigError:
    """An alias bomb, plus what else is wrong with the rest of the file (unknown keys...)."""
    issues = list(exc.issues)
    try:
        validate_data(exc.partial, file=str(path), marks=exc.marks, base_dir=path.resolve().parent)
    except ConfigError as more:
        for issue in more.issues:
            top = issue.key_path.split(".")[0].split("[")[0]
            # a pruned value stands in as None: only "unknown key" still says something true
            if top not in exc.pruned or issue.message.startswith("unknown key"):
                issues.append(issue)
    return ConfigError(issues)


def validate_data(
    data: dict[str, Any],
    file: str | None = None,
    marks: Marks | None = None,
    base_dir: str | Path | None = None,
    overridden: list[str] | tuple[str, ...] = (),
) -> ResolvedConfig:
    """Validate config data (a dict) as ``load_config`` does; relative paths use ``base_dir``.

    Example:
        >>> validate_data({"name": "x", ...})  # doctest: +SKIP
    """
    checker = _Checker(file, marks or {}, Path(base_dir) if base_dir else Path.cwd(), overridden)
    if not isinstance(data, dict):
        checker.add("", f"expected a mapping of keys, got {type(data).__name__}")
        raise ConfigError(checker.issues)
    config = None
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        checker.pydantic(exc)
    checker.check_name(data.get("name"))
    checker.check_specs(data)
    checker.check_monitor(data)
    if checker.issues or config is None:
        raise ConfigError(checker.sorted_issues())
    return ResolvedConfig(
        config=config,
        raw=copy.deepcopy(data),
        path=Path(file) if file else None,
        base_dir=checker.base_dir,
        marks=dict(marks or {}),
    )


def _canonical(path: str) -> str:
    """``model.layers.0.dim`` -> ``model.layers[0].dim``, the form issues use."""
    try:
        return format_key_path(parse_key_path(path))
    except ValueError:
        return path


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


class _Checker:
    """Collects issues, each located via the YAML marks (or the ``--set`` that caused it)."""

    def __init__(self, file: str | None, marks: Marks, base_dir: Path, overridden: Any) -> None:
        self.file, self.marks, self.base_dir = file, marks, base_dir
        self.overridden = list(overridden)
        self.issues: list[ConfigIssue] = []

    def add(self, path: str, message: str, hint: str | None = None) -> None:
        for key in self.overridden:
            if path == key or path.startswith((key + ".", key + "[")):
                self.issues.append(ConfigIssue(path, message, f"--set {key}", hint=hint))
                return
        probe = path
        while probe and probe not in self.marks:
            probe = _parent(probe)
        line, column = self.marks.get(probe, (None, None))
        self.issues.append(ConfigIssue(path, message, self.file, line, column, hint))

    def sorted_issues(self) -> list[ConfigIssue]:
        """Issues in file order (overrides and unlocated ones last), as a reader scans."""

        def key(issue: ConfigIssue) -> tuple[int, int, int]:
            if issue.line is None:
                return (1, 0, 0)
            return (0, issue.line, issue.column or 0)

        return sorted(self.issues, key=key)

    def check_name(self, name: Any) -> None:
        """The run name becomes a directory: it must stay inside the runs directory."""
        if not isinstance(name, str) or not name:
            return  # the schema reports missing or non-string names
        from nettrain.training.runs import validate_run_name

        try:
            validate_run_name(name)
        except ConfigError as exc:
            for issue in exc.issues:
                self.add("name", issue.message, issue.hint)

    def check_monitor(self, data: dict[str, Any]) -> None:
        """``train.early_stopping.monitor`` must name a metric this config logs."""
        train = data.get("train") if isinstance(data.get("train"), dict) else {}
        spec = train.get("early_stopping")
        monitor = spec.get("monitor", "val.loss") if isinstance(spec, dict) else None
        if not isinstance(monitor, str):
            return  # absent, or the schema reports its type
        split, _, metric = monitor.partition(".")
        has_val = isinstance(data.get("data"), dict) and data["data"].get("val") is not None
        logged = ["loss", *train.get("metrics", ["loss", "accuracy"])]
        splits = ["train", "val"] if has_val else ["train"]
        available = [f"{s}.{m}" for s in splits for m in dict.fromkeys(logged)]
        if split not in splits or metric not in logged:
            where = "train.early_stopping.monitor"
            why = "the config has no data.val split" if split == "val" and not has_val else None
            if not metric:
                why = "expected <split>.<metric>"
            message = f"cannot monitor {monitor!r}" + (f": {why}" if why else "")
            self.add(where, message, f"available: {', '.join(available)}")

    def check_tensorboard(self, data: dict[str, Any]) -> None:
        """``train.tensorboard: true`` needs the optional tensorboardX: say so before training."""
        train = data.get("train") if isinstance(data.get("train"), dict) else {}
        if train.get("tensorboard") is True and importlib.util.find_spec("tensorboardX") is None:
            self.add(
                "train.tensorboard",
                "tensorboard: true needs tensorboardX, which is not installed",
                "pip install 'nettrain[tensorboard]'",
            )

    def pydantic(self, exc: ValidationError) -> None:
        for error in exc.errors():
            loc = tuple(error["loc"])
            path = format_key_path(loc)
            parent = format_key_path(loc[:-1])
            last = str(loc[-1]) if loc else ""
            section = _SECTIONS.get(parent)
            if error["type"] == "extra_forbidden":
                fields = list(section.model_fields) if section else []
                self.add(path, f"unknown key '{last}'", did_you_mean(last, fields))
            elif error["type"] == "missing":
                self.add(path, f"missing required key '{last}'")
            else:
                message = error["msg"].removeprefix("Value error, ")
                got = error["input"]
                hint = None
                if error["type"] == "dict_type" and isinstance(got, str):
                    hint = f"a spec is a mapping: write {{type: {got}}}"
                self.add(path, f"{message} (got {got!r})", hint)

    # -- registry specs ----------------------------------------------------------------

    def check_specs(self, data: dict[str, Any]) -> None:
        if isinstance(data.get("model"), dict):
            self.module(data["model"], "model")
        if isinstance(data.get("loss"), dict):
            self.spec(data["loss"], "loss", LOSSES)
        if isinstance(data.get("optimizer"), dict):
            self.spec(data["optimizer"], "optimizer", OPTIMIZERS)
            needs_closure = NEEDS_CLOSURE.get(data["optimizer"].get("type"))
            if needs_closure:
                self.add("optimizer.type", needs_closure, CLOSURE_HINT)
        if isinstance(data.get("scheduler"), dict):
            self.spec(data["scheduler"], "scheduler", SCHEDULERS)
        section = data.get("data")
        if isinstance(section, dict):
            if isinstance(section.get("train"), dict):
                self.spec(section["train"], "data.train", DATASETS)
            splits = 0.0
            for split in ("val", "test"):
                if isinstance(section.get(split), dict):
                    splits += self.split(section[split], f"data.{split}")
            if splits >= 1.0:
                self.add("data", "val and test fractions of train leave no training samples")

    def type_name(self, spec: dict[str, Any], path: str, registry: Registry) -> str | None:
        """The spec's registered type name, or None after recording why it is unusable."""
        if "type" not in spec:
            self.add(path, f"missing 'type': name a registered {registry.kind} type")
            return None
        name = spec["type"]
        if not isinstance(name, str) or name not in registry:
            self.add(f"{path}.type", registry.unknown_message(name), registry.unknown_hint(name))
            return None
        return name

    def module(self, spec: Any, path: str) -> None:
        if not isinstance(spec, dict):
            self.add(path, f"expected a module spec mapping with 'type', got {spec!r}")
            return
        name = self.type_name(spec, path, MODULES)
        if name in ("Sequential", "ModuleList", "ModuleDict"):
            self.container(spec, path, name)
        elif name is not None:
            self.arguments(spec, path, MODULES, name)

    def container(self, spec: dict[str, Any], path: str, name: str) -> None:
        key = "layers" if name == "Sequential" else "modules"
        for extra in set(spec) - {"type", key}:
            self.add(f"{path}.{extra}", f"unknown key '{extra}' for {name}", f"use '{key}'")
        children = spec.get(key)
        if name == "ModuleDict":
            if not isinstance(children, dict):
                self.add(f"{path}.{key}", "ModuleDict needs 'modules': a mapping name -> spec")
                return
            for child, child_spec in children.items():
                self.module(child_spec, f"{path}.{key}.{child}")
            return
        if not isinstance(children, list):
            self.add(f"{path}.{key}", f"{name} needs '{key}': a list of module specs")
            return
        for index, child_spec in enumerate(children):
            self.module(child_spec, f"{path}.{key}[{index}]")

    def spec(self, spec: dict[str, Any], path: str, registry: Registry) -> None:
        name = self.type_name(spec, path, registry)
        if name is not None:
            self.arguments(spec, path, registry, name)

    def arguments(self, spec: dict[str, Any], path: str, registry: Registry, name: str) -> None:
        """Unknown, missing and mistyped arguments of one spec; nested scheduler lists."""
        args = {arg.name: arg for arg in registry.arguments(name)}
        given = {key: value for key, value in spec.items() if key != "type"}
        for key, value in given.items():
            where = f"{path}.{key}"
            if key in registry.supplied:
                self.add(where, f"'{key}' is set by nettrain, not in the config")
            elif key not in args:
                if not registry.accepts_any_keyword(name):
                    self.add(where, f"unknown argument '{key}' for {name}", did_you_mean(key, args))
            elif takes_function(args[key]):
                self.add(where, f"'{key}' of {name} takes a Python function; a config cannot")
            elif key == "schedulers" and registry is SCHEDULERS and isinstance(value, list):
                for index, child in enumerate(value):
                    self.nested_scheduler(child, f"{where}[{index}]")
            else:
                problem = check_argument(args[key], value)
                if problem:
                    self.add(where, problem)
        for arg in args.values():
            if arg.required and arg.name not in given:
                self.add(path, f"missing required argument '{arg.name}' for {name}")
        if registry is DATASETS:
            self.dataset_files(spec, path, registry.get(name))

    def nested_scheduler(self, spec: Any, path: str) -> None:
        if isinstance(spec, dict):
            self.spec(spec, path, SCHEDULERS)
        else:
            self.add(path, f"expected a scheduler spec mapping with 'type', got {spec!r}")

    def split(self, spec: dict[str, Any], path: str) -> float:
        """Check ``{split_from: train, fraction: f}`` or a dataset spec; return the fraction."""
        if "split_from" not in spec:
            self.spec(spec, path, DATASETS)
            return 0.0
        for extra in set(spec) - {"split_from", "fraction"}:
            hint = did_you_mean(extra, ["split_from", "fraction"])
            self.add(f"{path}.{extra}", f"unknown key '{extra}' for a split", hint)
        if spec["split_from"] != "train":
            self.add(
                f"{path}.split_from", f"can only split from 'train', got {spec['split_from']!r}"
            )
        fraction = spec.get("fraction")
        ok = isinstance(fraction, (int, float)) and not isinstance(fraction, bool)
        if not ok or not 0.0 < fraction < 1.0:
            self.add(f"{path}.fraction", f"fraction must be a number in (0, 1), got {fraction!r}")
            return 0.0
        return float(fraction)

    def dataset_files(self, spec: dict[str, Any], path: str, loader: Any) -> None:
        requires = getattr(loader, "_nettrain_requires", None)
        if requires and importlib.util.find_spec(requires) is None:
            self.add(
                f"{path}.type",
                f"dataset '{spec['type']}' needs {requires}, which is not installed",
                "pip install 'nettrain[sklearn]'" if requires == "sklearn" else None,
            )
        for key in getattr(loader, "_nettrain_paths", ()):
            value = spec.get(key)
            if isinstance(value, str):
                full = resolve_path(value, self.base_dir)
                if not full.is_file():
                    self.add(f"{path}.{key}", f"data file not found: {full}")


def resolve_path(value: str | Path, base_dir: Path) -> Path:
    """A data path from a config: ``~`` expanded, relative ones taken from ``base_dir``."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path
