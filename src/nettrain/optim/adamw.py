"""AdamW: Adam with weight decay applied to the parameters, not the gradient."""

from __future__ import annotations

from nettrain.optim.adam import Adam
from nettrain.optim.optimizer import ParamsT


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW`` (default ``weight_decay=0.01``).

    Each step first shrinks every parameter by ``1 - lr * weight_decay``, then takes the
    Adam step with the undecayed gradient.

    Example:
        >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
