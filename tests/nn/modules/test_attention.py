"""nn.MultiheadAttention against PyTorch (same weights), state_dict keys, masks, gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain import nn
from tests.helpers.compare import assert_close
from tests.helpers.torchcheck import copy_weights


def _pair(torch, **kw):
    torch.manual_seed(0)
    t = torch.nn.MultiheadAttention(6, 2, **kw)
    return t, nn.MultiheadAttention(6, 2, **kw)


def _run(torch, dtype, kw, shapes, call_kw, seed=0):
    t_mod, n_mod = _pair(torch, **kw)
    t_mod.to(getattr(torch, dtype))
    n_mod.to(getattr(nt, dtype))
    assert list(t_mod.state_dict()) == list(n_mod.state_dict())
    copy_weights(t_mod, n_mod)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    n_in = [nt.tensor(a, requires_grad=True) for a in arrays]
    t_kw = {k: torch.tensor(v) for k, v in call_kw.items() if isinstance(v, np.ndarray)}
    n_kw = {k: nt.tensor(v) for k, v in call_kw.items() if isinstance(v, np.ndarray)}
    flags = {k: v for k, v in call_kw.items() if not isinstance(v, np.ndarray)}
    t_out, t_w = t_mod(*t_in, **t_kw, **flags)
    n_out, n_w = n_mod(*n_in, **n_kw, **flags)
    assert_close(n_out.detach().numpy(), t_out.detach().numpy(), dtype)
    if t_w is None:
        assert n_w is None
    else:
        assert_close(n_w.detach().numpy(), t_w.detach().numpy(), dtype)
    g = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    (t_out * torch.tensor(g)).sum().backward()
    (n_out * nt.tensor(g)).sum().backward()
    for t, n in zip(t_in, n_in):
        assert_close(n.grad.numpy(), t.grad.numpy(), dtype, grad=True)
    t_params = dict(t_mod.named_parameters())
    for name, p in n_mod.named_parameters():
        assert_close(p.grad.numpy(), t_params[name].grad.numpy(), dtype, grad=True, err_msg=name)


L, S, N = 3, 4, 2


def _bool_attn():
    m = np.random.default_rng(5).random((L, S)) > 0.6
    m[:, 0] = False  # True = masked here; keep one key per query
    return m


def _kpm():
    m = np.zeros((N, S), dtype=bool)
    m[1, 2:] = True
    return m


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "case",
    [
        "plain",
        "batch_first",
        "kdim",
        "nobias",
        "bool_mask",
        "float_mask",
        "kpm",
        "causal",
        "per_head",
        "unbatched",
        "no_avg",
        "no_weights",
        "mask3d",
    ],
)
def test_mha_matches_torch(dtype: str, case: str) -> None:
    torch = pytest.importorskip("torch")
    kw, call = {}, {}
    shapes = [(L, N, 6), (S, N, 6), (S, N, 6)]
    if case == "batch_first":
        kw["batch_first"] = True
        shapes = [(N, L, 6), (N, S, 6), (N, S, 6)]
    if case == "kdim":
        kw.update(kdim=5, vdim=3)
        shapes = [(L, N, 6), (S, N, 5), (S, N, 3)]
    if case == "nobias":
        kw["bias"] = False
    if case == "bool_mask":
        call["attn_mask"] = _bool_attn()
    if case == "float_mask":
        call["attn_mask"] = np.random.default_rng(3).standard_normal((L, S)).astype(dtype)
    if case == "mask3d":
        call["attn_mask"] = np.random.default_rng(3).standard_normal((N * 2, L, S)).astype(dtype)
    if case == "kpm":
        call["key_padding_mask"] = _kpm()
    if case == "causal":
        shapes = [(L, N, 6)] * 3
        call["attn_mask"] = np.triu(np.full((L, L), -np.inf), 1).astype(dtype)
        call["is_causal"] = True
        call["key_padding_mask"] = np.zeros((N, L), dtype=dtype)
    if case == "per_head":
        call["average_attn_weights"] = False
        call["key_padding_mask"] = _kpm()
    if case == "unbatched":
        shapes = [(L, 6), (S, 6), (S, 6)]
        call["key_padding_mask"] = np.array([False, False, True, False])
    if case == "no_avg":
        call["average_attn_weights"] = False
    if case == "no_weights":
        call["need_weights"] = False
    _run(torch, dtype, kw, shapes, call)


@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"bias": False}])
def test_self_attention_packed_projection_matches_torch(kw: dict) -> None:
    """query is key is value: one product with in_proj_weight split by one node (the
    input's gradient sums all three uses), as PyTorch's packed path."""
    torch = pytest.importorskip("torch")
    t_mod, n_mod = _pair(torch, **kw)
    t_mod.double()
    n_mod.double()
    copy_weights(t_mod, n_mod)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, L, 6) if kw.get("batch_first") else (L, N, 6))
    t_x, n_x = torch.tensor(x, requires_grad=True), nt.tensor(x, requires_grad=True)
    t_out, _ = t_mod(t_x, t_x, t_x)
    n_out, _ = n_mod(n_x, n_x, n_x)
    assert n_out.grad_fn is not None
    g = rng.standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(g)).sum().backward()
    (n_out * nt.tensor(g)).sum().backward()
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(n_x.grad.numpy(), t_x.grad.numpy(), atol=1e-12)
    t_params = dict(t_mod.named_parameters())
    for name, p in n_mod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), atol=1e-12)
    m = nn.MultiheadAttention(4, 2).double()
    q = nt.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    assert nt.autograd.gradcheck(lambda a, *p: m(a, a, a)[0], (q, *m.parameters()))


def test_mha_state_dict_round_trip_to_torch() -> None:
    torch = pytest.importorskip("torch")
    n_mod = nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
    t_mod = torch.nn.MultiheadAttention(6, 3, kdim=4, vdim=5)
    state = {k: torch.tensor(v.numpy()) for k, v in n_mod.state_dict().items()}
    t_mod.load_state_dict(state)  # strict: raises on any key or shape mismatch
    assert sorted(state) == sorted(t_mod.state_dict())


def test_mha_init_is_pytorchs() -> None:
    m = nn.MultiheadAttention(8, 2)
    assert not np.any(m.in_proj_bias.detach().numpy())
    assert not np.any(m.out_proj.bias.detach().numpy())
    bound = np.sqrt(6.0 / (8 + 24))  # xavier_uniform on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.all(np.abs(w) <= bound) and np.abs(w).max() > 0.5 * bound


def test_mha_gradcheck() -> None:
    nt.manual_seed(0)
    m = nn.MultiheadAttention(4, 2).double()
    rng = np.random.default_rng(0)
    q, k = (nt.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 1, 4), (3, 1, 4)])
    mask = nt.tensor(np.array([[False, True, False], [False, False, True]]))
    params = list(m.parameters())
    assert nt.autograd.gradcheck(lambda a, b, *p: m(a, b, b, attn_mask=mask)[0], (q, k, *params))


def test_mha_errors() -> None:
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(6, 2, add_bias_kv=True)
    m = nn.MultiheadAttention(6, 2)
    x = nt.randn(3, 2, 6)
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)
