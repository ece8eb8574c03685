"""nn.Module: attribute routing, registration, iteration, state_dict, modes, conversions,
hooks and repr - checked against PyTorch's behaviour wherever PyTorch is the reference."""

from __future__ import annotations

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.register_buffer("steps", nt.zeros(1))
        self.register_buffer("scratch", nt.zeros(2), persistent=False)

    def forward(self, x: nt.Tensor) -> nt.Tensor:
        return self.fc2(self.act(self.fc1(x)))


# -- __setattr__ routing ---------------------------------------------------------------


def test_setattr_routes_parameters_modules_and_buffers() -> None:
    net = Net()
    assert list(net._parameters) == []
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert list(net._buffers) == ["steps", "scratch"]
    assert net._non_persistent_buffers_set == {"scratch"}
    net.scale = nn.Parameter(nt.ones(2))
    assert net._parameters["scale"] is net.scale
    assert "scale" not in net.__dict__
    new = nt.full((1,), 5.0)
    net.steps = new  # a tensor assigned to a buffer name updates the buffer
    assert net._buffers["steps"] is new
    net.plain = 3
    assert net.__dict__["plain"] == 3


def test_assigning_parameter_before_init_is_an_error() -> None:
    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(nt.ones(1))

    with pytest.raises(
        AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"
    ):
        Early()


def test_assigning_module_before_init_is_an_error() -> None:
    class Early(nn.Module):
        def __init__(self) -> None:
            self.child = nn.ReLU()

    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        Early()


def test_replacing_parameter_with_tensor_names_both_types() -> None:
    layer = nn.Linear(4, 2)
    with pytest.raises(TypeError) as info:
        layer.weight = nt.randn(2, 4)
    assert str(info.value) == (
        "cannot assign 'nettrain.FloatTensor' as parameter 'weight' "
        "(nettrain.nn.Parameter or None expected)"
    )
    layer.weight = None  # None is allowed and keeps the name registered
    assert "weight" in layer._parameters and layer.weight is None


def test_replacing_child_module_with_other_type_is_an_error() -> None:
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'act'"):
        net.act = 3


def test_assigning_non_tensor_to_buffer_is_an_error() -> None:
    net = Net()
    with pytest.raises(TypeError, match="as buffer 'steps'"):
        net.steps = [1.0]


def test_parameter_replaces_plain_attribute_of_same_name() -> None:
    net = Net()
    net.extra = 1
    net.extra = nn.Parameter(nt.ones(1))
    assert "extra" not in net.__dict__ and "extra" in net._parameters


def test_register_parameter_none_records_missing_bias() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer._parameters["bias"] is None
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        (1, None, TypeError, "parameter name should be a string"),
        ("a.b", None, KeyError, "contain"),
        ("", None, KeyError, "be empty"),
        ("fc1", None, KeyError, "attribute 'fc1' already exists"),
        ("w", nt.ones(1), TypeError, "cannot assign 'nettrain.FloatTensor' object to parameter"),
    ],
)
def test_register_parameter_errors(name, value, error, message) -> None:
    with pytest.raises(error, match=message):
        Net().register_parameter(name, value)


def test_register_parameter_rejects_non_leaf() -> None:
    base = nn.Parameter(nt.ones(2))
    derived = nn.Parameter(nt.ones(2))
    derived.grad_fn = (base * 2).grad_fn
    with pytest.raises(ValueError, match="non-leaf"):
        Net().register_parameter("d", derived)


def test_register_buffer_errors() -> None:
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer"):
        Net().register_buffer("b", [1])
    with pytest.raises(KeyError, match="already exists"):
        Net().register_buffer("fc1", None)


