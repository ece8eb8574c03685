"""Optimizers and learning-rate schedulers, as ``torch.optim``."""

from nettrain.optim import lr_scheduler
from nettrain.optim.adadelta import Adadelta
from nettrain.optim.adagrad import Adagrad
from nettrain.optim.adam import Adam
from nettrain.optim.adamax import Adamax
from nettrain.optim.adamw import AdamW
from nettrain.optim.lbfgs import LBFGS
from nettrain.optim.nadam import NAdam
from nettrain.optim.optimizer import Optimizer
from nettrain.optim.radam import RAdam
from nettrain.optim.rmsprop import RMSprop
from nettrain.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
__all__ += ["LBFGS", "Adadelta", "Adamax", "NAdam", "RAdam"]
