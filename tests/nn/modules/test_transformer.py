"""nn.Transformer family against PyTorch (same weights): outputs, grads, masks, keys, gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
from nettrain import nn
from tests.helpers.compare import tolerance
from tests.helpers.torchcheck import copy_weights

D, H, FF = 8, 2, 12
S, T, N = 5, 4, 3


def _modules(torch, name, dtype, **kw):
    torch.manual_seed(0)
    args = (D, H, FF, 0.0)
    if name == "Transformer":
        args = (D, H, 2, 2, FF, 0.0)
    t_mod = getattr(torch.nn, name)(*args, **kw).to(getattr(torch, dtype))
    n_mod = getattr(nn, name)(*args, **kw).to(getattr(nt, dtype))
    assert list(t_mod.state_dict()) == list(n_mod.state_dict())
    copy_weights(t_mod, n_mod)
    return t_mod, n_mod


def _compare(torch, t_mod, n_mod, arrays, dtype, call_kw=None):
    """Forward and backward on both libraries with the same inputs and upstream gradient."""
    rtol, atol = tolerance(dtype, grad=True)
    call_kw = call_kw or {}
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    n_in = [nt.tensor(a, requires_grad=True) for a in arrays]
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_kw.items()}
    n_kw = {k: nt.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_kw.items()}
    t_out = t_mod(*t_in, **t_kw)
    n_out = n_mod(*n_in, **n_kw)
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), atol=atol, rtol=rtol)
    g = np.random.default_rng(9).standard_normal(tuple(t_out.shape)).astype(dtype)
    (t_out * torch.tensor(g)).sum().backward()
    (n_out * nt.tensor(g)).sum().backward()
    for t, n in zip(t_in, n_in):
        np.testing.assert_allclose(n.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol)
    t_params = dict(t_mod.named_parameters())
    for name, p in n_mod.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), atol=atol, rtol=rtol, err_msg=name
        )


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(dtype, norm_first, batch_first, activation) -> None:
    torch = pytest.importorskip("torch")
    kw = {"norm_first": norm_first, "batch_first": batch_first, "activation": activation}
    t_mod, n_mod = _modules(torch, "TransformerEncoderLayer", dtype, **kw)
    shape = (N, S, D) if batch_first else (S, N, D)
    _compare(torch, t_mod, n_mod, [_x(shape, dtype)], dtype)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, batch_first) -> None:
    torch = pytest.importorskip("torch")
    kw = {"norm_first": norm_first, "batch_first": batch_first}
    t_mod, n_mod = _modules(torch, "TransformerDecoderLayer", "float64", **kw)
    tgt, mem = ((N, T, D), (N, S, D)) if batch_first else ((T, N, D), (S, N, D))
    mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=nt.float64).numpy()
    arrays = [_x(tgt, "float64"), _x(mem, "float64", 1)]
    _compare(torch, t_mod, n_mod, arrays, "float64", {"tgt_mask": mask})


def _padding():
    pad = np.zeros((N, S), dtype=bool)
    pad[0, -2:] = True  # True = ignore this key, as in PyTorch
    pad[2, -1] = True
    return pad


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_encoder_stack_with_masks_matches_torch(mode) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True)
    t_mod = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(D)).double()
    n_layer = nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True)
    n_mod = nn.TransformerEncoder(n_layer, 2, norm=nn.LayerNorm(D)).double()
    assert list(t_mod.state_dict()) == list(n_mod.state_dict())
    assert "layers.0.self_attn.in_proj_weight" in n_mod.state_dict()
    copy_weights(t_mod, n_mod)
    getattr(t_mod, mode)()
    getattr(n_mod, mode)()
    mask = torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64).numpy()
    call = {"mask": mask, "src_key_padding_mask": _padding(), "is_causal": True}
    # PyTorch's eval fast path returns padded positions as zeros (nested tensors); compare
    # the train path there, which is the plain math both libraries share.
    if mode == "eval":
        call.pop("src_key_padding_mask")
    _compare(torch, t_mod, n_mod, [_x((N, S, D), "float64")], "float64", call)


def test_causal_flag_builds_the_mask() -> None:
    nt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, H, FF, 0.0).double()
    x = nt.tensor(_x((S, N, D), "float64"))
    mask = nn.Transformer.generate_square_subsequent_mask(S, dtype=nt.float64)
    np.testing.assert_allclose(
        layer(x, is_causal=True).detach().numpy(), layer(x, src_mask=mask).detach().numpy()
    )
    # Causality: changing the last position must not change any earlier output.
    x2 = x.detach().numpy().copy()
    x2[-1] += 1.0
    a = layer(x, is_causal=True).detach().numpy()
    b = layer(nt.tensor(x2), is_causal=True).detach().numpy()
    np.testing.assert_allclose(a[:-1], b[:-1], rtol=1e-12, atol=1e-12)
    assert not np.allclose(a[-1], b[-1])


def test_bool_mask_equals_float_mask() -> None:
    nt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, H, FF, 0.0).double()
    x = nt.tensor(_x((S, N, D), "float64"))
    boolean = nt.tensor(np.triu(np.ones((S, S), dtype=bool), 1))
    floats = nn.Transformer.generate_square_subsequent_mask(S, dtype=nt.float64)
    np.testing.assert_allclose(
        layer(x, src_mask=boolean).detach().numpy(), layer(x, src_mask=floats).detach().numpy()
    )


def test_full_transformer_matches_torch_and_keys() -> None:
    torch = pytest.importorskip("torch")
    t_mod, n_mod = _modules(torch, "Transformer", "float64")
    keys = list(n_mod.state_dict())
    assert "encoder.layers.1.linear1.weight" in keys and "decoder.norm.weight" in keys
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in keys
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=nt.float64).numpy()
    arrays = [_x((S, N, D), "float64"), _x((T, N, D), "float64", 1)]
    call = {"tgt_mask": tgt_mask, "src_key_padding_mask": _padding()}
    _compare(torch, t_mod, n_mod, arrays, "float64", call)


def test_weights_move_both_ways() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    nt.manual_seed(1)
    n_mod = nn.TransformerEncoderLayer(D, H, FF, 0.0)
    t_mod = torch.nn.TransformerEncoderLayer(D, H, FF, 0.0)
    t_mod.load_state_dict({k: torch.tensor(v.numpy()) for k, v in n_mod.state_dict().items()})
    x = _x((S, N, D), "float32")
    np.testing.assert_allclose(
        t_mod(torch.tensor(x)).detach().numpy(),
        n_mod(nt.tensor(x)).detach().numpy(),
        atol=1e-5,
        rtol=1e-4,
    )


def test_square_subsequent_mask_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == nt.float32
    np.testing.assert_array_equal(
        ours.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    )


def test_encoder_layer_gradcheck() -> None:
    nt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, 0.0, norm_first=True).double()
    x = nt.tensor(_x((3, 1, 4), "float64"), requires_grad=True)
    params = list(layer.parameters())
    assert nt.autograd.gradcheck(lambda a, *p: layer(a, is_causal=True), (x, *params))


def test_decoder_layer_gradcheck() -> None:
    nt.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, 6, 0.0, activation="gelu").double()
    x = nt.tensor(_x((2, 1, 4), "float64"), requires_grad=True)
    mem = nt.tensor(_x((3, 1, 4), "float64", 1), requires_grad=True)
    assert nt.autograd.gradcheck(lambda a, m: layer(a, m, tgt_is_causal=True), (x, mem))


def test_callable_activation_and_no_bias() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_mod = torch.nn.TransformerEncoderLayer(
        D, H, FF, 0.0, activation=torch.tanh, bias=False
    ).double()
    n_mod = nn.TransformerEncoderLayer(D, H, FF, 0.0, activation=nt.tanh, bias=False).double()
    assert list(t_mod.state_dict()) == list(n_mod.state_dict())
    copy_weights(t_mod, n_mod)
    _compare(torch, t_mod, n_mod, [_x((S, N, D), "float64")], "float64")


def test_bad_activation_names_the_choices() -> None:
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(D, H, activation="swish")


def test_defaults_match_torch() -> None:
    torch = pytest.importorskip("torch")
    import inspect

    for name in (
        "Transformer",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
        "TransformerEncoder",
        "TransformerDecoder",
    ):
        ours = inspect.signature(getattr(nn, name)).parameters
        theirs = inspect.signature(getattr(torch.nn, name)).parameters
        assert list(ours) == list(theirs), name
        for p in theirs.values():
            if p.name != "activation" and not callable(p.default):
                assert ours[p.name].default == p.default, (name, p.name)


def test_registered_for_configs() -> None:
    from nettrain.training.registry import MODULES

    for name in ("Transformer", "TransformerEncoder", "TransformerEncoderLayer"):
        assert name in MODULES
