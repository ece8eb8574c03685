"""The gradcheck case table covers every registered layer and loss, and every case passes."""

from __future__ import annotations

import numpy as np
import pytest

from nettrain.training import gradcheck_cases as gc
from nettrain.training.registry import LOSSES, MODULES


def test_every_registered_module_and_loss_has_a_case():
    cases = gc.registry_cases()
    missing = [name for name, (_, maker) in cases.items() if maker is None]
    assert missing == [], f"add gradcheck cases for {missing}"
    expected = (set(MODULES.names()) - gc.NO_FORWARD) | set(LOSSES.names())
    assert expected <= set(cases)


@pytest.mark.parametrize("name", sorted(gc.registry_cases()))
def test_case_passes(name):
    kind, maker = gc.registry_cases()[name]
    result = gc.run_case(name, kind, maker, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert result.passed, result
    assert result.checked > 0 and result.max_abs_error < 1e-5


def test_errors_inside_a_case_are_failed_rows():
    def broken():
        raise RuntimeError("kaboom")

    result = gc.run_case("broken", "op", broken, 1e-6, 1e-5, 1e-3)
    assert result.passed is False and "kaboom" in result.message
    assert gc.all_passed([result]) is False
    skipped = gc.run_case("none", "module", None, 1e-6, 1e-5, 1e-3)
    assert skipped.passed is None and gc.all_passed([skipped])


def test_check_config_samples_large_parameters(tmp_path):
    from tests.helpers.configs import SPIRALS, make, resolve

    results = gc.check_config(resolve(make(SPIRALS), tmp_path), max_elements=5)
    assert [r.name for r in results] == [
        "model.0.weight",
        "model.0.bias",
        "model.3.weight",
        "model.3.bias",
    ]
    assert [r.checked for r in results] == [5, 5, 5, 2]
    assert all(r.passed for r in results), results
    assert np.isfinite([r.max_abs_error for r in results]).all()