def test_add_module_and_register_module() -> None:
    net = Net()
    net.add_module("extra", nn.Tanh())
    net.register_module("more", None)
    assert list(net._modules)[-2:] == ["extra", "more"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("bad", 3)
    with pytest.raises(KeyError, match="contain"):
        net.add_module("a.b", nn.Tanh())


def test_getattr_and_delattr() -> None:
    net = Net()
    assert isinstance(net.fc1, nn.Linear)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        _ = net.missing
    del net.fc2
    del net.steps
    assert "fc2" not in net._modules and "steps" not in net._buffers
    assert not hasattr(net, "fc2")


def test_dir_lists_members() -> None:
    names = dir(Net())
    assert {"fc1", "fc2", "steps", "scratch", "forward"} <= set(names)


# -- iteration ---------------------------------------------------------------------------


def test_named_parameters_prefix_recurse_and_duplicates() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_parameters(prefix="m")] == [
        "m.fc1.weight",
        "m.fc1.bias",
        "m.fc2.weight",
    ]
    assert list(net.named_parameters(recurse=False)) == []
    net.tied = net.fc1  # the same module twice: parameters once unless asked
    assert len(list(net.parameters())) == 3
    names = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "tied.weight", "tied.bias"]


def test_buffers_children_modules() -> None:
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert len(list(net.buffers())) == 2
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert list(net.children()) == [net.fc1, net.act, net.fc2]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(net.modules())) == 4


def test_get_submodule_and_get_parameter() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    assert model.get_submodule("1.1") is model[1][1]
    assert model.get_submodule("") is model
    assert model.get_parameter("1.1.bias") is model[1][1].bias
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("1.nope")


# -- state_dict --------------------------------------------------------------------------


def test_state_dict_keys_values_and_sharing() -> None:
    net = Net()
    state = net.state_dict()
    assert list(state) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight"]  # own first
    assert state["fc1.weight"].requires_grad is False
    state["fc1.weight"][0, 0] = 42.0  # detached but sharing memory, as in PyTorch
    assert net.fc1.weight[0, 0].item() == 42.0
    kept = net.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="p.")) == [f"p.{k}" for k in state]


def test_state_dict_matches_torch_for_same_architecture() -> None:
    torch = pytest.importorskip("torch")

    class TNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 3)
            self.act = torch.nn.ReLU()
            self.fc2 = torch.nn.Linear(3, 2, bias=False)
            self.register_buffer("steps", torch.zeros(1))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

    ours = {k: tuple(v.shape) for k, v in Net().state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in TNet().state_dict().items()}
    assert list(ours.items()) == list(theirs.items())


def test_load_state_dict_round_trip_copies_in_place() -> None:
    source, target = Net(), Net()
    weight = target.fc1.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert target.fc1.weight is weight  # same Parameter object, new values
    np.testing.assert_array_equal(weight.detach().numpy(), source.fc1.weight.detach().numpy())


def test_load_state_dict_strict_collects_every_problem_in_one_error() -> None:
    net = Net()
    state = net.state_dict()
    del state["fc1.bias"]
    state["fc9.weight"] = nt.zeros(1)
    state["fc2.weight"] = nt.zeros(5, 5)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Net:\n\t")
    assert 'Missing key(s) in state_dict: "fc1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "fc9.weight".' in message
    assert (
        "size mismatch for fc2.weight: copying a param with shape (5, 5) from checkpoint, "
        "the shape in current model is (2, 3)."
    ) in message


def test_load_state_dict_message_matches_torch_layout() -> None:
    torch = pytest.importorskip("torch")
    t = torch.nn.Linear(4, 2)
    with pytest.raises(RuntimeError) as theirs:
        t.load_state_dict({"weight": torch.zeros(2, 4), "extra": torch.zeros(1)})
    with pytest.raises(RuntimeError) as ours:
        nn.Linear(4, 2).load_state_dict({"weight": nt.zeros(2, 4), "extra": nt.zeros(1)})
    assert str(ours.value) == str(theirs.value)


def test_load_state_dict_non_strict_returns_keys() -> None:
    net = Net()
    state = net.state_dict()
    del state["steps"]
    state["bogus"] = nt.zeros(1)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["steps"]
    assert result.unexpected_keys == ["bogus"]
    assert result == (["steps"], ["bogus"])


def test_load_state_dict_shape_mismatch_raises_even_non_strict() -> None:
    state = {"weight": nt.zeros(3, 3), "bias": nt.zeros(2)}
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        nn.Linear(4, 2).load_state_dict(state, strict=False)


