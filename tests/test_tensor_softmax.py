"""Tensor.softmax / nettrain.softmax forward to nn.functional's implementation."""

import numpy as np
import pytest

import nettrain as nt


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_method_and_function_agree_with_functional(dim):
    x = nt.randn(3, 4, dtype=nt.float64)
    expected = nt.nn.functional.softmax(x, dim=dim).numpy()
    np.testing.assert_allclose(x.softmax(dim).numpy(), expected)
    np.testing.assert_allclose(nt.softmax(x, dim).numpy(), expected)
    np.testing.assert_allclose(x.log_softmax(dim).numpy(), np.log(expected), rtol=1e-12)
    np.testing.assert_allclose(nt.log_softmax(x, dim).exp().numpy(), expected, rtol=1e-12)
