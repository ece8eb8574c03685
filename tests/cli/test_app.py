"""The app: every command has help with an example; one exit point maps errors to statuses."""

from __future__ import annotations

import pytest
import typer

from nettrain.cli import app as app_module
from nettrain.errors import (
    CheckpointError,
    ConfigError,
    GradcheckError,
    ShapeError,
    StorageError,
)
from nettrain.training.errors import NonFiniteLossError, TrainingInterrupted

COMMANDS = ["train", "inspect-params", "gradcheck", "validate", "list", "eval", "version"]
COMMANDS += ["sweep", "compare", "plot"]


def test_all_commands_are_registered():
    group = typer.main.get_command(app_module.app)
    assert sorted(group.commands) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(cli, command):
    result = cli.expect(0, command, "--help")
    assert "Example:" in result.output
    assert f"nettrain {command}" in result.output


def test_no_arguments_shows_help(cli):
    result = cli(*[])
    assert "train" in result.output and "inspect-params" in result.output


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad"), 2),
        (CheckpointError("bad"), 2),
        (ShapeError("bad"), 2),
        (FileNotFoundError("x"), 2),
        (StorageError("cannot write checkpoint x: No space left on device", "x", 28), 2),
        (NonFiniteLossError("nan", 3, 1), 1),
        (GradcheckError("bad"), 1),
        (TrainingInterrupted("stop", None, None, "cmd"), 130),
        (KeyboardInterrupt(), 130),
        (ZeroDivisionError("bug"), 1),
    ],
)
def test_exit_codes(error, code):
    assert app_module.exit_code_for(error) == code


def test_bad_input_is_one_message_without_traceback(cli, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("name: x\nmodel: {type: Lienar}\n")
    result = cli.expect(2, "validate", config)
    assert "error:" in result.output and "Traceback" not in result.output
    assert "Linear" in result.output  # the suggestion


def test_debug_shows_the_traceback_and_keeps_the_status(cli, tmp_path):
    result = cli.expect(2, "inspect-params", tmp_path / "missing.safetensors", "--debug")
    assert "Traceback" in result.output
    assert "error: no such checkpoint" in result.output


def test_version(cli):
    import nettrain

    assert cli.expect(0, "version").output.strip() == nettrain.__version__
