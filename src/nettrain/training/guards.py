"""Guards around the training loop: shape errors that name the module, and Ctrl-C handling.

``ShapeGuard`` records which module is running (forward pre-hooks push, forward hooks pop)
so that an error deep inside an op is reported as
``model.layers.1 (Linear 4->2) got input of shape (3, 5)``. ``InterruptFlag`` turns the
first SIGINT into a flag the loop checks between steps, so the interrupted checkpoint is
always taken at a consistent point; a second Ctrl-C interrupts immediately.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nettrain.errors import NettrainError, ShapeError

_WRAPPED = (ShapeError, ValueError, RuntimeError, IndexError)


class LocatedShapeError(ShapeError):
    """A ShapeError that already names the module path (never wrapped twice)."""


def describe_module(module: Any) -> str:
    """``Linear 4->2``, ``Conv2d 1->8``, ``BatchNorm1d 16``, or just the class name."""
    kind = type(module).__name__
    for source, target in (("in_features", "out_features"), ("in_channels", "out_channels")):
        if hasattr(module, source) and hasattr(module, target):
            return f"{kind} {getattr(module, source)}->{getattr(module, target)}"
    if hasattr(module, "num_features"):
        return f"{kind} {module.num_features}"
    return kind


def _shape_of(args: tuple[Any, ...]) -> tuple[int, ...] | str:
    for arg in args:
        shape = getattr(arg, "shape", None)
        if shape is not None:
            return tuple(int(s) for s in shape)
    return "?"


def _expected_last_dim(module: Any, args: tuple[Any, ...]) -> str | None:
    """A precise reason when the input obviously cannot fit (Linear, ConvNd)."""
    shape = _shape_of(args)
    if not isinstance(shape, tuple) or not shape:
        return None
    kind = type(module).__name__
    if kind == "Linear" and shape[-1] != module.in_features:
        return f"expected the last dimension to be in_features={module.in_features}"
    if kind.startswith("Conv") and hasattr(module, "in_channels"):
        spatial = int(kind[4]) if kind[4:5].isdigit() else None
        if spatial is not None and len(shape) >= spatial + 1:
            channels = shape[-(spatial + 1)]
            if channels != module.in_channels:
                return f"expected {module.in_channels} input channels at dim -{spatial + 1}"
    return None


class ShapeGuard:
    """Names the innermost running module when a forward pass fails.

    Example:
        >>> guard = ShapeGuard(model)
        >>> out = guard.forward(x)        # ShapeError names model.layers.1 on a mismatch
    """

    def __init__(self, model: Any, root: str = "model", runner: Any = None) -> None:
        self.model = model
        # what forward calls: the model, or a wrapper of it (DistributedDataParallel) whose
        # errors are still named after the model's own modules
        self.runner = model if runner is None else runner
        self._stack: list[Any] = []
        self._handles: list[Any] = []
        for name, module in model.named_modules():
            if not getattr(module, "_nettrain_path", None):
                path = f"{root}.{name}" if name else root
                object.__setattr__(module, "_nettrain_path", path)

    def _attach(self) -> None:
        for module in self.model.modules():
            self._handles.append(module.register_forward_pre_hook(self._enter))
            self._handles.append(module.register_forward_hook(self._leave))

    def _enter(self, module: Any, args: tuple[Any, ...]) -> None:
        self._stack.append((module, _shape_of(args)))
        reason = _expected_last_dim(module, args)
        if reason is not None:
            raise LocatedShapeError(self._message(module, _shape_of(args), reason))

    def _leave(self, module: Any, args: tuple[Any, ...], output: Any) -> None:
        if self._stack:
            self._stack.pop()

    @staticmethod
    def _message(module: Any, shape: Any, reason: str) -> str:
        return (
            f"{module._nettrain_path} ({describe_module(module)}) got input of shape {shape}: "
            f"{reason}; check the sizes of the layers before it and the data's feature count"
        )

    def forward(self, *args: Any) -> Any:
        """Call the model; re-raise a failure as ShapeError naming the failing module.

        The model runs without hooks (no per-module cost on every step); only when it
        fails is the same input replayed once with hooks, without gradients, to find the
        module, and that replay's precise error is raised (the run is stopping anyway).
        """
        try:
            return self.runner(*args)
        except LocatedShapeError:
            raise
        except Exception as exc:
            located = self._locate(args)
            if located is not None:
                raise located from exc
            if not isinstance(exc, _WRAPPED):
                raise
            if isinstance(exc, NettrainError) and not isinstance(exc, ShapeError):
                raise
            raise self._wrap(exc) from exc

    def _locate(self, args: tuple[Any, ...]) -> LocatedShapeError | None:
        """Replay the forward with hooks; the replay's LocatedShapeError, if it raises one
        (the stack then names the innermost module that was running)."""
        import nettrain

        self._stack.clear()
        self._attach()
        try:
            with nettrain.no_grad():
                self.model(*args)
        except LocatedShapeError as exc:
            return exc
        except Exception:  # noqa: BLE001 - the original error is reported instead
            return None
        finally:
            self.remove()
        return None

    def _wrap(self, exc: BaseException) -> BaseException:
        if not self._stack:
            return exc
        module, shape = self._stack[-1]
        return LocatedShapeError(self._message(module, shape, str(exc)))

    def remove(self) -> None:
        """Detach every hook."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def loss_call(loss_fn: Any, output: Any, target: Any) -> Any:
    """``loss_fn(output, target)``, with a mismatch reported as shapes of both sides."""
    try:
        return loss_fn(output, target)
    except _WRAPPED as exc:
        if isinstance(exc, NettrainError) and not isinstance(exc, ShapeError):
            raise
        raise LocatedShapeError(
            f"loss ({type(loss_fn).__name__}) got model output of shape "
            f"{tuple(output.shape)} ({output.dtype}) and target of shape {tuple(target.shape)} "
            f"({target.dtype}): {exc}; check the model's last layer against the loss and data"
        ) from exc


class InterruptFlag:
    """Context manager: the first SIGINT sets ``.raised``; a second one raises at once."""

    def __init__(self) -> None:
        self.raised = False
        self._previous: Any = None
        self._installed = False

    def _handle(self, signum: int, frame: Any) -> None:
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True

    def __enter__(self) -> InterruptFlag:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False


@contextmanager
def interrupt_flag() -> Iterator[InterruptFlag]:
    """Functional form of ``InterruptFlag``."""
    with InterruptFlag() as flag:
        yield flag