def test_load_state_dict_assign_takes_the_tensors() -> None:
    net = Net()
    state = {k: v.clone() for k, v in Net().state_dict().items()}
    net.load_state_dict(state, assign=True)
    assert net.fc1.weight._data is state["fc1.weight"]._data
    assert isinstance(net.fc1.weight, nn.Parameter) and net.fc1.weight.requires_grad
    assert net.steps is state["steps"]


def test_custom_load_from_state_dict_has_torch_signature() -> None:
    seen = []

    class Custom(nn.Linear):
        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, *rest):
            seen.append((prefix, local_metadata, strict))
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, *rest)

    model = nn.Sequential(Custom(2, 2))
    model.load_state_dict(model.state_dict())
    assert seen == [("0.", {"assign_to_params_buffers": False}, True)]


def test_load_state_dict_rejects_non_tensor_values() -> None:
    with pytest.raises(RuntimeError, match='parameter named "bias"'):
        nn.Linear(4, 2).load_state_dict({"weight": nt.zeros(2, 4), "bias": [0.0, 0.0]})


# -- modes and conversions -----------------------------------------------------------------


def test_train_eval_propagate() -> None:
    net = Net()
    assert net.training and net.fc1.training
    assert net.eval() is net
    assert not net.training and not net.fc1.training and not net.act.training
    net.train()
    assert net.fc2.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    net = Net()
    net(nt.randn(2, 4)).sum().backward()
    net.zero_grad(set_to_none=set_to_none)
    for p in net.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            assert not np.any(p.grad.numpy())


def test_requires_grad_freezes() -> None:
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.fc1.requires_grad_()
    assert net.fc1.weight.requires_grad and not net.fc2.weight.requires_grad


def test_to_double_keeps_parameter_identity_and_moves_grads() -> None:
    net = Net()
    params = list(net.parameters())  # what an optimizer would hold
    net(nt.randn(2, 4)).sum().backward()
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == nt.float64 and p.grad.dtype == nt.float64 for p in params)
    assert net.steps.dtype == nt.float64
    net.to(nt.float32)
    assert all(p.dtype == nt.float32 for p in params)
    net.to("cpu", dtype=nt.float64).float().cpu()
    assert net.fc1.weight.dtype == nt.float32
    with pytest.raises(TypeError, match="floating point"):
        net.to(nt.int64)


def test_to_leaves_integer_buffers_alone() -> None:
    net = Net()
    net.register_buffer("count", nt.tensor([3]))
    net.double()
    assert net.count.dtype == nt.int64


def test_half_and_type() -> None:
    net = Net().half()
    assert net.fc1.weight.dtype == nt.float16
    net.type(nt.float64)
    assert net.fc1.weight.dtype == nt.float64


def test_apply_visits_children_then_self() -> None:
    seen = []
    net = Net()
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


def test_forward_missing_raises() -> None:
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


# -- hooks ----------------------------------------------------------------------------------


def test_forward_pre_hook_replaces_args_and_is_removable() -> None:
    layer = nn.Linear(2, 2)
    x = nt.randn(3, 2)
    handle = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = layer(x)
    np.testing.assert_allclose(
        out.detach().numpy(), np.broadcast_to(layer.bias.detach().numpy(), (3, 2))
    )
    handle.remove()
    assert not layer._forward_pre_hooks
    assert not np.allclose(layer(x).detach().numpy(), out.detach().numpy())


def test_forward_hook_return_replaces_output_and_order() -> None:
    layer = nn.Linear(2, 2)
    calls = []
    layer.register_forward_hook(lambda m, args, out: calls.append("a"))
    layer.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    h = layer.register_forward_hook(lambda m, args, out: out * 0 + 7)
    out = layer(nt.randn(1, 2))
    assert calls == ["first", "a"]
    assert np.all(out.detach().numpy() == 7)
    h.remove()
    assert not np.all(layer(nt.randn(1, 2)).detach().numpy() == 7)


def test_hooks_with_kwargs() -> None:
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    seen = {}
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs), with_kwargs=True)
    assert m(nt.ones(1)).item() == 3.0
    assert seen == {"factor": 3.0}


