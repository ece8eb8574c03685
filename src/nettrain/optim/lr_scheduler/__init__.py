"""Learning-rate schedulers, as ``torch.optim.lr_scheduler`` (same formulas, same values).

One module per kind of schedule: ``base`` (``LRScheduler`` and shared helpers), ``decay``
(fixed curves), ``lambda_lr`` (user functions), ``composite`` (schedulers of schedulers),
``cyclic``, ``one_cycle``, ``plateau``. Users import from here, as from PyTorch.
"""

from nettrain.optim.lr_scheduler.base import LRScheduler, _LRScheduler
from nettrain.optim.lr_scheduler.composite import ChainedScheduler, SequentialLR
from nettrain.optim.lr_scheduler.cyclic import CosineAnnealingWarmRestarts, CyclicLR
from nettrain.optim.lr_scheduler.decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from nettrain.optim.lr_scheduler.lambda_lr import LambdaLR, MultiplicativeLR
from nettrain.optim.lr_scheduler.one_cycle import OneCycleLR
from nettrain.optim.lr_scheduler.plateau import ReduceLROnPlateau

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "_LRScheduler",
]
