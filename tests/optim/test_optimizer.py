"""Optimizer base: construction errors, param groups, zero_grad, state_dict round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nettrain as nt
from nettrain.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from tests.helpers.optim_oracle import Pair

torch = pytest.importorskip("torch")

# One configuration per optimizer with every stateful option switched on.
FULL = [
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    (Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    (AdamW, {"lr": 0.05, "amsgrad": True}),
    (RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(FULL)]


def _param() -> nt.Tensor:
    return nt.zeros(2, requires_grad=True)


def test_single_tensor_is_a_type_error_naming_its_type() -> None:
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got nettrain.Float"):
        SGD(_param(), lr=0.1)


def test_empty_parameter_list_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        Adam([])


def test_generator_of_parameters_is_accepted() -> None:
    params = [_param(), _param()]
    opt = SGD((p for p in params), lr=0.1)
    assert opt.param_groups[0]["params"] == params


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([{"params": {1, 2}}], TypeError, "ordered collections"),
        ([1.0], TypeError, "can only optimize Tensors, but one of the params is float"),
    ],
)
def test_bad_params_are_rejected(params: list, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_non_leaf_tensor_is_rejected() -> None:
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([_param() * 2], lr=0.1)


def test_param_groups_fill_defaults_and_keep_their_own_options() -> None:
    a, b = _param(), _param()
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.defaults["lr"] == 0.1


def test_add_param_group_rejects_a_parameter_already_optimized() -> None:
    a = _param()
    opt = Adam([a])
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [a]})
    opt.add_param_group({"params": [_param()], "lr": 0.5})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_duplicate_parameters_within_a_group_warn_as_in_torch() -> None:
    a = _param()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        SGD([a, a], lr=0.1)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    a = _param()
    a.sum().backward()
    grad = a.grad
    SGD([a], lr=0.1).zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert a.grad is None
    else:
        assert a.grad is grad and a.grad.tolist() == [0.0, 0.0]


def test_step_runs_the_closure_and_returns_its_loss() -> None:
    a = nt.ones(2, requires_grad=True)
    opt = SGD([a], lr=0.5)

    def closure() -> nt.Tensor:
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 2.0
    assert a.tolist() == [0.0, 0.0]


def test_param_without_grad_is_skipped() -> None:
    a, b = nt.ones(2, requires_grad=True), nt.ones(2, requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    a.sum().backward()
    opt.step()
    assert b.tolist() == [1.0, 1.0] and b not in opt.state and a in opt.state


@pytest.mark.parametrize(("cls", "kwargs"), FULL, ids=IDS)
def test_param_groups_with_different_lr_match_torch(cls: type, kwargs: dict) -> None:
    pair = Pair(torch, cls, kwargs, group_lrs=[kwargs["lr"], kwargs["lr"] * 0.1])
    pair.run(50)
    pair.assert_close()
    assert [g["lr"] for g in pair.nopt.param_groups] == [g["lr"] for g in pair.topt.param_groups]


@pytest.mark.parametrize(("cls", "kwargs"), FULL, ids=IDS)
def test_state_dict_has_torch_format(cls: type, kwargs: dict) -> None:
    pair = Pair(torch, cls, kwargs, group_lrs=[0.1, 0.01])
    pair.run(3)
    ours, theirs = pair.nopt.state_dict(), pair.topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"])
    for index, state in theirs["state"].items():
        assert list(ours["state"][index]) == list(state)
        for key, value in state.items():
            np.testing.assert_allclose(
                ours["state"][index][key].cpu().numpy(), value.numpy(), rtol=1e-4, atol=1e-6
            )


@pytest.mark.parametrize("through_file", [False, True], ids=["in_memory", "nettrain.save"])
@pytest.mark.parametrize(("cls", "kwargs"), FULL, ids=IDS)
def test_state_dict_round_trip_halfway_continues_identically(
    cls: type, kwargs: dict, through_file: bool, tmp_path: Path
) -> None:
    pair = Pair(torch, cls, kwargs, group_lrs=[kwargs["lr"], kwargs["lr"] * 0.5])
    pair.run(25)
    state = pair.nopt.state_dict()
    if through_file:
        nt.save(state, tmp_path / "opt.safetensors")
        state = nt.load(tmp_path / "opt.safetensors")
    # A fresh optimizer over fresh parameters holding the same values, as after a restart.
    fresh = [nt.tensor(p.detach().numpy().copy(), requires_grad=True) for p in pair.np_]
    restored = cls([{"params": [p], "lr": 123.0} for p in fresh], **{**kwargs, "lr": 123.0})
    restored.load_state_dict(state)
    assert [g["lr"] for g in restored.param_groups] == [g["lr"] for g in pair.nopt.param_groups]
    pair.np_, pair.nopt = fresh, restored
    pair.run(25)
    pair.assert_close()


def test_loaded_state_is_a_copy() -> None:
    a = nt.ones(2, requires_grad=True)
    opt = Adam([a])
    a.sum().backward()
    opt.step()
    state = opt.state_dict()
    other = Adam([nt.ones(2, requires_grad=True)])
    other.load_state_dict(state)
    other.param_groups[0]["params"][0].sum().backward()
    other.step()
    assert state["state"][0]["step"].item() == 1.0
    assert opt.state[a]["exp_avg"].tolist() == state["state"][0]["exp_avg"].tolist()


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([[0], [1]], "different number of parameter groups"),
        ([[0, 1, 2]], "doesn't match the size"),
    ],
)
def test_load_state_dict_mismatch_is_value_error(groups: list, message: str) -> None:
    opt = SGD([_param(), _param()], lr=0.1)
    state = {"state": {}, "param_groups": [{**opt.defaults, "params": g} for g in groups]}
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(state)


def test_repr_lists_groups_like_torch() -> None:
    text = repr(SGD([_param()], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text


def test_base_class_is_exported() -> None:
    assert issubclass(AdamW, Optimizer) and issubclass(AdamW, Adam)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_signature_matches_torch(name: str) -> None:
    import inspect

    from nettrain import optim

    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours) == list(theirs)
    for key, param in theirs.items():
        assert (ours[key].kind, ours[key].default) == (param.kind, param.default), key


def test_named_parameters_are_accepted_and_names_kept() -> None:
    a, b = _param(), _param()
    opt = SGD([("layer.weight", a), ("layer.bias", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]


class _UnhashableDevice:
    """Stands in for ``cupy.cuda.Device``: defines ``==`` (so ``__hash__`` is None), has ``id``."""

    def __init__(self, device_id: int) -> None:
        self.id = device_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _UnhashableDevice) and other.id == self.id


class _ArrayOnUnhashableDevice:
    """The parts of a cupy array that ``Optimizer._scratch`` reads."""

    def __init__(self, shape: tuple[int, ...], device_id: int) -> None:
        self.shape = shape
        self.size = int(np.prod(shape))
        self.dtype = np.dtype(np.float32)
        self.device = _UnhashableDevice(device_id)


def test_scratch_buffers_key_on_a_hashable_device_id() -> None:
    # cupy.cuda.Device has no __hash__: keying the scratch dict on it raised TypeError
    # on every optimizer step on cuda
    with pytest.raises(TypeError):
        hash(_UnhashableDevice(0))
    opt = SGD([nt.zeros(3, requires_grad=True)], lr=0.1)
    first = opt._scratch(_ArrayOnUnhashableDevice((2, 3), 0), 0)
    again = opt._scratch(_ArrayOnUnhashableDevice((3, 2), 0), 0)
    other_device = opt._scratch(_ArrayOnUnhashableDevice((2, 3), 1), 0)
    assert first.shape == (2, 3) and again.shape == (3, 2)
    assert np.shares_memory(first, again)  # one buffer per (slot, dtype, device)
    assert not np.shares_memory(first, other_device)
