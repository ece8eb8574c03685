"""YAML loading with key positions, duplicate keys, tag rejection, overrides and dumping."""

from __future__ import annotations

import pytest

from nettrain.errors import ConfigError
from nettrain.training.yaml_io import (
    apply_overrides,
    dump_yaml,
    format_key_path,
    load_yaml,
    parse_key_path,
    parse_yaml,
)

TEXT = """\
name: demo
model:
  type: Sequential
  layers:
    - {type: Linear, in_features: 4, out_features: 2}
    - type: Softmax
      dim: 1
optimizer: {type: SGD, lr: 1e-3}
"""


def test_marks_for_nested_keys_and_list_items(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    data, marks = load_yaml(path)
    assert data["model"]["layers"][1] == {"type": "Softmax", "dim": 1}
    # 1-based (line, column) of each key, or of the list item's first character.
    assert marks["name"] == (1, 1)
    assert marks["model.type"] == _at(3, "type")
    assert marks["model.layers[0]"] == _at(5, "{")
    assert marks["model.layers[0].out_features"] == _at(5, "out_features")
    assert marks["model.layers[1]"] == _at(6, "type")
    assert marks["model.layers[1].dim"] == _at(7, "dim")
    assert marks["optimizer.lr"] == _at(8, "lr")


def _at(line: int, token: str) -> tuple[int, int]:
    """Where ``token`` first appears on 1-based ``line`` of TEXT, 1-based."""
    return line, TEXT.splitlines()[line - 1].index(token) + 1


def test_exponent_without_dot_is_a_float():
    data, _ = parse_yaml(TEXT)
    assert data["optimizer"]["lr"] == pytest.approx(0.001)
    assert isinstance(data["optimizer"]["lr"], float)


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\nb: 2\na: 3\n", 3),
        ("model:\n  type: Linear\n  in_features: 4\n  in_features: 5\n", 4),
        ("- {x: 1, x: 2}\n", 1),
    ],
)
def test_duplicate_keys_are_errors_naming_both_lines(text, line):
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, file="c.yaml")
    (issue,) = info.value.issues
    assert "duplicate key" in issue.message
    assert issue.line == line and issue.file == "c.yaml"
    assert f"again at line {line}" in issue.message


def test_same_key_in_different_mappings_is_fine():
    data, _ = parse_yaml("a: {x: 1}\nb: {x: 2}\n")
    assert data == {"a": {"x": 1}, "b": {"x": 2}}


def test_merge_keys_may_be_overridden():
    data, _ = parse_yaml("base: &b {lr: 0.1, momentum: 0.9}\nopt:\n  <<: *b\n  lr: 0.5\n")
    assert data["opt"] == {"lr": 0.5, "momentum": 0.9}


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo hi']",
        "!!python/name:os.system",
        "!!python/object:collections.OrderedDict {}",
        "!custom 3",
        "!!binary aGk=",
    ],
)
def test_non_plain_tags_are_rejected(value):
    with pytest.raises(ConfigError) as info:
        parse_yaml(f"name: x\nmodel: {value}\n", file="c.yaml")
    issue = info.value.issues[0]
    assert "is not allowed" in issue.message
    assert (issue.key_path, issue.line) == ("model", 2)


