"""LSTM against PyTorch: outputs, (h_n, c_n) and every gradient, for each option."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn
from tests.helpers.torchcheck import compare, copy_weights, gradcheck_module

OPTIONS = [
    {},
    {"batch_first": True},
    {"num_layers": 2},
    {"bias": False},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"num_layers": 3, "dropout": 0.5},  # eval mode below: dropout is inactive
]
IDS = ["default", "batch_first", "two_layers", "no_bias", "bidirectional", "all", "dropout"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
def test_lstm_matches_torch(options: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 5, 4))
    ours, theirs = nn.LSTM(4, 6, **options).eval(), torch.nn.LSTM(4, 6, **options).eval()
    compare(ours, theirs, [x], dtype)


@pytest.mark.parametrize("options", OPTIONS[:3] + OPTIONS[5:6], ids=IDS[:3] + IDS[5:6])
def test_lstm_with_initial_state_matches_torch(options: dict) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    x = rng.standard_normal((4, 3, 2))
    h0, c0 = rng.standard_normal((layers, 4 if options.get("batch_first") else 3, 5)), None
    c0 = rng.standard_normal(h0.shape)

    class Wrap:  # pass (h0, c0) as one argument while comparing gradients of all three
        def __init__(self, module):
            self.module = module

        def __call__(self, x, h, c):
            return self.module(x, (h, c))

    ours, theirs = nn.LSTM(2, 5, **options), torch.nn.LSTM(2, 5, **options)
    ours.double()
    theirs.double()
    copy_weights(theirs, ours)
    t_in = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    n_in = [nt.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    t_out, (t_h, t_c) = Wrap(theirs)(*t_in)
    n_out, (n_h, n_c) = Wrap(ours)(*n_in)
    for a, b in [(n_out, t_out), (n_h, t_h), (n_c, t_c)]:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)
    (t_out.sum() + t_h.pow(2).sum() + t_c.sin().sum()).backward()
    (n_out.sum() + n_h.pow(2).sum() + n_c.sin().sum()).backward()
    for a, b in zip(n_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)


def test_unbatched_input_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((5, 3))
    compare(nn.LSTM(3, 4, num_layers=2), torch.nn.LSTM(3, 4, num_layers=2), [x])


def test_dropout_between_layers_in_training() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = nt.randn(6, 2, 3)
    nt.manual_seed(0)
    a, _ = lstm(x)
    nt.manual_seed(1)
    b, _ = lstm(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].detach().numpy(), lstm(x)[0].detach().numpy())


@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "num_layers": 2}])
def test_gradcheck(options: dict) -> None:
    lstm = nn.LSTM(2, 3, **options)
    x = nt.randn(3, 2, 2, dtype=nt.float64, requires_grad=True)
    gradcheck_module(lstm, [x])


def test_parameter_names_shapes_and_repr_match_torch() -> None:
    torch = pytest.importorskip("torch")
    args = {
        "num_layers": 2,
        "bidirectional": True,
        "batch_first": True,
        "dropout": 0.2,
        "bias": False,
    }
    ours, theirs = nn.LSTM(3, 4, **args), torch.nn.LSTM(3, 4, **args)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    assert repr(nn.LSTM(3, 4)) == repr(torch.nn.LSTM(3, 4))
    assert len(ours.all_weights) == 4 and len(ours.all_weights[0]) == 2


def test_default_init_bounds() -> None:
    lstm = nn.LSTM(3, 16)
    bound = 1 / 4
    for p in lstm.parameters():
        assert np.abs(p.detach().numpy()).max() <= bound


def test_one_node_per_direction() -> None:
    """The whole sequence is one LSTMSequence node fed by the input projection."""
    out, (h, c) = nn.LSTM(2, 3, bidirectional=True)(nt.randn(4, 1, 2))
    assert out.grad_fn.name() == "CatBackward0"
    directions = [fn for fn, _ in out.grad_fn.next_functions if fn is not None]
    assert [fn.name() for fn in directions] == ["LSTMSequenceBackward0"] * 2
    assert h.grad_fn.name() == c.grad_fn.name() == "StackBackward0"


@pytest.mark.parametrize("options", [{}, {"bidirectional": True}], ids=["forward", "both"])
def test_single_step_sequence_matches_torch(options: dict) -> None:
    """Length 1: the weight gradient comes from the initial state alone."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((1, 3, 4))
    compare(nn.LSTM(4, 6, **options), torch.nn.LSTM(4, 6, **options), [x])


