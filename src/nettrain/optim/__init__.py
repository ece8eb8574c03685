"""Optimizers and learning-rate schedulers, as ``torch.optim``."""

from nettrain.optim import lr_scheduler
from nettrain.optim.adagrad import Adagrad
from nettrain.optim.adam import Adam
from nettrain.optim.adamw import AdamW
from nettrain.optim.optimizer import Optimizer
from nettrain.optim.rmsprop import RMSprop
from nettrain.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
