"""Sequential, ModuleList and ModuleDict: indexing, mutation, iteration, keys and repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn as nn


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))


def test_sequential_forward_chains_modules() -> None:
    model = _mlp(nt)
    x = nt.randn(5, 4)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).detach().numpy(), expected.detach().numpy())


def test_sequential_indexing_slicing_len_iteration() -> None:
    model = _mlp(nt)
    assert len(model) == 3
    assert isinstance(model[0], nn.Linear) and model[-1] is model[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(IndexError, match="out of range"):
        model[3]


def test_sequential_from_ordered_dict_keeps_names() -> None:
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]


def test_sequential_mutation_matches_torch_numbering() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _mlp(nt), _mlp(torch)
    for m in (ours, theirs):
        m.append(m[1].__class__())
        m.insert(1, m[1].__class__())
        del m[0]
        m[0] = m[-1]
        m.extend(m[:1])
        m.pop(1)
    assert list(ours._modules) == list(theirs._modules)
    assert repr(ours) == repr(theirs)
    summed = ours + nn.Sequential(nn.Tanh())
    assert len(summed) == len(ours) + 1
    with pytest.raises(ValueError, match="Sequential"):
        ours + [nn.Tanh()]


def test_module_list_operations() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == [
        "Sigmoid",
        "Linear",
        "Linear",
        "Linear",
        "ReLU",
        "Tanh",
    ]
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers += [nn.Identity()]
    assert isinstance(layers[-1], nn.Identity)
    assert isinstance(layers.pop(-1), nn.Identity)
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(3)
    with pytest.raises(NotImplementedError):
        layers(nt.ones(1))


def test_module_list_repr_compresses_repeats_like_torch() -> None:
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.ModuleList(
            [lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.ReLU(), lib.nn.Linear(2, 2)]
        )

    assert repr(build(nt)) == repr(build(torch))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_dict_operations() -> None:
    heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
    assert list(heads.keys()) == ["cls", "box"] and list(heads) == ["cls", "box"]
    assert "cls" in heads and len(heads) == 2
    heads["extra"] = nn.ReLU()
    heads.update([("more", nn.Tanh())])
    assert [k for k, _ in heads.items()] == ["cls", "box", "extra", "more"]
    assert isinstance(heads.pop("extra"), nn.ReLU)
    del heads["more"]
    assert list(heads.state_dict()) == ["cls.weight", "cls.bias", "box.weight", "box.bias"]
    assert len(list(heads.values())) == 2
    heads.clear()
    assert len(heads) == 0
    with pytest.raises(ValueError, match="element #0"):
        heads.update([3])


def test_state_dict_keys_order_shapes_match_torch() -> None:
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(
            lib.nn.Embedding(20, 6, padding_idx=0),
            lib.nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True),
            lib.nn.Linear(10, 3),
            lib.nn.ModuleList([lib.nn.Linear(3, 3), lib.nn.Bilinear(3, 3, 2)]),
            lib.nn.ModuleDict({"out": lib.nn.Linear(2, 1, bias=False)}),
        )

    ours = [(k, tuple(v.shape)) for k, v in build(nt).state_dict().items()]
    theirs = [(k, tuple(v.shape)) for k, v in build(torch).state_dict().items()]
    assert ours == theirs
    names = [n for n, _ in build(nt).named_parameters()]
    assert names == [n for n, _ in build(torch).named_parameters()]
