"""CLI test helpers: a CliRunner that returns results with the output attached to failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nettrain.cli.app import app

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


class Invoker:
    """``invoke("train", "cfg.yaml")`` -> Result; ``expect(code, ...)`` asserts the status."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(app, [str(a) for a in args])

    def expect(self, code: int, *args: str):
        result = self(*args)
        assert result.exit_code == code, result.output
        return result


@pytest.fixture
def cli() -> Invoker:
    return Invoker()
