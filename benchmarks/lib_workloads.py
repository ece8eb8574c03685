"""The benchmark workloads written once against the PyTorch API.

The same functions build the nettrain and the PyTorch version: ``lib`` is either
``nettrain`` or ``torch``. Weights and data come from ``data.py`` as numpy arrays
and are copied in, so every framework starts from identical values.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Skip(Exception):
    """A workload that this framework cannot run yet (the message says why)."""


def load(name: str) -> Any:
    """The framework module and its nn, nn.functional and optim submodules."""
    lib = importlib.import_module(name)
    nn = importlib.import_module(f"{name}.nn")
    functional = importlib.import_module(f"{name}.nn.functional")
    optim = importlib.import_module(f"{name}.optim")
    return lib, nn, functional, optim


def _require(module: Any, *names: str) -> None:
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        raise Skip(f"{module.__name__} lacks {', '.join(missing)}")


def _tensor(lib: Any, array: Any, requires_grad: bool = False) -> Any:
    t = lib.from_numpy(array.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def _copy_params(lib: Any, module: Any, arrays: list) -> None:
    params = list(module.parameters())
    if len(params) != len(arrays):
        raise Skip(f"expected {len(arrays)} parameters, the model has {len(params)}")
    for p, a in zip(params, arrays):
        if tuple(p.shape) != a.shape:  # a layout mismatch would compare different models
            raise Skip(f"parameter of shape {tuple(p.shape)} where the data has {a.shape}")
    with lib.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(lib.from_numpy(a))


def _sgd_step(net: Any, F: Any, optim: Any, x: Any, y: Any, data: dict) -> Callable[[], Any]:
    """zero_grad, cross-entropy of net(x) against y, backward, SGD step (momentum if given)."""
    opt = optim.SGD(net.parameters(), lr=data["lr"], momentum=data.get("momentum", 0))

    def step() -> Any:
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def build_toy(name: str, data: dict) -> Callable[[], Any]:
    """SPEC 1: Linear(4,2), softmax, cross-entropy, SGD(lr=0.001)."""
    lib, nn, F, optim = load(name)
    _require(nn, "Linear", "Module")
    _require(F, "softmax", "cross_entropy")
    _require(optim, "SGD")

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, x: Any) -> Any:
            return F.softmax(self.linear(x), dim=1)

    net = Net()
    _copy_params(lib, net, data["params"])
    return _sgd_step(net, F, optim, _tensor(lib, data["x"]), _tensor(lib, data["y"]), data)


def build_op(name: str, data: dict) -> Callable[[], Any]:
    """(a*b + a).sum().backward() on 8x8 tensors."""
    lib, *_ = load(name)
    a = _tensor(lib, data["a"], True)
    b = _tensor(lib, data["b"], True)

    def step() -> Any:
        s = (a * b + a).sum()
        s.backward()
        return s

    return step


def build_chain(name: str, data: dict) -> Callable[[], Any]:
    """2 x pairs elementwise ops (x*b, x+a) then sum().backward()."""
    lib, *_ = load(name)
    a = _tensor(lib, data["a"], True)
    b = _tensor(lib, data["b"], True)
    pairs = data["pairs"]

    def step() -> Any:
        x = a
        for _ in range(pairs):
            x = x * b
            x = x + a
        s = x.sum()
        s.backward()
        return s

    return step


def build_mlp(name: str, data: dict) -> Callable[[], Any]:
    """784-512-512-10 ReLU MLP, cross-entropy, SGD(momentum=0.9)."""
    lib, nn, F, optim = load(name)
    _require(nn, "Linear", "ReLU", "Sequential")
    _require(F, "cross_entropy")
    _require(optim, "SGD")
    net = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )
    _copy_params(lib, net, data["params"])
    return _sgd_step(net, F, optim, _tensor(lib, data["x"]), _tensor(lib, data["y"]), data)


def build_cnn(name: str, data: dict) -> Callable[[], Any]:
    """LeNet-style: conv 1->8, relu, pool, conv 8->16, relu, pool, flatten, Linear(400,10)."""
    lib, nn, F, optim = load(name)
    _require(nn, "Conv2d", "MaxPool2d", "Linear", "ReLU", "Flatten", "Sequential")
    _require(F, "cross_entropy")
    _require(optim, "SGD")
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 10),
    )
    _copy_params(lib, net, data["params"])
    return _sgd_step(net, F, optim, _tensor(lib, data["x"]), _tensor(lib, data["y"]), data)


def build_lstm(name: str, data: dict) -> Callable[[], Any]:
    """nn.LSTM(128, 128) over 32 steps of a batch of 32, Linear on the last output, SGD."""
    lib, nn, F, optim = load(name)
    _require(nn, "LSTM", "Linear", "Module")

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(128, 128)
            self.head = nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            out, _ = self.lstm(x)
            return self.head(out[-1])

    net = Net()
    _copy_params(lib, net, data["params"])
    return _sgd_step(net, F, optim, _tensor(lib, data["x"]), _tensor(lib, data["y"]), data)


def build_transformer(name: str, data: dict) -> Callable[[], Any]:
    """One TransformerEncoderLayer (d 128, 4 heads, ff 512, no dropout), mean over the
    sequence, Linear to 10 classes, SGD."""
    lib, nn, F, optim = load(name)
    _require(nn, "TransformerEncoderLayer", "Linear", "Module")
    cfg = data["config"]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = nn.TransformerEncoderLayer(
                cfg["d_model"], cfg["heads"], cfg["ff"], dropout=0.0, batch_first=True
            )
            self.head = nn.Linear(cfg["d_model"], cfg["classes"])

        def forward(self, x: Any) -> Any:
            return self.head(self.block(x).mean(dim=1))

    net = Net()
    _copy_params(lib, net, data["params"])
    return _sgd_step(net, F, optim, _tensor(lib, data["x"]), _tensor(lib, data["y"]), data)


def build_adam(name: str, data: dict) -> Callable[[], Any]:
    """One Adam step over the MLP's parameters with fixed gradients."""
    lib, nn, F, optim = load(name)
    _require(optim, "Adam")
    params = [_tensor(lib, p, True) for p in data["params"]]
    for p, g in zip(params, data["grads"]):
        p.grad = lib.from_numpy(g.copy())
    beta1, beta2 = data["betas"]
    opt = optim.Adam(params, lr=data["lr"], betas=(beta1, beta2), eps=data["eps"])
    first = params[0]

    def step() -> Any:
        opt.step()
        return first  # the harness prints its first element as the check value

    return step


BUILDERS = {
    "toy": build_toy,
    "op": build_op,
    "chain": build_chain,
    "mlp": build_mlp,
    "cnn": build_cnn,
    "adam": build_adam,
    "lstm": build_lstm,
    "transformer": build_transformer,
}
