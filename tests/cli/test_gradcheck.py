"""``nettrain gradcheck``: the registry table, a config's parameters, --json, failures -> 1."""

from __future__ import annotations

import json

import pytest

from nettrain.training import gradcheck_cases

from .conftest import CONFIGS


def test_one_case_passes(cli):
    result = cli.expect(0, "gradcheck", "--only", "Linear")
    assert "Linear" in result.stdout and "pass" in result.stdout
    assert "1 passed, 0 failed" in result.stdout


def test_json_is_one_record_per_case(cli):
    result = cli.expect(0, "gradcheck", "--only", "*Loss", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"CrossEntropyLoss", "MSELoss"} <= {r["name"] for r in records}
    for record in records:
        assert set(record) == {
            "name",
            "kind",
            "passed",
            "max_abs_error",
            "max_rel_error",
            "checked",
            "message",
        }
        assert record["passed"] is True and record["kind"] == "loss"


def test_a_wrong_gradient_fails_with_exit_1(cli, monkeypatch):
    import nettrain
    from nettrain.autograd import Function

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x * 3  # should be 2x

    def cases():
        x = nettrain.randn(3, dtype=nettrain.float64, requires_grad=True)
        return {"wrong_square": lambda: (WrongSquare.apply, (x,))}

    monkeypatch.setattr(gradcheck_cases, "_op_cases", cases)
    result = cli.expect(1, "gradcheck", "--only", "wrong_square")
    assert "FAIL" in result.stdout and "wrong_square" in result.stderr
    record = json.loads(cli.expect(1, "gradcheck", "--only", "wrong_square", "--json").stdout)
    assert record["passed"] is False and record["max_abs_error"] > 0.1


def test_unknown_case_exits_2_with_suggestions(cli):
    result = cli.expect(2, "gradcheck", "--only", "Lienar")
    assert "Linear" in result.stderr


def test_config_checks_each_parameter(cli):
    result = cli.expect(0, "gradcheck", CONFIGS / "linear.yaml", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["name"] for r in records] == ["model.0.weight", "model.0.bias"]
    assert all(r["passed"] and r["kind"] == "parameter" for r in records)
    assert records[0]["checked"] == 8


@pytest.mark.parametrize("only", ["model.0.bias", "*.bias"])
def test_config_only_one_parameter(cli, only):
    result = cli.expect(0, "gradcheck", CONFIGS / "linear.yaml", "--only", only, "--json")
    assert [json.loads(x)["name"] for x in result.stdout.splitlines()] == ["model.0.bias"]
