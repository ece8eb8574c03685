"""YAML in and out for configs: positions of every key, duplicate keys, ``--set`` overrides.

PyYAML's ``safe_load`` forgets where each value came from and silently keeps the last of two
duplicate keys. Config errors must say ``file:line:column``, so this module composes the YAML
node tree itself, records the 1-based position of every key path
(``model.layers[1].out_features``), rejects duplicate keys and any tag beyond plain data, and
only then constructs Python values with the safe constructor.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nettrain.errors import ConfigError, ConfigIssue

Marks = dict[str, tuple[int, int]]

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _STD + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
}
_MAX_NODES = 200_000  # guards the walk against alias bombs ("billion laughs")


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float (YAML 1.2), as users expect for ``lr``.

    It also remembers where each alias (``*name``) stands: PyYAML hands back the anchored
    node itself, so without this an error could only point at the anchor.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_marks: dict[tuple[int, Any], tuple[str, Any]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self.alias_marks[_slot(parent, index)] = (event.anchor, event.start_mark)
        return super().compose_node(parent, index)


def _slot(parent: Node | None, index: Any) -> tuple[int, Any]:
    """Where a child sits: (its parent, its list index or its key node)."""
    return id(parent), id(index) if isinstance(index, Node) else index


class YamlExpansionError(ConfigError):
    """Anchors and aliases expand the document beyond the size limit.

    ``partial`` is the top-level mapping with the over-large values replaced by None, so the
    caller can still report the other problems (unknown top-level keys...).
    """

    def __init__(
        self, issues: list[ConfigIssue], partial: dict[str, Any], pruned: set[str], marks: Marks
    ) -> None:
        super().__init__(issues)
        self.partial = partial
        self.pruned = pruned
        self.marks = marks


_ConfigLoader.add_implicit_resolver(
    _STD + "float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_yaml(path: str | Path) -> tuple[dict[str, Any], Marks]:
    """Read a config file into plain data plus the position of every key path.

    Args:
        path: the YAML file.

    Returns:
        ``(data, marks)``: the top-level mapping, and ``{"model.layers[1].out_features":
        (line, column)}`` with 1-based positions.

    Raises:
        ConfigError: unreadable file, malformed YAML, duplicate keys, a non-plain tag
            (``!!python/object``) or a top level that is not a mapping.

    Example:
        >>> data, marks = load_yaml("configs/linear.yaml")  # doctest: +SKIP
        >>> marks["optimizer.lr"]  # doctest: +SKIP
        (12, 27)
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(ConfigIssue("", "config file not found", file=file)) from None
    except IsADirectoryError:
        raise ConfigError(
            ConfigIssue("", "expected a YAML file, got a directory", file=file)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(ConfigIssue("", f"cannot read the config: {exc}", file=file)) from None
    data, marks = parse_yaml(text, file=file)
    if data is None:
        raise ConfigError(
            ConfigIssue("", "the config is empty; expected a mapping of keys", file=file)
        )
    if not isinstance(data, dict):
        raise ConfigError(
            ConfigIssue(
                "",
                f"expected a mapping of keys at the top level, got {type(data).__name__}",
                file=file,
                line=1,
                column=1,
            )
        )
    return data, marks


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, Marks]:
    """Parse YAML text (one document) into plain data and key marks; see ``load_yaml``."""
    loader = _ConfigLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise ConfigError(_yaml_issue(exc, file)) from None
        except yaml.YAMLError as exc:
            raise ConfigError(ConfigIssue("", f"malformed YAML: {exc}", file=file)) from None
        marks: Marks = {}
        if node is None:
            return None, marks
        sizes = _Sizes()
        if sizes.of(node) > _MAX_NODES:
            _reject_expansion(loader, node, sizes, file)
        issues: list[ConfigIssue] = []
        _Walker(marks, issues, file).walk(node, "")
        if issues:
            raise ConfigError(issues)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            raise ConfigError(_yaml_issue(exc, file)) from None
        return data, marks
    finally:
        loader.dispose()


