"""L-BFGS (with an optional strong-Wolfe line search), as ``torch.optim.LBFGS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nettrain.autograd import enable_grad, no_grad
from nettrain.backend import Array, get_array_module
from nettrain.optim._strong_wolfe import strong_wolfe
from nettrain.optim.optimizer import Optimizer, ParamsT
from nettrain.tensor import Tensor

# state entries holding flat vectors (or lists of them), stored as Tensors in the state so
# state_dict has PyTorch's layout; scalars (t, ro, H_diag, al) stay 0-d Tensors likewise
_VECTOR_KEYS = ("d", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps", "ro", "al")


class LBFGS(Optimizer):
    """L-BFGS: quasi-Newton steps from the last ``history_size`` gradient differences.

    Each ``step(closure)`` runs up to ``max_iter`` iterations, re-evaluating the loss
    through ``closure`` (which must zero the gradients, compute the loss, call
    ``backward()`` and return the loss). All parameters form one group and share one
    device; the state lives under the first parameter, as in PyTorch.

    Args:
        params: tensors (one group only).
        lr: learning rate (the step length without a line search).
        max_iter: iterations per ``step``.
        max_eval: function evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this.
        tolerance_change: stop when the loss or the step changes by less than this.
        history_size: number of curvature pairs kept.
        line_search_fn: ``"strong_wolfe"`` or None (fixed step ``lr``).

    Example:
        >>> opt = LBFGS(model.parameters(), line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Only the first group is allowed (PyTorch raises in ``__init__`` likewise)."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]

    # -- flat views ----------------------------------------------------------------

    def _gather_flat_grad(self) -> Array:
        xp = get_array_module(self._params[0]._data)
        views = [
            xp.zeros(p._data.size, dtype=p._data.dtype)
            if p.grad is None
            else p.grad._data.reshape(-1)
            for p in self._params
        ]
        return xp.concatenate(views, 0)

    def _add_grad(self, step_size: Any, update: Array) -> None:
        offset = 0
        for p in self._params:
            numel = p._data.size
            p._data += float(step_size) * update[offset : offset + numel].reshape(p._data.shape)
            p._vc[0] += 1
            offset += numel

    def _clone_param(self) -> list[Array]:
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data: list[Array]) -> None:
        for p, data in zip(self._params, params_data):
            p._data[...] = data
            p._vc[0] += 1

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[Array], t: Any, d: Array
    ) -> tuple[float, Array]:
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- step ----------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss before the first one.

        Raises:
            RuntimeError: no closure was given (L-BFGS must re-evaluate the loss), or
                ``line_search_fn`` is neither None nor ``"strong_wolfe"``.
        """
        if closure is None:
            raise RuntimeError(
                "LBFGS.step needs a closure that zeroes the gradients, computes the loss, "
                "calls backward() and returns the loss: opt.step(closure)"
            )
        with no_grad():
            return self._step(closure)

    def _closure(self, closure: Callable[[], Any]) -> Any:
        with enable_grad():
            return closure()

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn is not None and line_search_fn != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._closure(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        xp = get_array_module(flat_grad)
        if xp.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = _array(state.get("d")), _array(state.get("t"))
        old_dirs = _arrays(state.get("old_dirs"))
        old_stps = _arrays(state.get("old_stps"))
        ro = _arrays(state.get("ro"))
        h_diag = _array(state.get("H_diag"))
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        al = _arrays(state.get("al"))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                # update the curvature pairs, then the two-loop recursion for d = -H g
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += old_dirs[i] * float(-al[i])
                d = r = q * h_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * float(al[i] - be_i)
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x: list[Array], step: Any, direction: Array) -> tuple[float, Array]:
                    return self._directional_evaluate(
                        lambda: self._closure(closure), x, step, direction
                    )

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(self._closure(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _tensor(d)
        state["t"] = _tensor(t)
        state["old_dirs"] = [_tensor(v) for v in old_dirs]
        state["old_stps"] = [_tensor(v) for v in old_stps]
        state["ro"] = [_tensor(v) for v in ro]
        state["H_diag"] = _tensor(h_diag)
        state["prev_flat_grad"] = _tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if al is not None:
            state["al"] = [_tensor(v) for v in al]
        return orig_loss


def _tensor(value: Any) -> Any:
    """Arrays and array scalars become Tensors (PyTorch keeps them as tensors); numbers stay."""
    if value is None or isinstance(value, (int, float)):
        return value
    xp = get_array_module(value)
    return Tensor._make(xp.asarray(value))


def _array(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._data if value._data.ndim else value._data[()]
    return value


def _arrays(values: list[Any] | None) -> list[Any] | None:
    return None if values is None else [_array(v) for v in values]
