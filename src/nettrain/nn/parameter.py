"""``nn.Parameter``: a leaf Tensor that a Module registers as one of its parameters."""

from __future__ import annotations

from typing import Any

from nettrain.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and that ``Module.__setattr__`` registers.

    It shares memory with the tensor it wraps, as in PyTorch.

    Example:
        >>> w = Parameter(nettrain.randn(2, 3))
        >>> w.requires_grad
        True
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        from nettrain.creation import empty

        if data is None:
            data = empty(0)
        param = object.__new__(cls)
        param._data = data._data
        param._requires_grad = False
        param.grad = None
        param.grad_fn = None
        param._output_nr = 0
        param._vc = data._vc
        param._hooks = None
        if requires_grad:
            param.requires_grad_(True)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # all set up in __new__ (Tensor.__init__ parses legacy constructor forms)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        copy = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        if self.grad is not None:
            copy.grad = Tensor._make(self.grad._data.copy())
        copy.__dict__.update(self.__dict__)
        memo[id(self)] = copy
        return copy
