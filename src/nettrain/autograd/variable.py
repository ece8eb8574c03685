"""The legacy ``Variable`` wrapper: since PyTorch 0.4 it simply returns a Tensor."""

from __future__ import annotations

from typing import Any


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        from nettrain.tensor import Tensor

        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)`` -> the tensor itself, flagged as asked.

    Example:
        >>> x = Variable(nettrain.randn(3, 4), requires_grad=True)
        >>> isinstance(x, nettrain.Tensor)
        True
    """

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:
        from nettrain.creation import tensor
        from nettrain.tensor import Tensor

        if not isinstance(data, Tensor):
            data = tensor(data)
        result = Tensor._make(data._data, counter=data._vc)
        if requires_grad:
            result.requires_grad_(True)
        return result
