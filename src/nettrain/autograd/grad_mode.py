"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each works as a context manager and as a decorator, as in PyTorch. The flag is one
module-level cell that ``Function.apply`` reads on every op, so reading it must be cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

# A one-element list so other modules can read ``_state[0]`` without a function call.
_state = [True]


def is_grad_enabled() -> bool:
    """True when ops record a graph for backward."""
    return _state[0]


class _GradMode:
    """Base for the grad-mode switches: sets the flag on enter, restores it on exit."""

    _target: bool

    def __enter__(self) -> None:
        self._previous = _state[0]
        _state[0] = self._target

    def __exit__(self, *exc: object) -> None:
        _state[0] = self._previous

    def __call__(self, func: _F) -> _F:
        target = self._target

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _state[0]
            _state[0] = target
            try:
                return func(*args, **kwargs)
            finally:
                _state[0] = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - PyTorch's public name
    """Disable graph recording: results have ``requires_grad=False``.

    Example:
        >>> with no_grad():
        ...     y = x * 2
    """

    _target = False


class enable_grad(_GradMode):  # noqa: N801
    """Re-enable graph recording inside a ``no_grad`` region."""

    _target = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """Set recording on or off; takes effect immediately, like PyTorch's function form."""

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._previous = _state[0]
        _state[0] = self._target

    def __enter__(self) -> None:
        pass  # already applied in __init__, as torch.set_grad_enabled(False) does

    def __exit__(self, *exc: object) -> None:
        _state[0] = self._previous

    def __call__(self, func: _F) -> _F:
        _state[0] = self._previous  # used as a decorator: undo the immediate switch
        return super().__call__(func)


# Whether an inference_mode(True) region is active (for is_inference_mode_enabled).
_inference = [False]


class inference_mode(_GradMode):  # noqa: N801
    """``no_grad`` for inference, as ``torch.inference_mode`` (context manager or decorator).

    ``inference_mode(True)`` turns recording off; ``inference_mode(False)`` turns it on,
    as PyTorch's does. Tensors made inside are ordinary tensors (PyTorch's inference
    tensors are an optimisation nettrain does not need). Usable bare: ``@inference_mode``.

    Example:
        >>> with inference_mode():
        ...     y = model(x)
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # the bare decorator form: @inference_mode
            instance = super().__new__(cls)
            instance.__init__(True)
            return instance(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)
        self._target = not self._mode

    def __enter__(self) -> None:
        super().__enter__()
        self._previous_inference = _inference[0]
        _inference[0] = self._mode

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _inference[0] = self._previous_inference

    def __call__(self, func: _F) -> _F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return _inference[0]