def test_handle_works_as_context_manager() -> None:
    layer = nn.Linear(2, 2)
    with layer.register_forward_hook(lambda m, a, o: o * 0):
        assert not layer(nt.ones(1, 2)).detach().numpy().any()
    assert not layer._forward_hooks


def test_full_backward_hook_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3))
    records: dict[str, list] = {"ours": [], "theirs": []}

    def hook_for(key):
        def hook(module, grad_input, grad_output):
            records[key].append(
                [
                    None if g is None else np.array(g.detach().numpy())
                    for g in grad_input + grad_output
                ]
            )

        return hook

    ours.register_full_backward_hook(hook_for("ours"))
    theirs.register_full_backward_hook(hook_for("theirs"))
    (ours(nt.tensor(x, requires_grad=True)) ** 2).sum().backward()
    (theirs(torch.tensor(x, requires_grad=True)) ** 2).sum().backward()
    assert len(records["ours"]) == len(records["theirs"]) == 1
    for a, b in zip(records["ours"][0], records["theirs"][0]):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_full_backward_hook_can_replace_grad_input() -> None:
    layer = nn.Linear(3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
    x = nt.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    expected = 10 * np.broadcast_to(layer.weight.detach().numpy().sum(0), (4, 3))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)


def test_full_backward_pre_hook_replaces_grad_output() -> None:
    layer = nn.Linear(3, 2)
    layer.register_full_backward_pre_hook(lambda m, go: (go[0] * 0,))
    x = nt.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert not x.grad.numpy().any() and not layer.weight.grad.numpy().any()


def test_full_backward_hook_without_input_grad_sees_none() -> None:
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    layer(nt.randn(4, 3)).sum().backward()
    assert seen == [((None,), (4, 2))]
    handle.remove()
    layer(nt.randn(4, 3)).sum().backward()
    assert len(seen) == 1


def test_always_call_forward_hook_runs_on_error() -> None:
    layer = nn.Linear(3, 2)
    seen = []
    layer.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    with pytest.raises(nt.errors.ShapeError):
        layer(nt.randn(2, 5))
    assert seen == [None]


# -- repr -----------------------------------------------------------------------------------


def test_repr_matches_torch_for_nested_model() -> None:
    torch = pytest.importorskip("torch")

    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.body = lib.nn.Sequential(
                    lib.nn.Linear(8, 16), lib.nn.GELU(), lib.nn.Dropout(0.1)
                )
                self.heads = lib.nn.ModuleDict(
                    {"a": lib.nn.Linear(16, 2, bias=False), "b": lib.nn.Softmax(dim=-1)}
                )
                self.layers = lib.nn.ModuleList([lib.nn.Tanh() for _ in range(3)] + [lib.nn.ReLU()])
                self.rnn = lib.nn.LSTM(4, 8, num_layers=2, batch_first=True)
                self.emb = lib.nn.Embedding(10, 4, padding_idx=0)
                self.flat = lib.nn.Flatten()

        return Block()

    assert repr(build(nt)) == repr(build(torch))
    assert repr(nn.Module()) == "Module()"


def test_extra_repr_multiline() -> None:
    class Multi(nn.Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_deepcopy_gives_independent_module() -> None:
    import copy

    net = Net()
    clone = copy.deepcopy(net)
    assert clone.fc1.weight is not net.fc1.weight
    clone.fc1.weight.data.fill_(0.0)
    assert net.fc1.weight.detach().numpy().any()
    assert isinstance(clone.fc1.weight, nn.Parameter)


def test_load_state_dict_keeps_no_reference_to_the_loaded_tensors():
    # a reference cycle would keep a loaded file's buffer (its tensors are views) alive
    import gc
    import weakref

    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = {k: v.detach() * 1 for k, v in model.state_dict().items()}
    probe = weakref.ref(state["1.weight"])
    gc.disable()
    try:
        model.load_state_dict(state)
        del state
        assert probe() is None  # freed by reference counting, no gc pass needed
    finally:
        gc.enable()
