"""``Optimizer``: parameter groups, per-parameter state and PyTorch's state_dict format.

Each algorithm subclasses it with validation and state set-up only; the update itself is a
pure function over arrays (``sgd``, ``adam``, ...) that writes in place with ``out=`` ufuncs,
reusing one scratch buffer per optimizer so a step allocates nothing.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from nettrain import backend as _backend
from nettrain.autograd import enable_grad
from nettrain.backend import Array, get_array_module, to_device
from nettrain.tensor import Tensor


class _RequiredParameter:
    """Marks a hyperparameter that every parameter group must give (SGD's ``lr`` in old PyTorch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


def _typename(value: Any) -> str:
    if isinstance(value, Tensor):
        return value.type()
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


class Optimizer:
    """Base class of every optimizer, as ``torch.optim.Optimizer``.

    Args:
        params: an iterable of Tensors, or of dicts defining parameter groups (each dict has
            ``"params"`` plus any hyperparameter overriding ``defaults``).
        defaults: the hyperparameters a group gets when it does not give its own.

    Example:
        >>> opt = nettrain.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch_buffers: dict[Any, Array] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scratch_buffers = {}
        for group in self.param_groups:
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, default)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # -- groups --------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers).

        Raises:
            TypeError: the group is not a dict, its params are a set, or one is not a Tensor.
            ValueError: a parameter is already in another group, is not a leaf, or a required
                hyperparameter is missing.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        named = param_group["params"]
        if named and all(isinstance(p, tuple) and len(p) == 2 for p in named):
            # model.named_parameters(), as newer PyTorch accepts: keep the names in the group
            param_group["param_names"] = [name for name, _ in named]
            param_group["params"] = [p for _, p in named]
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    + name
                )
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- stepping ------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, frees memory) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad._data.fill(0)
                    grad._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss.

        Returns:
            The closure's loss, or None without a closure.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _params_with_grad(self, group: dict[str, Any]) -> tuple[list[Tensor], list[Array]]:
        params = [p for p in group["params"] if p.grad is not None]
        if _backend._cupy is not None:  # only with a GPU in use can state and params part ways
            self._follow_param_devices(params)
        return params, [p.grad._data for p in params]

    def _follow_param_devices(self, params: list[Tensor]) -> None:
        """Move state to its parameter's device, so ``model.to(...)`` after building the
        optimizer keeps working (``step`` counters stay on the CPU, as in PyTorch)."""
        for p in params:
            target = p.device
            for key, value in self.state.get(p, {}).items():
                if key != "step" and isinstance(value, Tensor) and value.device != target:
                    value._data = to_device(value._data, target)

    def _scratch(self, like: Array, slot: int = 0) -> Array:
        """A reusable buffer shaped and typed like ``like`` (contents undefined)."""
        key = (slot, like.dtype, _device_key(like))
        buf = self._scratch_buffers.get(key)
        size = like.size
        if buf is None or buf.size < size:
            buf = get_array_module(like).empty(size, dtype=like.dtype)
            self._scratch_buffers[key] = buf
        return buf[:size].reshape(like.shape)

    def _zeros_state(self, p: Tensor, fill: float = 0.0) -> Tensor:
        data = get_array_module(p._data).full(p._data.shape, fill, dtype=p._data.dtype)
        return Tensor._make(data)

    @staticmethod
    def _step_state() -> Tensor:
        """PyTorch keeps ``step`` as a float32 scalar tensor on the CPU."""
        return Tensor._make(np.zeros((), dtype=np.float32))

    # -- state_dict ----------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered in group order, so the dict does not hold the parameters
        themselves and loads into an optimizer over an equivalent model.
        """
        mapping: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                mapping.setdefault(id(p), len(mapping))
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {
            (mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (values are copied).

        Raises:
            ValueError: the number or sizes of parameter groups differ from this optimizer's.
        """
        if "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                "optimizer state_dict must have 'state' and 'param_groups' keys, got "
                f"{sorted(state_dict)}"
            )
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(groups)})"
            )
        for group, saved in zip(groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group ({len(saved['params'])} vs {len(group['params'])})"
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            index = int(key) if isinstance(key, str) and key.isdigit() else key
            if index in id_map:
                param = id_map[index]
                state[param] = {k: _cast_state(param, k, v) for k, v in value.items()}
            else:
                state[key] = deepcopy(value)
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _device_key(array: Array) -> Any:
    """A hashable key for the device ``array`` lives on.

    ``cupy.cuda.Device`` defines ``==`` but no ``__hash__``, so it cannot key a dict
    itself; its integer ``id`` can. numpy arrays report the string ``"cpu"``.
    """
    dev = getattr(array, "device", None)
    if dev is None or isinstance(dev, str):
        return dev
    return (type(dev).__name__, getattr(dev, "id", str(dev)))


def _cast_state(param: Tensor, key: str, value: Any) -> Any:
    """A private copy of one state value, on the parameter's device and (if float) dtype."""
    if key == "step":
        number = value.item() if isinstance(value, Tensor) else float(value)
        return Tensor._make(np.array(number, dtype=np.float32))
    if not isinstance(value, Tensor):
        return deepcopy(value)
    array = value._data
    if array.dtype.kind == "f":
        array = array.astype(param._data.dtype, copy=True)
    else:
        array = array.copy()
    return Tensor._make(to_device(array, param.device))


def effective_grad(
    xp: Any,
    param: Array,
    grad: Array,
    weight_decay: float,
    maximize: bool,
    out: Array,
    tmp: Array,
) -> Array:
    """``(-grad if maximize else grad) + weight_decay * param``, without touching ``grad``.

    Returns ``grad`` itself when neither option applies, else ``out`` holding the result
    (``tmp`` is clobbered).
    """
    if not maximize and not weight_decay:
        return grad
    if maximize:
        xp.negative(grad, out=out)
    else:
        xp.copyto(out, grad)
    if weight_decay:
        xp.multiply(param, weight_decay, out=tmp)
        out += tmp
    return out


def lerp_(xp: Any, start: Array, end: Array, weight: float, tmp: Array) -> None:
    """``start.lerp_(end, weight)`` with PyTorch's two-branch formula.

    PyTorch rounds a scalar weight to the tensor's compute type (float32 for float16 and
    float32 tensors, float64 for float64 ones), and so does this: rounding it to float32
    for a float64 tensor would make float64 trajectories drift by ~1e-7.
    """
    compute = np.float64 if start.dtype == np.float64 else np.float32
    w = compute(weight)
    xp.subtract(end, start, out=tmp)
    if w < 0.5:
        tmp *= float(w)
        start += tmp
    else:
        tmp *= float(compute(1.0) - w)
        xp.subtract(end, tmp, out=start)


_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_hyperparameters(**values: Any) -> None:
    """PyTorch's constructor checks, in the order given, with its messages: each value must
    be >= 0 (so NaN fails too); ``betas`` each in [0, 1).

    Raises:
        ValueError: the first value out of range, named as PyTorch names it.
    """
    for name, value in values.items():
        if name == "betas":
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        elif not value >= 0.0:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")
