"""``scaled_dot_product_attention``: softmax(q kᵀ · scale + mask) v, composed of existing ops.

Heads and batch are leading dimensions of one batched matmul, so no Python loop runs
over batch items or heads; autograd comes from the composed ops.
"""

from __future__ import annotations

import math

from nettrain.creation import ones
from nettrain.errors import ShapeError
from nettrain.nn.functional.dropout import dropout
from nettrain.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


def _causal_mask(rows: int, cols: int, device: object) -> Tensor:
    """Lower-triangular bool mask (True = may attend), aligned at the top-left like PyTorch."""
    row = ones(rows, cols, device=device).cumsum(0)
    col = ones(rows, cols, device=device).cumsum(1)
    return col <= row


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """Attention over the last two dimensions ``(..., L, E)`` x ``(..., S, E)`` -> ``(..., L, Ev)``.

    A bool ``attn_mask`` marks with True the positions that take part; a float mask is
    added to the scores. ``is_causal`` applies a lower-triangular mask (and, as in
    PyTorch, cannot be combined with ``attn_mask``). ``dropout_p`` is applied to the
    attention weights whenever it is nonzero, as PyTorch does (pass 0.0 in eval).
    """
    if enable_gqa:
        raise NotImplementedError(
            "scaled_dot_product_attention(enable_gqa=True) is not supported by nettrain; "
            "repeat key/value heads with repeat_interleave-style reshapes instead"
        )
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ShapeError("scaled_dot_product_attention: query, key and value need >= 2 dims")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            "scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and "
            f"value (..., S, Ev), got {tuple(query.shape)}, {tuple(key.shape)}, "
            f"{tuple(value.shape)}"
        )
    if is_causal and attn_mask is not None:
        raise ValueError(
            "scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both"
        )
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * factor
    if is_causal:
        attn_mask = _causal_mask(query.shape[-2], key.shape[-2], query.device)
    if attn_mask is not None:
        if attn_mask.dtype == "bool" or str(attn_mask.dtype).endswith("bool"):
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights.matmul(value)
