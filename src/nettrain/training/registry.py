"""Registries of buildable names: the only things a config can construct.

A config names a ``type`` and its arguments; the builder looks the name up here and calls
the registered class with checked arguments. Nothing else is reachable, so a config can
never import or call arbitrary Python (``type: os.system`` is just an unknown name).

Library classes are registered under their PyTorch names. They are collected lazily, on the
first lookup, by ``_populate``: it imports ``nettrain.nn``/``nettrain.optim`` and registers
whatever those packages define, so a missing class is simply not listed.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from nettrain.errors import ConfigError, ConfigIssue
from nettrain.training.suggest import closest

T = TypeVar("T")

_EMPTY = inspect.Parameter.empty


@dataclass(frozen=True)
class Arg:
    """One constructor argument a config may set.

    Attributes:
        name: the keyword, equal to the Python parameter name.
        required: True when the parameter has no default.
        default: the default value (``inspect.Parameter.empty`` when required).
        annotation: the annotation as text ("" when there is none).
    """

    name: str
    required: bool
    default: Any
    annotation: str


class Registry:
    """Names a config can use for one kind of object (module, loss, optimizer, ...).

    Args:
        kind: singular noun used in messages ("module", "loss", ...).
        supplied: parameter names the builder fills itself (``params`` for optimizers), which
            a config must not set.

    Example:
        >>> LAYERS = Registry("layer")
        >>> @LAYERS.register()
        ... class Double:
        ...     def __init__(self, factor: int = 2) -> None: ...
        >>> "Double" in LAYERS, [a.name for a in LAYERS.arguments("Double")]
        (True, ['factor'])
    """

    def __init__(self, kind: str, supplied: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.supplied = supplied
        self._entries: dict[str, Any] = {}

    def register(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Decorator registering a class or function under ``name`` (default: its ``__name__``).

        Works as ``@reg.register()``, ``@reg.register("name")`` and ``@reg.register``.
        """
        if callable(name):  # used bare: @reg.register
            return self.add(name)

        def decorator(obj: T) -> T:
            return self.add(obj, name)

        return decorator

    def add(self, obj: T, name: str | None = None) -> T:
        """Register ``obj`` directly; re-registering the same object is a no-op."""
        key = name or obj.__name__  # type: ignore[attr-defined]
        existing = self._entries.get(key)
        if existing is not None and existing is not obj:
            raise ValueError(f"{self.kind} '{key}' is already registered as {existing!r}")
        self._entries[key] = obj
        return obj

    def get(self, name: str) -> Any:
        """The registered object, or ConfigError naming the closest registered names."""
        _populate()
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        raise ConfigError(ConfigIssue("", self.unknown_message(name), hint=self.unknown_hint(name)))

    def names(self) -> list[str]:
        """Registered names, sorted."""
        _populate()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        _populate()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def signature(self, name: str) -> inspect.Signature:
        """The signature a config sees: constructor parameters minus builder-supplied ones."""
        obj = self.get(name)
        if inspect.isclass(obj) and _inherits_base_init(obj):
            return inspect.Signature()  # e.g. nn.Tanh: no arguments at all
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):  # some builtins have none
            return inspect.Signature()
        params = [p for p in signature.parameters.values() if p.name not in self.supplied]
        return signature.replace(parameters=params)

    def arguments(self, name: str) -> list[Arg]:
        """Keyword arguments a config may give ``name`` (no ``*args``/``**kwargs``)."""
        args = []
        for param in self.signature(name).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.name.startswith("_"):  # private (Embedding's _weight): not for configs
                continue
            required = param.default is _EMPTY
            args.append(Arg(param.name, required, param.default, _annotation_text(param)))
        return args

    def accepts_any_keyword(self, name: str) -> bool:
        """True when the constructor takes ``**kwargs`` (unknown keys cannot be flagged)."""
        params = self.signature(name).parameters.values()
        return any(p.kind is p.VAR_KEYWORD for p in params)

    def unknown_message(self, name: Any) -> str:
        """``unknown module type 'Lienar'``."""
        return f"unknown {self.kind} type {name!r}"

    def unknown_hint(self, name: Any) -> str:
        """Closest registered names, or where to find the list."""
        hits = closest(str(name), self._entries, n=3, cutoff=0.5)
        if hits:
            return "did you mean " + ", ".join(f"'{hit}'" for hit in hits) + "?"
        return f"see `nettrain list` for the registered {self.kind} types"

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} names)"


MODULES = Registry("module", supplied=("device", "dtype"))
LOSSES = Registry("loss", supplied=("device", "dtype"))
OPTIMIZERS = Registry("optimizer", supplied=("params",))
SCHEDULERS = Registry("scheduler", supplied=("optimizer",))
DATASETS = Registry("dataset")

# Not buildable from nn's sweep: bases and things a config cannot describe.
_SKIP_MODULES = {"Module", "Parameter", "Buffer", "RNNBase", "RNNCellBase"}
_SKIP_SCHEDULERS = {"LRScheduler", "_LRScheduler"}

_populated = False


