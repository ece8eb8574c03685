"""Loss ops: fused, numerically stable forward passes with closed-form backward.

Each backward uses only operators and ``ctx.xp`` functions on saved inputs, so it runs
on arrays (fast path) or records a graph for double backward. ``reduction`` is one of
'none', 'mean', 'sum' ('batchmean' for KL divergence); the reduced gradient is spread
back by ``_spread``.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from nettrain.backend import get_array_module
from nettrain.ops import Op

_LOG_FLOOR = -100.0  # PyTorch clamps log() at -100 in binary cross-entropy
_BCE_EPS = 1e-12  # and x(1-x) at 1e-12 in its gradient


def _reduce(xp: Any, loss: Any, reduction: str, count: float) -> Any:
    if reduction == "none":
        return loss
    total = xp.sum(loss)
    return total if reduction == "sum" else total / count


def _spread(grad: Any, reduction: str, count: float) -> Any:
    """Upstream gradient per element: as is ('none', 'sum') or divided by the count."""
    return grad / count if reduction in ("mean", "batchmean") else grad


def _abs(xp: Any, x: Any) -> Any:
    return x * xp.sign(x)


def _log1p(xp: Any, x: Any) -> Any:
    log1p = getattr(xp, "log1p", None)
    return log1p(x) if log1p is not None else xp.log(x + 1)


class MSELoss(Op):
    """d (x - y)^2 = 2 (x - y) g in x, the negative in y."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, reduction: str) -> Any:
        diff = x - y
        ctx.count, ctx.reduction = diff.size, reduction
        ctx.save_for_backward(x, y)
        return _reduce(ctx.xp, diff * diff, reduction, diff.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y = ctx.saved_tensors
        d = _spread(grad, ctx.reduction, ctx.count) * (x - y) * 2.0
        return d, -d, None


class L1Loss(Op):
    """d |x - y| = sign(x - y) g in x, the negative in y."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, reduction: str) -> Any:
        diff = x - y
        ctx.count, ctx.reduction = diff.size, reduction
        ctx.save_for_backward(x, y)
        return _reduce(ctx.xp, ctx.xp.abs(diff), reduction, diff.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        x, y = ctx.saved_tensors
        d = _spread(grad, ctx.reduction, ctx.count) * ctx.xp.sign(x - y)
        return d, -d, None


class HuberLoss(Op):
    """Huber with ``delta``: d = diff where |diff| < delta, else delta*sign(diff).

    ``scale`` divides the loss (1/beta turns Huber(delta=beta) into SmoothL1(beta)).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, reduction: str, delta: float, scale: float) -> Any:
        xp = ctx.xp
        diff = x - y
        size = xp.abs(diff)
        loss = xp.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
        if scale != 1.0:
            loss = loss / scale
        ctx.count, ctx.reduction, ctx.delta, ctx.scale = diff.size, reduction, delta, scale
        ctx.save_for_backward(x, y)
        return _reduce(xp, loss.astype(diff.dtype, copy=False), reduction, diff.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        x, y = ctx.saved_tensors
        diff = x - y
        inside = _abs(xp, diff) < ctx.delta
        slope = xp.where(inside, diff, xp.sign(diff) * ctx.delta)
        d = _spread(grad, ctx.reduction, ctx.count) * slope
        if ctx.scale != 1.0:
            d = d / ctx.scale
        return d, -d, None, None, None


class BinaryCrossEntropy(Op):
    """-w (y log x + (1-y) log(1-x)), logs clamped at -100;
    dx = w (x - y) / max(x (1 - x), 1e-12), dy = w (log(1-x) - log x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, weight: Any, reduction: str) -> Any:
        xp = ctx.xp
        if x.size and bool(((x < 0) | (x > 1)).any()):
            raise RuntimeError("all elements of input should be between 0 and 1")
        quiet = xp.errstate(divide="ignore") if hasattr(xp, "errstate") else nullcontext()
        with quiet:  # log(0) = -inf is expected here: it is clamped to -100 next
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log(1 - x), _LOG_FLOOR)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.count, ctx.reduction = loss.size, reduction
        ctx.save_for_backward(x, y, weight)
        return _reduce(xp, loss.astype(x.dtype, copy=False), reduction, loss.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        x, y, weight = ctx.saved_tensors
        g = _spread(grad, ctx.reduction, ctx.count)
        if weight is not None:
            g = g * weight
        need_x, need_y = ctx.needs_input_grad[:2]
        dx = g * (x - y) / xp.maximum(x * (1 - x), _BCE_EPS) if need_x else None
        dy = None
        if need_y:
            dy = g * (xp.maximum(xp.log(1 - x), _LOG_FLOOR) - xp.maximum(xp.log(x), _LOG_FLOOR))
        return dx, dy, None, None


def _softplus_neg(xp: Any, x: Any) -> Any:
    """log(1 + exp(-x)) = -log sigmoid(x), finite for any x."""
    return _log1p(xp, xp.exp(-_abs(xp, x))) + xp.maximum(-x, 0.0)


def _sigmoid(xp: Any, x: Any) -> Any:
    z = xp.exp(-_abs(xp, x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z))


class BinaryCrossEntropyWithLogits(Op):
    """l = w ((1 - y) x + lw softplus(-x)), lw = 1 + (p - 1) y;
    dx = w (sigmoid(x) lw - p y), dy = w ((p - 1) softplus(-x) - x), dp = w y softplus(-x)."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, weight: Any, pos_weight: Any, reduction: str) -> Any:
        xp = ctx.xp
        soft = _softplus_neg(xp, x)
        log_weight = 1 if pos_weight is None else (pos_weight - 1) * y + 1
        loss = (1 - y) * x + log_weight * soft
        if weight is not None:
            loss = loss * weight
        ctx.count, ctx.reduction = loss.size, reduction
        ctx.save_for_backward(x, y, weight, pos_weight)
        return _reduce(xp, loss.astype(x.dtype, copy=False), reduction, loss.size)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        x, y, weight, pos_weight = ctx.saved_tensors
        need_x, need_y, need_w, need_p = ctx.needs_input_grad[:4]
        g = _spread(grad, ctx.reduction, ctx.count)
        gw = g if weight is None else g * weight
        dx = dy = dw = dp = None
        if need_x:
            if pos_weight is None:
                dx = gw * (_sigmoid(xp, x) - y)
            else:
                dx = gw * (_sigmoid(xp, x) * ((pos_weight - 1) * y + 1) - pos_weight * y)
        if need_y or need_p or need_w:
            soft = _softplus_neg(xp, x)
        if need_y:
            dy = gw * (-x) if pos_weight is None else gw * ((pos_weight - 1) * soft - x)
        if need_p:
            dp = gw * y * soft
        if need_w:
            log_weight = 1 if pos_weight is None else (pos_weight - 1) * y + 1
            dw = g * ((1 - y) * x + log_weight * soft)
        return dx, dy, dw, dp, None


class KLDivLoss(Op):
    """l = y (log y - x) (0 where y = 0), or exp(y) (y - x) with log_target;
    dx = -y (or -exp(y)), dy = log y + 1 - x (or exp(y) (y - x + 1))."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, reduction: str, log_target: bool) -> Any:
        xp = ctx.xp
        if log_target:
            loss = xp.exp(y) * (y - x)
        else:
            safe = xp.where(y > 0, y, 1)
            loss = xp.where(y > 0, y * xp.log(safe), 0) - y * x
        count = x.shape[0] if reduction == "batchmean" and x.ndim else loss.size
        ctx.count, ctx.reduction, ctx.log_target = count, reduction, log_target
        ctx.save_for_backward(x, y)
        return _reduce(xp, loss.astype(x.dtype, copy=False), reduction, count)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        x, y = ctx.saved_tensors
        g = _spread(grad, ctx.reduction, ctx.count)
        need_x, need_y = ctx.needs_input_grad[:2]
        prob = xp.exp(y) if ctx.log_target else y
        dx = -g * prob if need_x else None
        dy = None
        if need_y:
            dy = g * prob * (y - x + 1) if ctx.log_target else g * (xp.log(y) + 1 - x)
        return dx, dy, None, None


def _class_weights(
    xp: Any, target: Any, weight: Any, ignore_index: int, classes: int, dtype: Any
) -> tuple[Any, Any, Any]:
    """(safe target, 0/1 keep mask, per-row weight w[target] * keep) for index targets."""
    keep = target != ignore_index
    safe = xp.where(keep, target, 0)
    if safe.size and (bool((safe < 0).any()) or bool((safe >= classes).any())):
        bad = safe[(safe < 0) | (safe >= classes)].ravel()[0]
        raise IndexError(f"Target {int(bad)} is out of bounds (expected 0 <= target < {classes}).")
    keep = keep.astype(dtype)
    row_weight = keep if weight is None else weight[safe] * keep
    return safe, keep, row_weight


def _row_scale(grad: Any, reduction: str, denominator: Any) -> Any:
    """Upstream gradient as a column ``(M, 1)`` or a scalar."""
    if reduction == "none":
        return grad.reshape(-1, 1)
    return grad / denominator if reduction == "mean" else grad


class NLLLoss(Op):
    """-w[t] x[i, t]; dx = -w[t] g at the target entries, zero elsewhere."""

    @staticmethod
    def forward(
        ctx: Any, x: Any, target: Any, weight: Any, ignore_index: int, reduction: str
    ) -> Any:
        xp = ctx.xp
        if weight is not None:  # class weights follow the logits' dtype
            weight = weight.astype(x.dtype, copy=False)
        rows = xp.arange(x.shape[0])
        safe, _, row_weight = _class_weights(xp, target, weight, ignore_index, x.shape[1], x.dtype)
        loss = -row_weight * x[rows, safe]
        denominator = row_weight.sum()
        coef = xp.zeros(x.shape, dtype=x.dtype)
        coef[rows, safe] = -row_weight
        ctx.coef, ctx.denominator, ctx.reduction = coef, denominator, reduction
        return _reduce(xp, loss, reduction, denominator)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return _row_scale(grad, ctx.reduction, ctx.denominator) * ctx.coef, None, None, None, None


def _log_softmax_rows(xp: Any, x: Any, shift: Any) -> tuple[Any, Any]:
    """(softmax, log_softmax) of rows of ``x``, shifted by the constant row max."""
    z = x - shift
    e = xp.exp(z)
    total = xp.sum(e, axis=1, keepdims=True)
    return e / total, z - xp.log(total)


class CrossEntropy(Op):
    """Fused log-softmax + NLL (+ label smoothing) for class-index targets.

    loss_i = -(1-eps) w[t] logp[t] - eps/C sum_c w_c logp_c;
    dx_i = g_i (p_i a_i - b_i), a_i = sum_c b_ic, b_i = (1-eps) w[t] onehot(t) + eps/C w.
    Backward touches the (M, C) matrix three times: p = e / sum e, p * a, times g.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        target: Any,
        weight: Any,
        ignore_index: int,
        label_smoothing: float,
        reduction: str,
    ) -> Any:
        xp = ctx.xp
        if weight is not None:  # class weights follow the logits' dtype
            weight = weight.astype(x.dtype, copy=False)
        classes = x.shape[1]
        rows = xp.arange(x.shape[0])
        safe, keep, row_weight = _class_weights(xp, target, weight, ignore_index, classes, x.dtype)
        shift = xp.max(x, axis=1, keepdims=True) if x.size else xp.zeros((x.shape[0], 1), x.dtype)
        z = x - shift
        e = xp.exp(z)
        total = xp.sum(e, axis=1, keepdims=True)
        log_total = xp.log(total)
        loss = row_weight * (log_total[:, 0] - z[rows, safe])
        eps = float(label_smoothing)
        smooth_coef = None
        if eps > 0:
            if weight is None:
                smooth_coef = xp.broadcast_to(keep[:, None], x.shape)  # (M, C): rows sum to C
            else:
                smooth_coef = keep[:, None] * weight
            smooth = xp.sum((log_total - z) * smooth_coef, axis=1)
            loss = loss * (1 - eps) + smooth * (eps / classes)
        denominator = row_weight.sum()
        ctx.e, ctx.total, ctx.shift, ctx.rows, ctx.safe = e, total, shift, rows, safe
        ctx.onehot_weight = row_weight * (1 - eps)
        ctx.smooth = None if smooth_coef is None else smooth_coef * (eps / classes)
        ctx.denominator, ctx.reduction = denominator, reduction
        ctx.save_for_backward(x)
        return _reduce(xp, loss, reduction, denominator)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        scale = _row_scale(grad, ctx.reduction, ctx.denominator)
        a = ctx.onehot_weight
        if ctx.smooth is not None:
            a = a + ctx.smooth.sum(axis=1)
        if ctx._graph:  # differentiable: softmax rebuilt from x, dense one-hot part
            (x,) = ctx.saved_tensors
            prob, _ = _log_softmax_rows(xp, x, ctx.shift)
            b = get_array_module(ctx.e).zeros(ctx.e.shape, dtype=ctx.e.dtype)  # a constant
            b[ctx.rows, ctx.safe] = ctx.onehot_weight
            if ctx.smooth is not None:
                b = b + ctx.smooth
            return (prob * a[:, None] - b) * scale, None, None, None, None, None
        dx = ctx.e / ctx.total
        dx *= a[:, None]
        dx[ctx.rows, ctx.safe] -= ctx.onehot_weight
        if ctx.smooth is not None:
            dx -= ctx.smooth
        dx *= scale
        return dx, None, None, None, None, None


class SoftCrossEntropy(Op):
    """Cross-entropy against class probabilities q = (1-eps) t + eps/C:
    loss_i = -sum_c w_c q_ic logp_ic; dx = g (p sum_c w_c q_c - w q), dt = -g (1-eps) w logp."""

    @staticmethod
    def forward(
        ctx: Any, x: Any, target: Any, weight: Any, label_smoothing: float, reduction: str
    ) -> Any:
        xp = ctx.xp
        if weight is not None:  # class weights follow the logits' dtype
            weight = weight.astype(x.dtype, copy=False)
        classes = x.shape[1]
        shift = xp.max(x, axis=1, keepdims=True) if x.size else xp.zeros((x.shape[0], 1), x.dtype)
        prob, logp = _log_softmax_rows(xp, x, shift)
        eps = float(label_smoothing)
        q = target * (1 - eps) + eps / classes if eps > 0 else target
        wq = q if weight is None else q * weight
        loss = -xp.sum(wq * logp, axis=1)
        ctx.shift, ctx.eps, ctx.reduction, ctx.count = shift, eps, reduction, x.shape[0]
        ctx.save_for_backward(x, target, weight)
        return _reduce(xp, loss, reduction, x.shape[0])

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        xp = ctx.xp
        x, target, weight = ctx.saved_tensors
        eps, classes = ctx.eps, x.shape[1]
        prob, logp = _log_softmax_rows(xp, x, ctx.shift)
        scale = _row_scale(grad, ctx.reduction, ctx.count)
        need_x, need_t = ctx.needs_input_grad[:2]
        dx = dt = None
        if need_x:
            q = target * (1 - eps) + eps / classes if eps > 0 else target
            wq = q if weight is None else q * weight
            dx = (prob * xp.sum(wq, axis=1, keepdims=True) - wq) * scale
        if need_t:
            wlogp = logp if weight is None else logp * weight
            dt = wlogp * scale * -(1 - eps)
        return dx, dt, None, None, None
