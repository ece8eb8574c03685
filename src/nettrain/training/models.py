"""Model wrappers a config can name that are not plain ``Sequential`` stacks.

PyTorch has no ready-made language model class, so the one nettrain ships is registered
here under its own name; it is built only from PyTorch-named layers, so its ``state_dict``
loads into the same structure written with ``torch.nn``.
"""

from __future__ import annotations

from typing import Any

from nettrain.creation import arange
from nettrain.nn.modules.linear import Linear
from nettrain.nn.modules.module import Module
from nettrain.nn.modules.normalization import LayerNorm
from nettrain.nn.modules.sparse import Embedding
from nettrain.nn.modules.transformer import (
    Transformer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from nettrain.tensor import Tensor
from nettrain.training.registry import MODULES

__all__ = ["TransformerLM"]


class TransformerLM(Module):
    """A GPT-style causal language model: token + learned position embeddings, a pre-norm
    ``TransformerEncoder`` under the causal mask, and a linear head.

    The logits come out as ``(N, V, T)``: the class axis second, which is the layout
    ``CrossEntropyLoss`` takes for a sequence of targets ``(N, T)`` (as in PyTorch).

    Args:
        vocab_size: Number of distinct tokens V.
        block_size: Longest sequence T the position embedding covers.
        d_model: Embedding width.
        nhead: Attention heads.
        num_layers: Encoder layers.
        dim_feedforward: Feed-forward hidden width.
        dropout: Dropout inside the encoder layers.
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 256,
        dropout: float = 0.0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.block_size = block_size
        self.tok_emb = Embedding(vocab_size, d_model, **kw)
        self.pos_emb = Embedding(block_size, d_model, **kw)
        layer = TransformerEncoderLayer(
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            "gelu",
            batch_first=True,
            norm_first=True,
            **kw,
        )
        self.encoder = TransformerEncoder(layer, num_layers, norm=LayerNorm(d_model, **kw))
        self.head = Linear(d_model, vocab_size, **kw)

    def forward(self, idx: Tensor) -> Tensor:
        """Logits ``(N, V, T)`` for token ids ``idx`` of shape ``(N, T)``."""
        t = idx.shape[-1]
        if t > self.block_size:
            raise ValueError(f"sequence length {t} exceeds block_size={self.block_size}")
        pos = arange(t, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        mask = Transformer.generate_square_subsequent_mask(t, device=x.device, dtype=x.dtype)
        x = self.encoder(x, mask=mask, is_causal=True)
        return self.head(x).transpose(1, 2)


MODULES.add(TransformerLM, "TransformerLM")