def _yaml_issue(exc: yaml.MarkedYAMLError, file: str | None) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    message = "malformed YAML: " + (exc.problem or "syntax error")
    if exc.context:
        message += f" ({exc.context})"
    return ConfigIssue(
        "",
        message,
        file=file,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


class _Sizes:
    """How many values each node stands for once aliases are expanded (memoised per node)."""

    def __init__(self) -> None:
        self.known: dict[int, int] = {}
        self.open: set[int] = set()

    def of(self, node: Node) -> int:
        key = id(node)
        if key in self.known:
            return self.known[key]
        if key in self.open:  # a recursive alias: the walker reports it
            return 1
        self.open.add(key)
        total = 1
        for child in _children(node):
            total += self.of(child)
        self.open.discard(key)
        self.known[key] = total
        return total


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _labelled_children(node: Node, path: str) -> list[tuple[str, Any, Node]]:
    """(key path, slot index, child) for each value under ``node``."""
    if isinstance(node, SequenceNode):
        return [(f"{path}[{i}]", i, child) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out = []
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else "?"
            out.append((f"{path}.{name}" if path else name, key, value))
        return out
    return []


def _reject_expansion(loader: _ConfigLoader, root: Node, sizes: _Sizes, file: str | None) -> None:
    """Raise YamlExpansionError pointing at the alias that blows the document up.

    Follows the largest value down from the top until it is reached through an alias;
    that alias (its line and column, and the anchor it repeats) is what the user wrote.
    """
    path, node = "", root
    culprit = None
    while True:
        children = _labelled_children(node, path)
        if not children:
            break
        child_path, index, child = max(children, key=lambda c: sizes.of(c[2]))
        alias = loader.alias_marks.get(_slot(node, index))
        path = child_path
        if alias is not None:
            culprit = (child_path, alias, child)
            break
        node = child
    total = sizes.of(root)
    if culprit is None:
        line, column = _pos(node)
        message = f"the config holds more than {_MAX_NODES:,} values ({total:,})"
        issue = ConfigIssue(path, message, file, line, column, "split it into smaller files")
    else:
        where, (anchor, mark), target = culprit
        message = (
            f"YAML anchors and aliases expand the config to {total:,} values, more than the "
            f"limit of {_MAX_NODES:,}: the alias *{anchor} here repeats anchor &{anchor}, "
            f"which expands to {sizes.of(target):,} values by itself"
        )
        hint = "use aliases to share small pieces of a config, not to multiply them"
        issue = ConfigIssue(where, message, file, mark.line + 1, mark.column + 1, hint)
    partial, pruned = _partial_top_level(loader, root, sizes)
    marks = {
        key.value: _pos(key)
        for key, _ in (root.value if isinstance(root, MappingNode) else [])
        if isinstance(key, ScalarNode)
    }
    raise YamlExpansionError([issue], partial, pruned, marks)


def _partial_top_level(
    loader: _ConfigLoader, root: Node, sizes: _Sizes
) -> tuple[dict[str, Any], set[str]]:
    """The top-level mapping with every over-large value replaced by None."""
    partial: dict[str, Any] = {}
    pruned: set[str] = set()
    if not isinstance(root, MappingNode):
        return partial, pruned
    budget = _MAX_NODES
    for key, value in root.value:
        if not isinstance(key, ScalarNode) or key.tag not in _ALLOWED_TAGS:
            continue
        size = sizes.of(value)
        if size > budget or value.tag not in _ALLOWED_TAGS:
            partial[key.value] = None
            pruned.add(key.value)
            continue
        budget -= size
        try:
            partial[key.value] = loader.construct_object(value, deep=True)
        except yaml.YAMLError:
            partial[key.value] = None
            pruned.add(key.value)
    return partial, pruned


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    """Walks the composed node tree: records marks, finds duplicate keys and foreign tags."""

    def __init__(self, marks: Marks, issues: list[ConfigIssue], file: str | None) -> None:
        self.marks = marks
        self.issues = issues
        self.file = file
        self.count = 0
        self.stack: set[int] = set()

    def issue(self, path: str, node: Node, message: str, hint: str | None = None) -> None:
        line, column = _pos(node)
        self.issues.append(ConfigIssue(path, message, self.file, line, column, hint))

    def walk(self, node: Node, path: str) -> None:
        self.count += 1
        if self.count > _MAX_NODES:
            if self.count == _MAX_NODES + 1:
                self.issue(path, node, f"the config expands to more than {_MAX_NODES} values")
            return
        if node.tag not in _ALLOWED_TAGS:
            tag = node.tag.replace(_STD, "!!")
            self.issue(
                path,
                node,
                f"YAML tag '{tag}' is not allowed",
                "a config holds plain data only: mappings, lists, strings, numbers, "
                "booleans and null",
            )
            return
        if id(node) in self.stack:  # a recursive alias
            self.issue(path, node, "recursive YAML alias")
            return
        self.stack.add(id(node))
        if isinstance(node, MappingNode):
            self._mapping(node, path)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}[{index}]"
                self.marks.setdefault(child, _pos(item))
                self.walk(item, child)
        self.stack.discard(id(node))

    def _mapping(self, node: MappingNode, path: str) -> None:
        seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":  # `<<: *defaults`: merged keys may be overridden
                self.walk(value_node, path)
                continue
            if not isinstance(key_node, ScalarNode):
                self.issue(path, key_node, "a key must be a plain name, not a list or mapping")
                continue
            if key_node.tag not in _ALLOWED_TAGS:
                self.walk(key_node, path)
                continue
            key = key_node.value
            child = f"{path}.{key}" if path else key
            line, column = _pos(key_node)
            if key in seen:
                first = f"line {seen[key][0]}, column {seen[key][1]}"
                self.issue(
                    child,
                    key_node,
                    f"duplicate key '{key}' (first at {first}; again at line {line}, "
                    f"column {column})",
                    "YAML keeps only the last one; remove one of them",
                )
            else:
                seen[key] = (line, column)
                self.marks[child] = _pos(key_node)
            self.walk(value_node, child)


# -- key paths and --set overrides ---------------------------------------------------------

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*|[0-9]+)((?:\[[0-9]+\])*)")


