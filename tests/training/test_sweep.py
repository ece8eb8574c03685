"""Sweep planning: grid parsing (top-level commas), the product, validation naming --grid."""

from __future__ import annotations

from pathlib import Path

import pytest

from nettrain.errors import ConfigError
from nettrain.training.sweep import (
    Point,
    Sweep,
    expand,
    parse_grids,
    point_metrics,
    sort_key,
    split_top_level,
    validate_points,
)

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("0.1,0.01", ["0.1", "0.01"]),
        ("[8,16],[4]", ["[8,16]", "[4]"]),
        ("{a: 1, b: 2}, {a: 3}", ["{a: 1, b: 2}", "{a: 3}"]),
        ("'x,y',z", ["'x,y'", "z"]),
        ('"a,[b",c', ['"a,[b"', "c"]),
        ("5", ["5"]),
    ],
)
def test_split_top_level_keeps_commas_inside_brackets_and_quotes(text, parts):
    assert split_top_level(text) == parts


def test_parse_grids_values_are_yaml():
    (lr, layers) = parse_grids(["optimizer.lr=0.1,1e-3", "data.train.labels=[0,1],null"])
    assert lr.values == [0.1, 0.001] and isinstance(lr.values[1], float)
    assert layers.values == [[0, 1], None]


def test_parse_grids_reports_every_malformed_spec_at_once():
    with pytest.raises(ConfigError) as info:
        parse_grids(["optimizer.lr", "bad..key=1", "optimizer.lr=1,,2", "a=[1"])
    text = str(info.value)
    assert len(info.value.issues) == 4, text
    for spec in ("--grid optimizer.lr", "--grid bad..key=1", "--grid optimizer.lr=1,,2"):
        assert spec in text


def test_parse_grids_rejects_a_repeated_key_and_no_grid():
    with pytest.raises(ConfigError, match="two --grid options"):
        parse_grids(["optimizer.lr=1", "optimizer.lr=2"])
    with pytest.raises(ConfigError, match="at least one --grid"):
        parse_grids([])


def test_expand_is_the_cartesian_product_first_axis_slowest():
    points = expand(parse_grids(["a=1,2", "b=x,y,z"]))
    assert [p.index for p in points] == [1, 2, 3, 4, 5, 6]
    assert [p.overrides for p in points[:2]] == [["a=1", "b=x"], ["a=1", "b=y"]]
    assert points[5].values == {"a": 2, "b": "z"}
    assert points[0].name == "point-001"


def test_validate_points_names_the_grid_and_lists_every_bad_value():
    points = expand(parse_grids(["optimizer.lr=0.1,fast,[1]", "train.epochs=1,0"]))
    with pytest.raises(ConfigError) as info:
        validate_points(CONFIGS / "linear.yaml", [], points)
    text = str(info.value)
    assert "--grid optimizer.lr (value [1])" in text, text
    assert "--grid optimizer.lr (value fast)" in text, text
    assert "--grid train.epochs (value 0)" in text, text
    assert "--set" not in text, text
    # each distinct problem once, though it appears in several points
    assert len(info.value.issues) == len({str(i) for i in info.value.issues})


def test_validate_points_accepts_good_values():
    points = expand(parse_grids(["optimizer.lr=0.1,0.01"]))
    validate_points(CONFIGS / "linear.yaml", ["train.epochs=2"], points)


def test_sort_key_ranks_best_val_loss_then_train_loss_then_unscored():
    val = Point(1, [], {}, summary={"best_val_loss": 0.5, "metrics": {"train": {"loss": 0.1}}})
    better = Point(2, [], {}, summary={"best_val_loss": 0.2})
    train_only = Point(3, [], {}, summary={"metrics": {"train": {"loss": 0.3}}})
    failed = Point(4, [], {}, status="failed")
    ranked = sorted([failed, val, train_only, better], key=sort_key)
    assert [p.index for p in ranked] == [2, 3, 1, 4]
    assert point_metrics(val) == {"final.train.loss": 0.1, "best_val_loss": 0.5}


def test_sweep_json_round_trips(tmp_path):
    points = expand(parse_grids(["optimizer.lr=0.1,0.01"]))
    points[0].status, points[0].summary = "completed", {"best_val_loss": 0.25, "steps": 3}
    points[1].status, points[1].message = "failed", "boom"
    (tmp_path / "logs").mkdir()
    grid = [{"key": "optimizer.lr", "texts": ["0.1", "0.01"], "values": [0.1, 0.01]}]
    sweep = Sweep(tmp_path, CONFIGS / "linear.yaml", ["train.epochs=2"], grid, points, 2)
    sweep.save()
    loaded = Sweep.load(tmp_path)
    assert loaded.points == points
    assert (loaded.jobs, loaded.base_overrides, loaded.grid_keys()) == (
        2,
        ["train.epochs=2"],
        ["optimizer.lr"],
    )
    lines = (tmp_path / "sweep.csv").read_text().splitlines()
    assert lines[0].startswith("point,optimizer.lr,status,run_dir,wall_time_s")
    assert len(lines) == 3 and lines[2].endswith(",boom")
