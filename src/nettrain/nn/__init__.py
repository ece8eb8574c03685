"""``nettrain.nn``: Parameter, Module, layers, losses, ``functional``, ``init``, ``utils``."""

from nettrain.nn import functional, init, utils
from nettrain.nn.modules import *  # noqa: F403
from nettrain.nn.parameter import Parameter