def parse_key_path(path: str) -> list[str | int]:
    """Split ``model.layers[1].out_features`` (or ``model.layers.1.out_features``) into parts.

    Raises:
        ValueError: when the path is not dotted names with optional ``[index]`` suffixes.
    """
    parts: list[str | int] = []
    if not path:
        raise ValueError("empty key path")
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise ValueError(
                f"bad key path '{path}': expected names joined by '.', with optional [index], "
                "e.g. model.layers[0].out_features"
            )
        name, indices = match.groups()
        parts.append(int(name) if name.isdigit() else name)
        parts.extend(int(index) for index in re.findall(r"\[([0-9]+)\]", indices))
    return parts


def format_key_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """Join parts back into ``model.layers[1].out_features`` form."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``key.path=value`` override applied in order.

    Values are parsed as YAML (``0.01`` is a float, ``[1, 2]`` a list, ``null`` is None).
    Missing mapping keys are created (validation then reports unknown ones, with hints).

    Raises:
        ConfigError: listing every override that is malformed or cannot be applied.

    Example:
        >>> apply_overrides({"optimizer": {"type": "SGD", "lr": 0.1}}, ["optimizer.lr=0.01"])
        {'optimizer': {'type': 'SGD', 'lr': 0.01}}
    """
    result = copy.deepcopy(data)
    issues: list[ConfigIssue] = []
    for override in overrides:
        where = f"--set {override}"
        key, sep, text = override.partition("=")
        key = key.strip()
        if not sep or not key:
            issues.append(
                ConfigIssue(key, "expected KEY.PATH=VALUE, e.g. optimizer.lr=0.01", file=where)
            )
            continue
        try:
            parts = parse_key_path(key)
            value, _ = parse_yaml(text, file=where)
            _set_path(result, parts)(value)
        except ConfigError as exc:  # the value is not valid YAML
            for issue in exc.issues:
                issue.key_path = issue.key_path or key
            issues.extend(exc.issues)
        except ValueError as exc:
            issues.append(ConfigIssue(key, str(exc), file=where))
    if issues:
        raise ConfigError(issues)
    return result


def _set_path(root: dict[str, Any], parts: list[str | int]) -> Any:
    """Walk to the parent of the last part (creating mappings) and return a setter."""
    node: Any = root
    for depth, part in enumerate(parts):
        here = format_key_path(parts[:depth]) or "the top level"
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            # `modules.0.x` on a mapping means the key "0" (unless the YAML key was an int 0)
            key = str(part) if isinstance(part, int) and part not in node else part
            if last:
                return lambda value, node=node, key=key: node.__setitem__(key, value)
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
        elif isinstance(node, list):
            if not isinstance(part, int):
                raise ValueError(f"'{here}' is a list: use an index such as {here}[0]")
            if part >= len(node):
                raise ValueError(f"index {part} is out of range: '{here}' has {len(node)} item(s)")
            if last:
                return lambda value, node=node, key=part: node.__setitem__(key, value)
            node = node[part]
        else:
            raise ValueError(
                f"'{here}' is a {type(node).__name__}, not a mapping or list, "
                f"so it has no key '{part}'"
            )
    raise ValueError("empty key path")


# -- writing -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes small flat mappings (layer specs) on one line, like the SPEC's examples."""


def _represent_dict(dumper: yaml.SafeDumper, value: dict[Any, Any]) -> yaml.Node:
    flat = len(value) <= 6 and all(
        isinstance(item, (str, int, float, bool, type(None))) for item in value.values()
    )
    has_type = "type" in value or "split_from" in value
    return dumper.represent_mapping(_STD + "map", value, flow_style=flat and has_type)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flat = all(isinstance(item, (str, int, float, bool, type(None))) for item in value)
    return dumper.represent_sequence(_STD + "seq", value, flow_style=flat)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


def dump_yaml(data: Any) -> str:
    """YAML text for ``data`` (keys in their order) that ``load_yaml`` reads back unchanged."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
