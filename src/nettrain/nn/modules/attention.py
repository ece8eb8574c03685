"""``MultiheadAttention`` with PyTorch's parameters, masks and ``state_dict`` keys.

All heads of all batch items go through one batched matmul (heads are a tensor axis),
so no Python loop runs over heads or batch items.
"""

from __future__ import annotations

import math
from typing import Any

from nettrain.creation import empty
from nettrain.errors import ShapeError
from nettrain.nn import init
from nettrain.nn.functional.dropout import dropout as _dropout
from nettrain.nn.functional.linear import linear
from nettrain.nn.modules.linear import Linear
from nettrain.nn.modules.module import Module
from nettrain.nn.parameter import Parameter
from nettrain.ops.shape import Unbind
from nettrain.tensor import Tensor

__all__ = ["MultiheadAttention"]


def _is_bool(t: Tensor) -> bool:
    return str(t.dtype).endswith("bool")


def _additive(mask: Tensor, like: Tensor) -> Tensor:
    """A float mask to add to the scores; a bool mask's True entries become -inf (masked)."""
    if _is_bool(mask):
        zeros = like.new_zeros(tuple(mask.shape))
        return zeros.masked_fill(mask, float("-inf"))
    return mask.to(like.dtype)


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.); ``batch_first`` and unbatched inputs as in PyTorch.

    Args:
        embed_dim: Model width E (query features); split into ``num_heads`` heads.
        num_heads: Number of heads; must divide ``embed_dim``.
        dropout: Dropout on the attention weights (training only).
        bias: Whether the input/output projections have biases.
        add_bias_kv: Not supported (raises NotImplementedError).
        add_zero_attn: Not supported (raises NotImplementedError).
        kdim: Key features (default ``embed_dim``); separate projections when it differs.
        vdim: Value features (default ``embed_dim``).
        batch_first: Inputs are ``(N, L, E)`` instead of ``(L, N, E)``.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"embed_dim must be divisible by num_heads (got {embed_dim} and {num_heads})"
            )
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(
                "MultiheadAttention(add_bias_kv=True / add_zero_attn=True) is not supported by "
                "nettrain; append a learned or zero key/value position to the inputs instead"
            )
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        self.bias_k = self.bias_v = None
        kw = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **kw)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # PyTorch: xavier-uniform projections, zero biases (out_proj.weight keeps Linear's init).
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, ...]:
        e = self.embed_dim
        b = self.in_proj_bias
        if self._qkv_same_embed_dim and query is key and key is value:
            # Self-attention, as PyTorch: one product with the packed weight, split into
            # q, k, v views by one node whose backward stacks their gradients back.
            packed = linear(query, self.in_proj_weight, b)
            return Unbind.apply(packed.reshape(*packed.shape[:-1], 3, e), -2)
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e : 2 * e], w[2 * e :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend; returns ``(output, weights)`` (weights None unless ``need_weights``).

        ``key_padding_mask`` (N, S) and a bool ``attn_mask`` mark with True the positions
        to *ignore* (PyTorch's convention for this module); float masks are added.
        ``is_causal`` is a hint that ``attn_mask`` is the causal mask, which must be given.
        """
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint (use "
                "nn.Transformer.generate_square_subsequent_mask(L))"
            )
        batched = query.dim() == 3
        if not batched:
            if query.dim() != 2:
                raise ShapeError(
                    f"MultiheadAttention: query should be unbatched 2D or batched 3D, got "
                    f"{query.dim()}D"
                )
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        tgt_len, bsz, _ = query.shape
        if query.shape[2] != self.embed_dim:
            raise ShapeError(
                f"MultiheadAttention: expected query with {self.embed_dim} features, got "
                f"shape {tuple(query.shape)}"
            )
        src_len = key.shape[0]
        heads, hd = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        # (L, N, E) -> (N, H, L, hd): heads become a batch axis of one matmul.
        q = q.reshape(tgt_len, bsz, heads, hd).permute(1, 2, 0, 3)
        k = k.reshape(src_len, bsz, heads, hd).permute(1, 2, 0, 3)
        v = v.reshape(src_len, bsz, heads, hd).permute(1, 2, 0, 3)
        scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        if attn_mask is not None:
            mask = _additive(attn_mask, scores)
            if mask.dim() == 3:  # (N*H, L, S)
                mask = mask.reshape(bsz, heads, tgt_len, src_len)
            scores = scores + mask
        if key_padding_mask is not None:
            pad = _additive(key_padding_mask, scores).reshape(bsz, 1, 1, src_len)
            scores = scores + pad
        weights = scores.softmax(-1)
        if self.training and self.dropout > 0.0:
            weights = _dropout(weights, self.dropout, training=True)
        out = weights.matmul(v).permute(2, 0, 1, 3).reshape(tgt_len, bsz, self.embed_dim)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights
