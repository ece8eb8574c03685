"""F.pad against PyTorch (values and gradients) and float64 gradcheck, for every mode."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from tests.helpers.functional_oracle import gradcheck64, match_torch

CASES = [
    ((2, 3, 4, 5), (1, 2), "constant", 1.5),
    ((2, 3, 4, 5), (1, 2, -1, 3), "constant", None),
    ((2, 3, 4, 5), (-2, -1, 0, 0, 1, 1, 2, 0), "constant", -2.0),
    ((5,), (2, 0), "constant", None),
    ((2, 3, 5), (2, 3), "reflect", None),
    ((3, 5), (4, 1), "reflect", None),
    ((2, 3, 4, 5), (1, 3, 2, 2), "reflect", None),
    ((2, 3, 4, 5), (1, -1, 0, 3), "reflect", None),
    ((1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 1), "reflect", None),
    ((2, 3, 5), (7, 2), "replicate", None),
    ((2, 3, 4, 5), (1, 2, 3, -1), "replicate", None),
    ((2, 3, 4, 5), (2, 1, 1, 2), "replicate", 0.0),
    ((2, 4, 3, 4, 5), (1, 1, 2, 0, 0, 3), "replicate", None),
    ((2, 3, 5), (5, 2), "circular", None),
    ((2, 3, 4, 5), (1, 2, -1, 3), "circular", None),
    ((3, 4, 5, 6), (1, 1, 2, 2, 3, 0), "circular", None),
]
IDS = [f"{mode}-{i}" for i, (_, _, mode, _) in enumerate(CASES)]


def _data(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "pad", "mode", "value"), CASES, ids=IDS)
def test_matches_torch(shape, pad, mode, value, dtype, device) -> None:
    torch = pytest.importorskip("torch")
    match_torch(
        lambda x: F.pad(x, pad, mode, value),
        lambda x: torch.nn.functional.pad(x, pad, mode, value),
        [_data(shape)],
        dtype=dtype,
        device=device,
    )


@pytest.mark.parametrize(("shape", "pad", "mode", "value"), CASES[1::2], ids=IDS[1::2])
def test_gradcheck(shape, pad, mode, value) -> None:
    gradcheck64(lambda x: F.pad(x, pad, mode, value), [_data(shape)])


def test_constant_pad_is_twice_differentiable() -> None:
    x = nt.tensor(_data((3, 4)), requires_grad=True)
    assert nt.autograd.gradgradcheck(lambda t: F.pad(t, (1, -1, 2, 0), value=3.0) ** 2, (x,))


def test_dtype_is_kept_and_integer_value_truncates() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(6).reshape(2, 3)
    got = F.pad(nt.tensor(x), (1, 1), value=2.5)
    expected = torch.nn.functional.pad(torch.tensor(x), (1, 1), value=2.5)
    assert got.dtype == nt.int64
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    single = F.pad(nt.ones(1, 2, 2, dtype=nt.float32), (1, 1, 1, 1), mode="reflect")
    assert single.dtype == nt.float32


@pytest.mark.parametrize(
    ("shape", "pad", "mode", "error", "words"),
    [
        ((2, 3), (1, 2, 3), "constant", RuntimeError, "divisible by 2"),
        ((2, 3), (1, 1, 1, 1, 1, 1), "constant", RuntimeError, "two times the input dimension"),
        ((2, 3), (-2, -2), "constant", Exception, "crops more"),
        ((2, 3), (1, 1), "wrap", NotImplementedError, "Unrecognised padding mode"),
        ((2, 3, 4, 5), (1, 1), "reflect", NotImplementedError, "not supported for 4D"),
        ((5,), (1, 1), "circular", NotImplementedError, "not supported for 1D"),
        ((2, 3), (3, 0), "reflect", RuntimeError, "less than the corresponding input"),
        ((2, 3), (4, 0), "circular", RuntimeError, "wrapping around more than once"),
    ],
)
def test_errors_match_torch_kinds(shape, pad, mode, error, words) -> None:
    with pytest.raises(error, match=words):
        F.pad(nt.zeros(*shape), pad, mode)


def test_value_with_non_constant_mode_raises() -> None:
    with pytest.raises(RuntimeError, match="doesn't take in value"):
        F.pad(nt.zeros(2, 3), (1, 1), mode="reflect", value=1.0)
