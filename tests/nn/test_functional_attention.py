"""F.scaled_dot_product_attention against PyTorch and float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn.functional as F
from tests.helpers.compare import assert_close


def _qkv(seed: int = 0, shape_q=(2, 3, 4, 5), shape_kv=(2, 3, 6, 5)) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(shape_q),
        rng.standard_normal(shape_kv),
        rng.standard_normal(shape_kv),
    ]


def _masks(kind: str) -> dict:
    rng = np.random.default_rng(1)
    if kind == "bool":
        m = rng.random((4, 6)) > 0.3
        m[:, 0] = True  # every query keeps one key, so no row is all -inf
        return {"attn_mask": m}
    if kind == "float":
        return {"attn_mask": rng.standard_normal((3, 4, 6))}
    if kind == "causal":
        return {"is_causal": True}
    return {}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch(dtype: str, kind: str, scale: float | None) -> None:
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in _qkv()]
    extra = _masks(kind)
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    n_in = [nt.tensor(a, requires_grad=True) for a in arrays]
    t_kw, n_kw = dict(extra), dict(extra)
    if "attn_mask" in extra:
        m = extra["attn_mask"]
        m = m.astype(dtype) if m.dtype.kind == "f" else m
        t_kw["attn_mask"], n_kw["attn_mask"] = torch.tensor(m), nt.tensor(m)
    t_out = torch.nn.functional.scaled_dot_product_attention(*t_in, scale=scale, **t_kw)
    n_out = F.scaled_dot_product_attention(*n_in, scale=scale, **n_kw)
    assert str(n_out.dtype).endswith(dtype)
    assert_close(n_out.detach().numpy(), t_out.detach().numpy(), dtype)
    g = np.random.default_rng(2).standard_normal(tuple(t_out.shape)).astype(dtype)
    (t_out * torch.tensor(g)).sum().backward()
    (n_out * nt.tensor(g)).sum().backward()
    for t, n in zip(t_in, n_in):
        assert_close(n.grad.numpy(), t.grad.numpy(), dtype, grad=True)


@pytest.mark.parametrize("kind", ["none", "bool", "causal"])
def test_sdpa_gradcheck(kind: str) -> None:
    arrays = _qkv(shape_q=(1, 2, 3, 2), shape_kv=(1, 2, 3, 2))
    inputs = [nt.tensor(a, requires_grad=True) for a in arrays]
    kw = {}
    if kind == "bool":
        kw["attn_mask"] = nt.tensor(
            np.array([[True, False, True], [True, True, False], [True] * 3])
        )
    if kind == "causal":
        kw["is_causal"] = True
    assert nt.autograd.gradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw), inputs
    )


def test_sdpa_rejects_mask_with_causal_and_gqa() -> None:
    q, k, v = (nt.tensor(a) for a in _qkv())
    with pytest.raises(ValueError, match="attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=nt.ones(4, 6), is_causal=True)
    with pytest.raises(NotImplementedError, match="enable_gqa"):
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def test_sdpa_dropout_one_zeroes_output() -> None:
    q, k, v = (nt.tensor(a) for a in _qkv())
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert not np.any(out.numpy())
