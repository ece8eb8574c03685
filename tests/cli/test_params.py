"""Numeric options echo a bad value back and say what was expected (exit 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CONFIGS


@pytest.mark.parametrize(
    ("args", "option", "expected"),
    [
        (("train", CONFIGS / "linear.yaml", "--seed", "abc"), "--seed", "is not an integer"),
        (("train", CONFIGS / "linear.yaml", "--seed", "1.5"), "--seed", "is not an integer"),
        (("gradcheck", "--eps", "tiny"), "--eps", "is not a number"),
        (("gradcheck", "--atol", "1e-5x"), "--atol", "is not a number"),
    ],
)
def test_bad_number_is_echoed_with_what_was_expected(cli, args, option, expected):
    result = cli.expect(2, *args)
    bad = args[args.index(option) + 1]
    assert f"'{bad}' {expected}" in result.output
    assert option in result.output
    assert "Traceback" not in result.output


def test_good_seed_is_used(cli, tmp_path):
    result = cli.expect(
        0, "train", CONFIGS / "linear.yaml", "--seed", "7", "--runs-dir", tmp_path, "-q"
    )
    run = Path(result.stdout.strip().splitlines()[-1])
    assert json.loads((run / "summary.json").read_text())["seed"] == 7
