"""Every row of the op case table (``nettrain.ops.cases``): gradcheck in float64 and
PyTorch as oracle in float32/float64, on each device."""

from __future__ import annotations

import pytest

from nettrain.ops.cases import Case, all_cases
from tests.helpers.opcheck import check_against_torch, check_gradcheck

ROWS = [pytest.param(case, id=f"{op.__name__}-{case.name}") for op, case in all_cases()]


@pytest.mark.parametrize("case", [p for p in ROWS if p.values[0].gradcheck])
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ROWS)
def test_matches_torch(case: Case, dtype: str, device: str) -> None:
    check_against_torch(case, dtype, device)