def test_in_place_change_of_the_output_is_detected() -> None:
    """The output buffer is also saved for the weight gradient: editing it must raise."""
    out, _ = nn.LSTM(2, 3)(nt.randn(4, 1, 2))
    loss = out.sum()
    out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_shape_errors() -> None:
    lstm = nn.LSTM(3, 4)
    with pytest.raises(nt.errors.ShapeError, match=r"LSTM\(3, 4\) got input of shape \(2, 5\)"):
        lstm(nt.randn(2, 5))
    with pytest.raises(nt.errors.ShapeError, match="expected h_0 of shape"):
        lstm(nt.randn(2, 1, 3), (nt.zeros(1, 2, 4), nt.zeros(1, 1, 4)))
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=2.0)


def test_lstm_on_device(device: str) -> None:
    lstm = nn.LSTM(2, 3, batch_first=True).to(device)
    out, (h, c) = lstm(nt.randn(2, 4, 2, device=device))
    out.sum().backward()
    assert out.device == h.device == lstm.weight_hh_l0.grad.device


# -- GRU ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
def test_gru_matches_torch(options: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 5, 4))
    compare(nn.GRU(4, 6, **options).eval(), torch.nn.GRU(4, 6, **options).eval(), [x], dtype)


@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}])
def test_gru_with_initial_state_matches_torch(options: dict) -> None:
    torch = pytest.importorskip("torch")
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    rng = np.random.default_rng(4)
    x, h0 = rng.standard_normal((4, 3, 2)), rng.standard_normal((layers, 3, 5))
    compare(nn.GRU(2, 5, **options), torch.nn.GRU(2, 5, **options), [x, h0])


def test_gru_unbatched_and_gradcheck() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((5, 3))
    compare(nn.GRU(3, 4, bias=False), torch.nn.GRU(3, 4, bias=False), [x])
    gru = nn.GRU(2, 3, bidirectional=True)
    gradcheck_module(gru, [nt.randn(3, 2, 2, dtype=nt.float64, requires_grad=True)])


def test_gru_names_repr_and_errors() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = (
        nn.GRU(3, 4, num_layers=2, batch_first=True),
        torch.nn.GRU(3, 4, num_layers=2, batch_first=True),
    )
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    with pytest.raises(TypeError, match="GRU expects hx as a Tensor"):
        ours(nt.randn(2, 3, 3), (nt.zeros(2, 2, 4), nt.zeros(2, 2, 4)))


# -- RNN (Elman) ----------------------------------------------------------------------------

RNN_OPTIONS = [*OPTIONS, {"nonlinearity": "relu"}, {"nonlinearity": "relu", "num_layers": 2}]
RNN_IDS = [*IDS, "relu", "relu_two_layers"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", RNN_OPTIONS, ids=RNN_IDS)
def test_rnn_matches_torch(options: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 5, 4))
    compare(nn.RNN(4, 6, **options).eval(), torch.nn.RNN(4, 6, **options).eval(), [x], dtype)


@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}])
def test_rnn_with_initial_state_and_unbatched_match_torch(options: dict) -> None:
    torch = pytest.importorskip("torch")
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    rng = np.random.default_rng(6)
    x, h0 = rng.standard_normal((4, 3, 2)), rng.standard_normal((layers, 3, 5))
    compare(nn.RNN(2, 5, **options), torch.nn.RNN(2, 5, **options), [x, h0])
    x1, h1 = rng.standard_normal((4, 2)), rng.standard_normal((layers, 5))
    compare(nn.RNN(2, 5, **options), torch.nn.RNN(2, 5, **options), [x1, h1])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gradcheck(nonlinearity: str) -> None:
    rnn = nn.RNN(2, 3, num_layers=2, nonlinearity=nonlinearity, bidirectional=True)
    # a positive offset keeps relu pre-activations away from the kink at 0
    x = nt.tensor(np.random.default_rng(7).uniform(0.5, 1.5, (3, 2, 2)), requires_grad=True)
    gradcheck_module(rnn, [x])


def test_rnn_positional_signature_names_repr_and_errors() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.RNN(3, 4, 2, "relu", False, True, 0.0, True)
    theirs = torch.nn.RNN(3, 4, 2, "relu", False, True, 0.0, True)
    assert ours.nonlinearity == theirs.nonlinearity == "relu"
    assert ours.batch_first and ours.bidirectional and not ours.bias
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="RNN expects hx as a Tensor"):
        nn.RNN(3, 4)(nt.randn(2, 1, 3), (nt.zeros(1, 1, 4),))
    with pytest.raises(nt.errors.ShapeError, match="expected h_0 of shape \\(1, 1, 4\\)"):
        nn.RNN(3, 4)(nt.randn(2, 1, 3), nt.zeros(1, 2, 4))
    out, _ = nn.RNN(2, 3)(nt.randn(4, 1, 2))
    steps = [fn for fn, _ in out.grad_fn.next_functions if fn is not None]
    assert [fn.name() for fn in steps] == ["RNNStepBackward0"] * 4