def test_malformed_yaml_names_file_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nmodel: [1, 2\nloss: {}\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    issue = info.value.issues[0]
    assert issue.file == str(path)
    assert issue.line is not None and issue.column is not None
    assert "malformed YAML" in issue.message
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "text, words",
    [("", "empty"), ("- 1\n- 2\n", "mapping"), ("just text\n", "mapping")],
)
def test_top_level_must_be_a_mapping(tmp_path, text, words):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_yaml(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_recursive_alias_is_an_error():
    with pytest.raises(ConfigError, match="recursive"):
        parse_yaml("a: &x [1, *x]\n")


@pytest.mark.parametrize(
    "path, parts",
    [
        ("optimizer.lr", ["optimizer", "lr"]),
        ("model.layers[1].out_features", ["model", "layers", 1, "out_features"]),
        ("model.layers.1.out_features", ["model", "layers", 1, "out_features"]),
        ("a[0][2]", ["a", 0, 2]),
    ],
)
def test_parse_key_path(path, parts):
    assert parse_key_path(path) == parts


@pytest.mark.parametrize("path", ["", "a..b", "a.[0]", "a b", "a[x]"])
def test_parse_key_path_rejects_bad_syntax(path):
    with pytest.raises(ValueError):
        parse_key_path(path)


def test_format_key_path_inverts_parse():
    assert format_key_path(parse_key_path("model.layers.1.dim")) == "model.layers[1].dim"


def _data():
    data, _ = parse_yaml(TEXT)
    return data


@pytest.mark.parametrize(
    "override, path, expected",
    [
        ("optimizer.lr=0.01", ("optimizer", "lr"), 0.01),
        ("model.layers[0].out_features=8", ("model", "layers", 0, "out_features"), 8),
        ("model.layers.1.dim=0", ("model", "layers", 1, "dim"), 0),
        ("name=other run", ("name",), "other run"),
        (
            "scheduler={type: StepLR, step_size: 3}",
            ("scheduler",),
            {"type": "StepLR", "step_size": 3},
        ),
        ("train.metrics=[loss]", ("train", "metrics"), ["loss"]),
        ("optimizer.lr=", ("optimizer", "lr"), None),
        ("optimizer.momentum=1e-1", ("optimizer", "momentum"), 0.1),
    ],
)
def test_overrides_parse_values_as_yaml(override, path, expected):
    original = _data()
    result = apply_overrides(original, [override])
    node = result
    for part in path:
        node = node[part]
    assert node == expected
    assert original == _data()  # the input is not modified


@pytest.mark.parametrize("key", ["0", 0])
def test_numeric_parts_on_mappings_use_the_existing_key(key):
    data = {"modules": {key: {"type": "Tanh"}}}
    result = apply_overrides(data, ["modules.0.type=ReLU", "fresh.1=2"])
    assert result["modules"] == {key: {"type": "ReLU"}}
    assert result["fresh"] == {"1": 2}


def test_overrides_apply_in_order():
    result = apply_overrides(_data(), ["optimizer.lr=1", "optimizer.lr=2"])
    assert result["optimizer"]["lr"] == 2


@pytest.mark.parametrize(
    "override, words",
    [
        ("optimizer.lr", "KEY.PATH=VALUE"),
        ("=3", "KEY.PATH=VALUE"),
        ("model.layers[7].dim=1", "out of range"),
        ("model.layers.type=1", "is a list"),
        ("name.first=1", "not a mapping"),
        ("optimizer..lr=1", "bad key path"),
        ("optimizer.lr=[1", "malformed YAML"),
        ("optimizer.lr=!!python/name:os.system", "not allowed"),
    ],
)
def test_bad_overrides(override, words):
    with pytest.raises(ConfigError, match=words) as info:
        apply_overrides(_data(), [override])
    assert info.value.issues[0].file == f"--set {override}"


def test_every_bad_override_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        apply_overrides(_data(), ["a", "model.layers[9].x=1", "optimizer.lr=0.5", "b=[1"])
    assert len(info.value.issues) == 3


def test_dump_yaml_round_trips():
    data = _data()
    text = dump_yaml(data)
    again, _ = parse_yaml(text)
    assert again == data
    assert list(again) == list(data)  # key order kept
    assert "- {type: Linear, in_features: 4, out_features: 2}" in text


def _laughs(levels: int = 9) -> str:
    """A "billion laughs" document: each anchor repeats the previous one ten times."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_points_at_the_alias_that_expands():
    with pytest.raises(ConfigError) as info:
        parse_yaml(_laughs(), file="lols.yaml")
    (issue,) = info.value.issues
    assert "anchors and aliases expand" in issue.message
    assert "*a7" in issue.message and "&a7" in issue.message
    # the alias itself: the first '*a7' on the last line (line 9), not the anchor on line 8
    assert (issue.line, issue.column) == (9, _laughs().splitlines()[8].index("*a7") + 1)
    assert issue.key_path == "a8[0]"


def test_small_aliases_are_fine():
    data, _ = parse_yaml("base: &b {lr: 0.1}\nx: *b\ny: [*b, *b]\n")
    assert data["x"] == {"lr": 0.1} and data["y"] == [{"lr": 0.1}, {"lr": 0.1}]