def _populate() -> None:
    """Register every nn layer/loss, optimizer, scheduler and dataset nettrain defines now."""
    global _populated
    if _populated:
        return
    _populated = True
    from nettrain.training import datasets  # noqa: F401  (registers on import)

    try:
        from nettrain import nn
    except ImportError:
        nn = None  # type: ignore[assignment]
    base = getattr(nn, "Module", None)
    for name, obj in sorted(vars(nn).items() if nn is not None else ()):
        if name.startswith("_") or name in _SKIP_MODULES or not inspect.isclass(obj):
            continue
        if base is None or not issubclass(obj, base):
            continue
        (LOSSES if name.endswith("Loss") else MODULES).add(obj, name)
    from nettrain.training import models  # noqa: F401  (registers on import)

    _populate_optim()


def _populate_optim() -> None:
    try:
        from nettrain import optim
    except ImportError:
        return
    base = getattr(optim, "Optimizer", None)
    for name, obj in sorted(vars(optim).items()):
        if inspect.isclass(obj) and base is not None and issubclass(obj, base) and obj is not base:
            OPTIMIZERS.add(obj, name)
    schedulers = getattr(optim, "lr_scheduler", None)
    for name, obj in sorted(vars(schedulers).items() if schedulers is not None else ()):
        if name.startswith("_") or name in _SKIP_SCHEDULERS or not inspect.isclass(obj):
            continue
        if base is not None and issubclass(obj, base):
            continue
        from_optim = getattr(obj, "__module__", "").startswith("nettrain.optim")
        if from_optim and hasattr(obj, "step") and hasattr(obj, "state_dict"):
            SCHEDULERS.add(obj, name)


def _inherits_base_init(cls: type) -> bool:
    """True when ``cls`` keeps ``object``'s or ``nn.Module``'s own ``__init__``."""
    init = cls.__init__
    if init is object.__init__:
        return True
    return init.__qualname__ == "Module.__init__" and init.__module__.startswith("nettrain.nn")


# -- argument type checks ----------------------------------------------------------------


def _annotation_text(param: inspect.Parameter) -> str:
    annotation = param.annotation
    if annotation is _EMPTY:
        return ""
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


_SIMPLE = {"int": "int", "float": "float", "bool": "bool", "str": "str", "None": "None"}
_LISTS = ("tuple", "Tuple", "list", "List", "Sequence", "_size")


def _alternatives(annotation: str) -> list[Any] | None:
    """Types an annotation allows, as tags ('int', 'list', ('literal', values)); None if unsure."""
    text = annotation.strip()
    if text.startswith("Optional[") and text.endswith("]"):
        return _merge([_alternatives(text[9:-1]), ["None"]])
    if text.startswith("Union[") and text.endswith("]"):
        return _merge([_alternatives(part) for part in _split_top(text[6:-1], ",")])
    parts = _split_top(text, "|")
    if len(parts) > 1:
        return _merge([_alternatives(part) for part in parts])
    if text in _SIMPLE:
        return [_SIMPLE[text]]
    if text.startswith("Literal[") and text.endswith("]"):
        try:
            values = ast.literal_eval(f"({text[8:-1]},)")
        except (ValueError, SyntaxError):
            return None
        return [("literal", tuple(values))]
    if text.startswith(_LISTS):
        return ["list"]
    if text.startswith(("dict", "Dict", "Mapping")):
        return ["dict"]
    if "Tensor" in text:
        return ["tensor"]
    return None


def _merge(groups: list[list[Any] | None]) -> list[Any] | None:
    if any(group is None for group in groups):
        return None
    return [tag for group in groups for tag in group]  # type: ignore[union-attr]


def _matches(tag: Any, value: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(tag, tuple):
        return value in tag[1]
    return {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": number,
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
        "None": value is None,
        "list": isinstance(value, list),
        "dict": isinstance(value, dict),
        "tensor": number or isinstance(value, list),
    }[tag]


def _describe(tag: Any) -> str:
    if isinstance(tag, tuple):
        return "one of " + ", ".join(repr(v) for v in tag[1])
    return {"None": "null", "tensor": "a number or a list of numbers", "list": "a list"}.get(
        tag, tag
    )


def check_argument(arg: Arg, value: Any) -> str | None:
    """None when ``value`` fits ``arg``'s annotation (or default's type), else what was expected.

    Only int/float/bool/str/None, lists, Literal and Tensor-like annotations are checked; any
    other annotation accepts everything (the constructor still validates on build).

    Example:
        >>> check_argument(Arg("out_features", True, None, "int"), "8")
        "expected int, got str '8'"
    """
    if value is None and arg.default is None:
        return None
    tags = _alternatives(arg.annotation) if arg.annotation else _from_default(arg.default)
    if tags is None or any(_matches(tag, value) for tag in tags):
        return None
    expected = " or ".join(_describe(tag) for tag in tags)
    return f"expected {expected}, got {type(value).__name__} {value!r}"


def _from_default(default: Any) -> list[str] | None:
    if isinstance(default, bool):
        return ["bool"]
    if isinstance(default, (int, float)):
        return ["float"]  # torch writes momentum=0 for a float argument
    if isinstance(default, str):
        return ["str"]
    return None


def takes_function(arg: Arg) -> bool:
    """True for arguments that need Python code (``lr_lambda``), which a config cannot hold."""
    return "Callable" in arg.annotation or arg.name in {"lr_lambda", "collate_fn"}
