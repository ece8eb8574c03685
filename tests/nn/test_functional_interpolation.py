"""F.interpolate against PyTorch (values and gradients) and float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from tests.helpers.functional_oracle import gradcheck64, match_torch

CASES = [
    ((2, 3, 5), {"scale_factor": 2}, "nearest", None),
    ((2, 3, 7), {"size": 3}, "nearest", None),
    ((2, 3, 4, 5), {"size": (7, 3)}, "nearest", None),
    ((2, 3, 4, 5), {"scale_factor": (1.5, 0.7)}, "nearest", None),
    ((1, 2, 3, 4, 5), {"scale_factor": 1.7, "recompute_scale_factor": True}, "nearest", None),
    ((2, 3, 5, 4), {"size": (3, 9)}, "nearest-exact", None),
    ((2, 3, 5), {"size": 9}, "linear", False),
    ((2, 3, 5), {"scale_factor": 0.6}, "linear", True),
    ((2, 3, 4, 5), {"scale_factor": 2}, "bilinear", None),
    ((2, 3, 4, 5), {"size": (7, 3)}, "bilinear", False),
    ((2, 3, 4, 5), {"size": (7, 3)}, "bilinear", True),
    ((2, 3, 6, 5), {"scale_factor": (0.5, 1.3)}, "bilinear", False),
    ((2, 3, 6, 5), {"scale_factor": 1.3, "recompute_scale_factor": True}, "bilinear", False),
    ((2, 3, 4, 5), {"size": (1, 4)}, "bilinear", True),
    ((1, 2, 3, 4, 5), {"size": (2, 5, 7)}, "trilinear", False),
    ((2, 3, 7), {"size": 3}, "area", None),
    ((2, 3, 7, 6), {"size": (3, 4)}, "area", None),
]
IDS = [f"{mode}-{i}" for i, (_, _, mode, _) in enumerate(CASES)]


def _data(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("shape", "kwargs", "mode", "align"), CASES, ids=IDS)
def test_matches_torch(shape, kwargs, mode, align, dtype, device) -> None:
    torch = pytest.importorskip("torch")
    match_torch(
        lambda x: F.interpolate(x, mode=mode, align_corners=align, **kwargs),
        lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align, **kwargs),
        [_data(shape)],
        dtype=dtype,
        device=device,
    )


@pytest.mark.parametrize(("shape", "kwargs", "mode", "align"), CASES[::2], ids=IDS[::2])
def test_gradcheck(shape, kwargs, mode, align) -> None:
    resize = lambda x: F.interpolate(x, mode=mode, align_corners=align, **kwargs)  # noqa: E731
    gradcheck64(resize, [_data(shape)])


def test_bilinear_is_twice_differentiable() -> None:
    x = nt.tensor(_data((1, 1, 3, 4)), requires_grad=True)
    resize = lambda t: F.interpolate(t, size=(5, 3), mode="bilinear") ** 2  # noqa: E731
    assert nt.autograd.gradgradcheck(resize, (x,))


def test_same_size_is_a_copy_not_the_input() -> None:
    x = nt.randn(1, 2, 3, 4)
    out = F.interpolate(x, size=(3, 4), mode="bilinear")
    assert out is not x
    np.testing.assert_array_equal(out.numpy(), x.numpy())


def test_nearest_keeps_integer_dtype() -> None:
    x = nt.tensor(np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4))
    out = F.interpolate(x, scale_factor=2)
    assert out.dtype == nt.uint8 and tuple(out.shape) == (1, 1, 6, 8)


@pytest.mark.parametrize(
    ("shape", "kwargs", "error", "words"),
    [
        ((1, 2, 4, 5), {}, ValueError, "either size or scale_factor"),
        ((1, 2, 4, 5), {"size": 3, "scale_factor": 2}, ValueError, "only one of size"),
        ((1, 2, 4, 5), {"size": 3, "align_corners": True}, ValueError, "align_corners option"),
        ((1, 2, 4, 5), {"size": 3, "mode": "linear"}, NotImplementedError, "needs 3D input"),
        ((1, 2, 4), {"size": 3, "mode": "bilinear"}, NotImplementedError, "needs 4D input"),
        ((1, 2, 4, 5), {"size": (3, 4, 5)}, ValueError, "same number of spatial dimensions"),
        ((1, 2, 4, 5), {"size": 3, "mode": "foo"}, NotImplementedError, "got foo"),
        ((4, 5), {"size": 3}, NotImplementedError, "got 2D"),
        ((1, 2, 4, 5), {"scale_factor": 0.1}, RuntimeError, "greater than 0"),
        ((1, 2, 4, 5), {"size": 3, "recompute_scale_factor": True}, ValueError, "not meaningful"),
        ((1, 2, 4, 5), {"size": 3, "mode": "bicubic"}, NotImplementedError, "bilinear"),
        ((1, 2, 4, 5), {"size": 3, "antialias": True}, NotImplementedError, "antialias"),
    ],
)
def test_errors(shape, kwargs, error, words) -> None:
    with pytest.raises(error, match=words):
        F.interpolate(nt.zeros(*shape), **kwargs)
