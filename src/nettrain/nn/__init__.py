"""``nettrain.nn``: Parameter, Module, layers, losses, ``functional``, ``init``, ``utils``."""

from nettrain.nn import functional, init, modules, utils
from nettrain.nn.modules import *  # noqa: F403
from nettrain.nn.parameter import Parameter

__all__ = [  # the package names plus every layer, loss and container
    "Parameter",
    "functional",
    "init",
    "utils",
    *modules.__all__,
]
