"""Convolution ops through ``nn.functional``: conv1d, conv2d, conv_transpose2d.

Every case runs against PyTorch (forward and all input gradients, float32 and float64)
and through float64 gradcheck, covering stride, padding (ints, pairs, 'same', 'valid'),
dilation and groups.
"""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from nettrain.errors import ShapeError
from tests.helpers.opcheck import Case, check_against_torch, check_gradcheck, params

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def _conv2d(**kw):
    return lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, **kw)


def _conv2d_nobias(**kw):
    return lambda L, x, w: L.nn.functional.conv2d(x, w, **kw)


def _conv1d(**kw):
    return lambda L, x, w, b: L.nn.functional.conv1d(x, w, b, **kw)


def _tconv(**kw):
    return lambda L, x, w, b: L.nn.functional.conv_transpose2d(x, w, b, **kw)


CASES = [
    Case("conv2d_plain", _conv2d(), [((2, 3, 5, 6), (4, 3, 3, 2), (4,))]),
    Case("conv2d_stride_pad", _conv2d(stride=2, padding=1), [((2, 2, 6, 5), (3, 2, 3, 3), (3,))]),
    Case(
        "conv2d_asym",
        _conv2d(stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
        [((1, 2, 7, 6), (3, 2, 3, 2), (3,))],
    ),
    Case("conv2d_dilation", _conv2d(dilation=2), [((2, 2, 7, 7), (2, 2, 2, 3), (2,))]),
    Case("conv2d_groups", _conv2d(groups=2, padding=1), [((2, 4, 5, 5), (6, 2, 3, 3), (6,))]),
    Case(
        "conv2d_stride1_groups_dilated_pad",
        _conv2d(padding=(2, 1), dilation=(1, 2), groups=2),
        [((3, 4, 5, 6), (4, 2, 3, 2), (4,))],
    ),
    Case("conv2d_depthwise", _conv2d(groups=3), [((1, 3, 4, 4), (3, 1, 2, 2), (3,))]),
    Case("conv2d_same_even", _conv2d(padding="same"), [((1, 2, 5, 4), (2, 2, 4, 2), (2,))]),
    Case(
        "conv2d_same_dilated",
        _conv2d(padding="same", dilation=(2, 1)),
        [((1, 2, 6, 5), (3, 2, 3, 3), (3,))],
    ),
    Case("conv2d_valid", _conv2d(padding="valid"), [((1, 2, 4, 4), (2, 2, 3, 3), (2,))]),
    Case("conv2d_no_bias", _conv2d_nobias(stride=2), [((2, 2, 5, 5), (3, 2, 2, 2))]),
    Case("conv2d_unbatched", _conv2d(padding=1), [((2, 4, 4), (3, 2, 3, 3), (3,))]),
    Case("conv1d_plain", _conv1d(), [((2, 3, 7), (4, 3, 3), (4,))]),
    Case(
        "conv1d_all",
        _conv1d(stride=2, padding=2, dilation=2, groups=2),
        [((2, 4, 9), (2, 2, 3), (2,))],
    ),
    Case("conv1d_same", _conv1d(padding="same"), [((1, 2, 6), (3, 2, 4), (3,))]),
    Case("tconv_plain", _tconv(), [((2, 3, 4, 3), (3, 2, 3, 3), (2,))]),
    Case(
        "tconv_stride_outpad",
        _tconv(stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
        [((1, 2, 3, 3), (2, 3, 3, 2), (3,))],
    ),
    Case(
        "tconv_groups_dilation",
        _tconv(stride=2, padding=1, groups=2, dilation=2),
        [((2, 4, 3, 3), (4, 1, 2, 3), (2,))],
    ),
    Case(  # stride 1: output_padding < dilation leaves rows past every window's reach
        "tconv_stride1_dilation_outpad",
        _tconv(padding=1, groups=2, dilation=2, output_padding=1),
        [((2, 4, 4, 3), (4, 2, 3, 2), (4,))],
    ),
]


@pytest.mark.parametrize("case", params(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_torch(case: Case, dtype: str) -> None:
    check_against_torch(case, dtype)


@pytest.mark.parametrize("case", params(CASES))
def test_gradcheck(case: Case) -> None:
    check_gradcheck(case)


def test_float32_stays_float32_and_device(device: str) -> None:
    x = nt.randn(2, 3, 6, 6, device=device, requires_grad=True)
    w = nt.randn(4, 3, 3, 3, device=device, requires_grad=True)
    y = F.conv2d(x, w, stride=2, padding=1)
    assert y.dtype == nt.float32 and tuple(y.shape) == (2, 4, 3, 3)
    y.sum().backward()
    assert x.grad.dtype == nt.float32 and w.grad.dtype == nt.float32
    ref = F.conv2d(x.detach().cpu(), w.detach().cpu(), stride=2, padding=1)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_channel_mismatch_names_both_shapes() -> None:
    with pytest.raises(ShapeError, match=r"expected input\[2, 3, 5, 5\] to have 2 channels"):
        F.conv2d(nt.randn(2, 3, 5, 5), nt.randn(4, 2, 3, 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"padding": "same", "stride": 2}, ValueError, "strided"),
        ({"padding": "full"}, ValueError, "Invalid padding string"),
        ({"groups": 3}, ValueError, "groups"),
        ({"stride": 0}, ValueError, "non-positive stride"),
        ({"dilation": (1, 0)}, ValueError, "non-positive dilation"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        F.conv2d(nt.randn(1, 4, 5, 5), nt.randn(4, 4, 3, 3), **kwargs)


def test_rank_and_size_errors() -> None:
    with pytest.raises(ShapeError, match=r"got input of shape \(4, 5\)"):
        F.conv2d(nt.randn(4, 5), nt.randn(2, 4, 3, 3))
    with pytest.raises(ShapeError, match="too small"):
        F.conv2d(nt.randn(1, 1, 2, 2), nt.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match="output padding"):
        F.conv_transpose2d(nt.randn(1, 1, 3, 3), nt.randn(1, 1, 3, 3), output_padding=1)


def test_double_backward_says_unsupported() -> None:
    x = nt.randn(1, 1, 4, 4, dtype=nt.float64, requires_grad=True)
    w = nt.randn(1, 1, 2, 2, dtype=nt.float64, requires_grad=True)
    (gx,) = nt.autograd.grad(F.conv2d(x, w).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward"):
        gx.sum().backward()
