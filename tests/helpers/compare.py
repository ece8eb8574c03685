"""The one tolerance policy for comparing nettrain with PyTorch (ops and modules alike).

* float64: tight. Both libraries evaluate the same formulas with rounding near 1e-16;
  1e-10 leaves room only for a different summation order over up to ~1e5 terms.
* float32: set by the conditioning of the computation. A few roundings of an elementwise
  op or a short reduction stay within 2e-5 relative; the absolute floor (1e-5) covers
  values that cancel to near zero.
* gradients: looser in relative terms than forward values (rtol x5), because
  backward adds a chain-rule pass and the sums over broadcast or reduced dimensions; the
  absolute floor stays the same.
* ``cond`` scales both for a computation whose condition number is known to be larger
  (long reductions, recurrences); a caller passing it says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BASE = {"float64": (1e-10, 1e-10), "float32": (2e-5, 1e-5)}


def tolerance(dtype: str, *, grad: bool = False, cond: float = 1.0) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing results of ``dtype`` (see the module docstring)."""
    rtol, atol = _BASE[dtype]
    if grad:
        rtol *= 5
    return rtol * cond, atol * cond


def assert_close(
    actual: Any,
    expected: Any,
    dtype: str,
    *,
    grad: bool = False,
    cond: float = 1.0,
    err_msg: str = "",
) -> None:
    """``np.testing.assert_allclose`` under this module's policy."""
    rtol, atol = tolerance(dtype, grad=grad, cond=cond)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=err_msg)
