"""The backward engine: accumulation, retain_graph, hooks, non-leaf grads, deep graphs,
freeing of saved arrays, version counters, and autograd.grad."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import nettrain as nt
from nettrain.autograd import grad as autograd_grad


def test_gradients_accumulate_over_two_backwards() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]
    assert x.grad is first  # accumulated in place, as PyTorch does


def test_grad_is_not_shared_with_upstream_gradient() -> None:
    x = nt.ones(3, requires_grad=True)
    seed = nt.ones(3)
    (x * 1.0).backward(seed)
    x.grad.add_(1.0)
    assert seed.tolist() == [1.0, 1.0, 1.0]


def test_shared_subexpression_accumulates_within_one_backward() -> None:
    x = nt.tensor(2.0, requires_grad=True)
    y = x * x
    (y + y * y).backward()  # d/dx (x^2 + x^4) = 2x + 4x^3
    assert x.grad.item() == pytest.approx(2 * 2 + 4 * 8)


def test_second_backward_without_retain_graph_raises() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_allows_second_backward() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * once)


def test_saved_arrays_freed_after_backward() -> None:
    x = nt.randn(4, requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    saved = weakref.ref(y._data)  # exp saves its output
    loss = (y * 2.0).sum()
    mul_node = loss.grad_fn.next_functions[0][0]
    del y
    loss.backward()
    assert node._saved is None
    assert mul_node._saved is None
    gc.collect()
    assert saved() is None


def test_retain_graph_keeps_saved_arrays() -> None:
    x = nt.randn(4, requires_grad=True)
    y = x.sin()
    y.sum().backward(retain_graph=True)
    assert y.grad_fn._saved is not None


def test_backward_on_non_scalar_needs_gradient() -> None:
    x = nt.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()


def test_backward_gradient_shape_checked() -> None:
    x = nt.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(nt.ones(3))


def test_backward_on_tensor_without_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        nt.ones(2).sum().backward()


# -- hooks and retain_grad --------------------------------------------------------------


def test_leaf_hook_sees_grad_and_replaces_it() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g: nt.Tensor) -> nt.Tensor:
        seen.append(g.tolist())
        return g * 10

    x.register_hook(hook)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [30.0, 30.0]


def test_non_leaf_hook_changes_what_flows_upstream() -> None:
    torch = pytest.importorskip("torch")
    x, tx = (
        nt.tensor([1.0, -2.0], requires_grad=True),
        torch.tensor([1.0, -2.0], requires_grad=True),
    )
    for leaf in (x, tx):
        y = leaf * leaf
        y.register_hook(lambda g: g + 1.0)
        (y * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_hook_returning_none_keeps_grad_and_removal_works() -> None:
    x = nt.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(g.item()))
    (x * 2).sum().backward()
    handle.remove()
    (x * 2).sum().backward()
    assert calls == [2.0]
    assert x.grad.item() == 4.0


def test_two_hooks_run_in_order() -> None:
    x = nt.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (x * 1.0).sum().backward()
    assert x.grad.item() == 3.0


def test_register_hook_needs_requires_grad() -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        nt.ones(2).register_hook(lambda g: g)


def test_non_leaf_grad_is_none_without_retain_grad() -> None:
    x = nt.ones(2, requires_grad=True)
    y = x * 2
    z = y * 3
    y.retain_grad()
    assert y.retains_grad and not z.retains_grad
    z.sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]
    assert z.grad is None
    assert not y.is_leaf and x.is_leaf


# -- grad_fn graph structure ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (lambda x: x * 2, "MulBackward0"),
        (lambda x: x + 1, "AddBackward0"),
        (lambda x: x.sum(), "SumBackward0"),
        (lambda x: x.exp(), "ExpBackward0"),
        (lambda x: x @ x, "MatMulBackward0"),
    ],
)
def test_grad_fn_names(fn: object, name: str) -> None:
    out = fn(nt.ones(3, requires_grad=True))
    assert out.grad_fn.name() == name
    assert repr(out.grad_fn) == f"<{name}>"


def test_next_functions_point_to_inputs() -> None:
    x = nt.ones(2, requires_grad=True)
    y = x.exp()
    z = y * x
    nodes = [n for n, _ in z.grad_fn.next_functions]
    assert nodes[0] is y.grad_fn
    assert nodes[1] is x  # a leaf stands for its accumulator


# -- deep graphs ------------------------------------------------------------------------


def test_chain_of_100000_nodes() -> None:
    x = nt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


# -- version counters -------------------------------------------------------------------


def test_in_place_change_of_saved_input_raises_naming_op_and_versions() -> None:
    x = nt.ones(3, requires_grad=True)
    y = x * 2
    z = y * y  # saves y at version 0
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="MulBackward0") as info:
        z.sum().backward()
    message = str(info.value)
    assert "version 1" in message and "expected version 0" in message
    assert "inplace operation" in message


def test_in_place_change_of_saved_output_raises() -> None:
    x = nt.ones(3, requires_grad=True)
    y = x.exp()  # saves its output
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="ExpBackward0"):
        y.sum().backward()


def test_in_place_on_unsaved_tensor_is_fine_and_correct() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x + 1  # add saves nothing
        y.mul_(3.0)
        y.sub_(1.0)
        y.div_(2.0)
        y.add_(x, alpha=2.0)
        (y * y).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[0], results[1])


def test_in_place_on_leaf_requiring_grad_raises() -> None:
    x = nt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)
    with nt.no_grad():
        x.add_(1.0)  # what optimizers do
    assert x.tolist() == [2.0, 2.0]


def test_version_counter_bumps() -> None:
    x = nt.zeros(2)
    assert x._version == 0
    x.add_(1)
    x[0] = 3.0
    x.zero_()
    assert x._version == 3


# -- autograd.grad ----------------------------------------------------------------------


def test_grad_returns_without_touching_dot_grad() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd_grad((x * x).sum(), [x])
    assert g.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_grad_of_non_leaf_input() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (g,) = autograd_grad((y * y).sum(), y)
    assert g.tolist() == [6.0, 12.0]


def test_grad_allow_unused() -> None:
    x = nt.ones(2, requires_grad=True)
    unused = nt.ones(2, requires_grad=True)
    loss = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd_grad(loss, [x, unused], retain_graph=True)
    gx, gu = autograd_grad(loss, [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0, 2.0] and gu is None
    gx, gu = autograd_grad(loss, [x, unused], materialize_grads=True)
    assert gu.tolist() == [0.0, 0.0]


def test_grad_with_grad_outputs() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd_grad(x * x, x, grad_outputs=nt.tensor([1.0, -1.0]))
    assert g.tolist() == [2.0, -4.0]


def test_backward_inputs_restricts_accumulation() -> None:
    a = nt.ones(2, requires_grad=True)
    b = nt.ones(2, requires_grad=True)
    (a * b * 3).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None


# -- multi-output nodes -----------------------------------------------------------------


def test_unused_output_of_multi_output_op_gets_zero_gradient() -> None:
    x = nt.tensor([[1.0, 3.0], [4.0, 2.0]], requires_grad=True)
    values, _ = x.max(dim=1)
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    parts = x.split(1, dim=1)
    (parts[1] * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 3.0], [1.0, 2.0]]


def test_detach_cuts_history_and_shares_memory() -> None:
    x = nt.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None
    z = x * 1.0
    d = z.detach()
    d.zero_()
    assert z.tolist() == [0.0, 0.0]


def test_data_is_a_tensor_without_history() -> None:
    x = nt.ones(2, requires_grad=True)
    assert isinstance(x.data, nt.Tensor) and not x.data.requires_grad
    x.data.mul_(3.0)
    assert x.tolist() == [3.0, 3.0]


# -- in-place writes through views ------------------------------------------------------

VIEW_WRITES = {
    "int_index": lambda y, x: y[0].mul_(2),
    "slice": lambda y, x: y[1:].add_(x[1:]),
    "view": lambda y, x: y.view(3).mul_(2),
    "view_of_view": lambda y, x: y[1:][0].mul_(x[0]),
    "setitem_on_view": lambda y, x: y[1:].__setitem__(0, x[2] * 4),
    "fill_view": lambda y, x: y[:2].fill_(3.0),
    "zero_view": lambda y, x: y[2:].zero_(),
    "clamp_view": lambda y, x: y[:2].clamp_(max=0.5),
}


@pytest.mark.parametrize("name", sorted(VIEW_WRITES))
def test_in_place_write_through_view_updates_base_history(name: str) -> None:
    torch = pytest.importorskip("torch")
    grads, values = [], []
    for lib in (nt, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1.0
        VIEW_WRITES[name](y, x)
        values.append(y.detach().numpy().copy())
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(values[0], values[1])
    np.testing.assert_allclose(grads[0], grads[1])


def test_in_place_write_through_transposed_view() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (nt, torch):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 2.0
        y.T[1].mul_(5.0)
        (y * y).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_write_of_graph_value_into_plain_tensor_slice() -> None:
    base = nt.zeros(3)
    w = nt.ones(2, requires_grad=True)
    base[1:] = w * 2
    assert base.requires_grad
    (base * nt.tensor([5.0, 6.0, 7.0])).sum().backward()
    assert w.grad.tolist() == [12.0, 14.0]


# -- found against torch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hook", "match"),
    [
        (lambda g: g.double(), "dtype"),
        (lambda g: g.sum(), "shape"),
        (lambda g: 3.0, "not a Tensor"),
    ],
)
def test_hook_may_not_change_gradient_type(hook: object, match: str) -> None:
    x = nt.ones(2, requires_grad=True)
    x.register_hook(hook)
    with pytest.raises(RuntimeError, match=match):
        (x * 2).sum().backward()


def test_retained_non_leaf_in_inputs_is_stored_once() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        w = y * 2
        w.retain_grad()
        (w * 3).sum().backward(inputs=[y])
        results.append((y.grad.tolist(), w.grad.tolist(), x.grad))
    assert results[0][:2] == results[1][:2]
    assert results[0][2] is None and results[1][2] is None


def test_autograd_grad_fills_retained_grads_like_torch() -> None:
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    nt.autograd.grad((y * 3).sum(), x)
    assert y.grad.tolist() == [3.0, 3.0] and x.grad is None


def test_in_place_on_detached_alias_of_saved_tensor_raises() -> None:
    x = nt.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    y.detach().zero_()  # shares the version counter, as in PyTorch
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_no_grad_in_place_on_saved_leaf_raises_at_backward() -> None:
    x = nt.ones(2, requires_grad=True)
    y = x * x
    with nt.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="version 1; expected version 0"):
        y.sum().backward()


def test_in_place_on_reshape_copy_leaves_base_alone() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nt, torch):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 1
        r = y.T.reshape(-1)  # not contiguous: reshape copies
        r.mul_(2)
        (y.sum() + (r * lib.arange(6.0)).sum()).backward()
        results.append((y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_mode_inside_backward_is_create_graph_like_torch(create_graph: bool) -> None:
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (nt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x

        def hook(grad: object, lib: object = lib) -> None:
            seen[lib.__name__] = lib.is_grad_enabled()

        y.register_hook(hook)
        y.sum().backward(create_graph=create_graph)
        assert lib.is_grad_enabled()  # restored after the run
    assert seen == {"nettrain": create_graph, "torch": create_graph}


def test_plain_backward_after_a_differentiable_one_on_a_retained_graph() -> None:
    # create_graph swaps a node's namespace for Tensors while it runs; a later plain
    # backward through the same (retained) nodes must get arrays again
    x = nt.tensor([1.0, 2.0, 3.0], dtype=nt.float64, requires_grad=True)
    loss = x.sin().sum()  # Sin's backward calls ctx.xp.cos
    (dx,) = autograd_grad(loss, [x], create_graph=True, retain_graph=True)
    assert np.allclose(dx.tolist(), np.cos([1.0, 2.0, 3.0])) and dx.requires_grad
    loss.backward()
    assert type(x.grad._data) is np.ndarray
    assert np.allclose(x.grad.tolist(), np.cos([1.0, 2.0, 3.0]))


def test_next_functions_and_saved_records_follow_the_named_layout() -> None:
    from nettrain.autograd import _apply

    a = nt.ones(2, requires_grad=True)
    b = nt.ones(2)  # no grad: no edge
    c = a * 2.0
    y = c * b
    node = y.grad_fn
    assert node.next_functions == ((c.grad_fn, 0), (None, 0))
    assert len(node._edges) == 2 * _apply.EDGE_WIDTH
    records = list(_apply.fields(node._saved_records, _apply.RECORD_WIDTH))
    assert [(source, index) for _, _, source, index in records] == [
        (_apply.INPUT, 0),
        (_apply.INPUT, 1),
    ]
    assert records[0][0] is c._vc and records[1][0] is b._vc
