"""inference_mode: context manager, decorator (called and bare), mode=False, nesting."""

from __future__ import annotations

import nettrain as nt


def test_context_manager_stops_recording_and_restores() -> None:
    x = nt.ones(2, requires_grad=True)
    with nt.inference_mode():
        y = x * 2
        assert nt.is_inference_mode_enabled() and not nt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert nt.is_grad_enabled() and not nt.is_inference_mode_enabled()
    assert (x * 2).requires_grad


def test_decorator_forms() -> None:
    x = nt.ones(2, requires_grad=True)

    @nt.inference_mode()
    def called(t: nt.Tensor) -> nt.Tensor:
        return t * 2

    @nt.inference_mode
    def bare(t: nt.Tensor) -> nt.Tensor:
        return t * 3

    assert not called(x).requires_grad and not bare(x).requires_grad
    assert bare.__name__ == "bare"
    assert nt.is_grad_enabled()


def test_mode_false_enables_recording_as_in_torch() -> None:
    x = nt.ones(2, requires_grad=True)
    with nt.no_grad(), nt.inference_mode(False):
        assert (x * 2).requires_grad
    with nt.inference_mode(), nt.inference_mode(mode=False):
        assert not nt.is_inference_mode_enabled()
    assert not nt.is_inference_mode_enabled()


def test_restores_state_after_an_exception() -> None:
    try:
        with nt.inference_mode():
            raise ValueError("boom")
    except ValueError:
        pass
    assert nt.is_grad_enabled() and not nt.is_inference_mode_enabled()


def test_autograd_namespace_exports_it() -> None:
    assert nt.autograd.inference_mode is nt.inference_mode
    assert not nt.ones(1).is_inference()
