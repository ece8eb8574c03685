"""The classic PyTorch 0.x example of SPEC section 1 runs unchanged on nettrain.

The program text below is executed verbatim with ``import nettrain as torch``; the test then
checks what it did: the registered modules and parameters, softmax rows summing to one (with
the legacy implicit-dim warning), the loss, and that SGD moved every parameter by -lr * grad.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

PROGRAM = """
import nettrain as torch
import nettrain.nn as nn
import nettrain.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x):
        x = F.softmax(self.linear(x))
        return x


net = Net()
sgd = torch.optim.SGD(net.parameters(), lr=0.001)
features = torch.autograd.Variable(torch.randn(3, 4), requires_grad=True)
target = torch.autograd.Variable(torch.LongTensor([1, 0, 1]))
sgd.zero_grad(); out = net(features)
loss = F.cross_entropy(out, target); loss.backward(); sgd.step()
"""


def _require_collaborators() -> None:
    import nettrain.nn.functional as F
    import nettrain.optim as optim

    if not hasattr(optim, "SGD"):
        pytest.skip("nettrain.optim.SGD is not available yet")
    if not hasattr(F, "cross_entropy"):
        pytest.skip("nettrain.nn.functional.cross_entropy is not available yet")


@pytest.fixture
def ran() -> dict:
    """The program's namespace after one run."""
    _require_collaborators()
    import nettrain
    import nettrain.nn as nn

    namespace: dict = {"__name__": "classic_example"}
    nettrain.manual_seed(1234)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(PROGRAM, "classic_example.py", "exec"), namespace)
    namespace["_warnings"] = caught
    # The initial weights: same seed, same construction (the program itself stays verbatim).
    nettrain.manual_seed(1234)
    fresh = nn.Linear(4, 2)
    namespace["before"] = {
        "linear.weight": fresh.weight.detach(),
        "linear.bias": fresh.bias.detach(),
    }
    return namespace


def test_modules_and_parameters_are_registered(ran: dict) -> None:
    import nettrain.nn as nn

    net = ran["net"]
    assert list(net._modules) == ["linear"]
    assert isinstance(net._modules["linear"], nn.Linear)
    assert net._parameters == {}
    assert list(net.linear._parameters) == ["weight", "bias"]
    assert all(isinstance(p, nn.Parameter) for p in net.linear._parameters.values())
    assert [n for n, _ in net.named_parameters()] == ["linear.weight", "linear.bias"]
    assert repr(net) == "Net(\n  (linear): Linear(in_features=4, out_features=2, bias=True)\n)"


def test_softmax_rows_sum_to_one_with_implicit_dim_warning(ran: dict) -> None:
    out = ran["out"].detach().numpy()
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(3), rtol=1e-6)
    messages = [str(w.message) for w in ran["_warnings"]]
    assert any("Implicit dimension choice for softmax" in m for m in messages)


def test_sgd_step_is_minus_lr_times_grad(ran: dict) -> None:
    net, before = ran["net"], ran["before"]
    for name, param in net.named_parameters():
        assert param.grad is not None and np.abs(param.grad.numpy()).sum() > 0
        expected = before[name].numpy() - 0.001 * param.grad.numpy()
        np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-6, atol=1e-9)
    assert ran["features"].grad is not None and ran["features"].grad.shape == (3, 4)


def test_loss_and_gradients_match_torch(ran: dict) -> None:
    torch = pytest.importorskip("torch")
    net, before = ran["net"], ran["before"]
    linear = torch.nn.Linear(4, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(before["linear.weight"].numpy()))
        linear.bias.copy_(torch.tensor(before["linear.bias"].numpy()))
    features = torch.tensor(ran["features"].detach().numpy(), requires_grad=True)
    out = torch.nn.functional.softmax(linear(features), dim=1)
    loss = torch.nn.functional.cross_entropy(out, torch.tensor([1, 0, 1]))
    loss.backward()
    assert ran["loss"].item() == pytest.approx(loss.item(), rel=1e-6)
    np.testing.assert_allclose(
        net.linear.weight.grad.numpy(), linear.weight.grad.numpy(), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        ran["features"].grad.numpy(), features.grad.numpy(), rtol=1e-5, atol=1e-7
    )
