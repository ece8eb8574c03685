"""``nettrain plot``: a PNG of the learning curves, and a clear message without matplotlib."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.cli._tiny import write_tiny

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from nettrain.cli.app import app

    folder = tmp_path_factory.mktemp("plot")
    config = write_tiny(folder)
    args = ["sweep", str(config), "--grid", "optimizer.lr=0.1,0.05", "--runs-dir", str(folder)]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_into_the_sweep_dir(cli, sweep_dir):
    pytest.importorskip("matplotlib")
    result = cli.expect(0, "plot", sweep_dir)
    path = Path(result.output.strip())
    assert path == sweep_dir / "curves.png"
    width, height = _png_size(path)
    # two panels (loss, accuracy) of 5.5 x 4 inches at 100 dpi
    assert (width, height) == (1100, 400)


def test_plot_one_metric_by_epoch_to_a_chosen_file(cli, sweep_dir, tmp_path):
    pytest.importorskip("matplotlib")
    run_dir = next(p for p in sweep_dir.glob("point-001/*") if p.is_dir())
    out = tmp_path / "sub" / "loss.png"
    result = cli.expect(0, "plot", run_dir, "--metric", "loss", "--x", "epoch", "-o", out)
    assert Path(result.output.strip()) == out
    assert _png_size(out) == (550, 400)


def test_plot_unknown_metric_and_axis(cli, sweep_dir):
    pytest.importorskip("matplotlib")
    result = cli("plot", sweep_dir, "--metric", "f1")
    assert result.exit_code == 2 and "no run logged f1" in result.output
    result = cli("plot", sweep_dir, "--x", "time")
    assert result.exit_code == 2 and "use step or epoch" in result.output


def test_plot_without_matplotlib_says_what_to_install(cli, sweep_dir, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    result = cli("plot", sweep_dir)
    assert result.exit_code == 2
    assert "pip install 'nettrain[plot]'" in result.output


def test_curves_reads_train_steps_and_val_epochs(sweep_dir):
    from nettrain.training.plot import curves

    run_dir = next(p for p in sweep_dir.glob("point-001/*") if p.is_dir())
    by_step = curves(run_dir, "step")
    by_epoch = curves(run_dir, "epoch")
    # 90 training samples, batch 16: 6 steps an epoch, logged every 2 steps, 3 epochs
    assert by_step[("train", "loss")][0] == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
    assert by_step[("val", "loss")][0] == [6.0, 12.0, 18.0]
    assert by_epoch[("train", "loss")][0] == [1.0, 2.0, 3.0]
    assert by_epoch[("val", "accuracy")][0] == [1.0, 2.0, 3.0]
