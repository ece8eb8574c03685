"""no_grad / enable_grad / set_grad_enabled as context managers and decorators."""

from __future__ import annotations

import pytest

import nettrain as nt


def test_no_grad_context() -> None:
    x = nt.ones(2, requires_grad=True)
    with nt.no_grad():
        y = x * 2
        assert not nt.is_grad_enabled()
    assert nt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_and_restores_on_exception() -> None:
    x = nt.ones(2, requires_grad=True)

    @nt.no_grad()
    def double(t: nt.Tensor) -> nt.Tensor:
        return t * 2

    @nt.no_grad()
    def boom() -> None:
        raise ValueError("boom")

    assert not double(x).requires_grad
    with pytest.raises(ValueError):
        boom()
    assert nt.is_grad_enabled()


def test_enable_grad_inside_no_grad() -> None:
    x = nt.ones(2, requires_grad=True)
    with nt.no_grad():
        with nt.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad

    @nt.enable_grad()
    def f(t: nt.Tensor) -> nt.Tensor:
        return t * 2

    with nt.no_grad():
        assert f(x).requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_context(mode: bool) -> None:
    x = nt.ones(2, requires_grad=True)
    with nt.set_grad_enabled(mode):
        y = x * 2
        assert nt.is_grad_enabled() is mode
    assert y.requires_grad is mode
    assert nt.is_grad_enabled()


def test_set_grad_enabled_as_function_and_decorator() -> None:
    x = nt.ones(2, requires_grad=True)
    nt.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        nt.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @nt.set_grad_enabled(False)
    def f(t: nt.Tensor) -> nt.Tensor:
        return t * 2

    assert nt.is_grad_enabled()  # decorating must not switch the mode
    assert not f(x).requires_grad
    assert nt.is_grad_enabled()


def test_autograd_namespace_exports() -> None:
    assert nt.autograd.no_grad is nt.no_grad
    assert nt.autograd.set_grad_enabled is nt.set_grad_enabled
    assert nt.autograd.is_grad_enabled() is True
