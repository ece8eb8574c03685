"""autocast: tracked like PyTorch's, changing no dtype; bfloat16 names an unsupported dtype."""

from __future__ import annotations

import pytest

import nettrain as nt

pytestmark = pytest.mark.filterwarnings("ignore:autocast. nettrain has no mixed precision")


def test_region_is_tracked_and_dtypes_are_kept() -> None:
    model = nt.nn.Linear(3, 2)
    assert not nt.is_autocast_enabled("cuda")
    with nt.autocast(device_type="cuda", dtype=nt.float16):
        assert nt.is_autocast_enabled("cuda") and not nt.is_autocast_enabled("cpu")
        out = model(nt.ones(1, 3))
    assert out.dtype == nt.float32
    assert not nt.is_autocast_enabled("cuda")


def test_warns_once_that_precision_is_not_reduced() -> None:
    from nettrain.amp import autocast_mode

    autocast_mode._warned[0] = False
    with pytest.warns(UserWarning, match="no mixed precision"), nt.autocast("cuda"):
        pass


def test_spellings_and_decorator() -> None:
    assert nt.amp.autocast is nt.autocast

    @nt.cuda.amp.autocast()
    def inside() -> bool:
        return nt.is_autocast_enabled("cuda")

    assert inside() and not nt.is_autocast_enabled("cuda")
    with nt.autocast("cpu", enabled=False):
        assert not nt.is_autocast_enabled("cpu")
    with pytest.raises(ValueError, match="device_type"):
        nt.autocast(nt.device("cpu"))


def test_bfloat16_can_be_named_but_not_used() -> None:
    choices = {"float32": nt.float32, "bfloat16": nt.bfloat16, "float16": nt.float16}
    assert choices["bfloat16"].is_floating_point and repr(nt.bfloat16) == "nettrain.bfloat16"
    for use in (
        lambda: nt.zeros(2, dtype=nt.bfloat16),
        lambda: nt.ones(2).to(nt.bfloat16),
        lambda: nt.tensor([1.0], dtype="bfloat16"),
    ):
        with pytest.raises(NotImplementedError, match="use float32 or float16"):
            use()
    assert not nt.cuda.is_bf16_supported()
