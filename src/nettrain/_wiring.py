"""The one place where the Tensor <-> functions import cycle is closed.

``Tensor``'s operators and methods call ``nettrain.functions`` and ``nettrain.creation``,
and those modules build and inspect Tensors, so neither side can import the other at the
top of its file. The autograd core (``autograd/_apply.py``) wraps op outputs in Tensors
but must not import ``nettrain.tensor`` either (tensor imports it). Rather than scatter
bottom-of-file and in-function imports, each of those modules declares a placeholder
(``_F``, ``_creation``, ``_Tensor``) and this module, imported first by
``nettrain/__init__``, binds them once every module exists. Nothing else assigns them.
"""

from nettrain import _tensor_methods, creation, functions, tensor
from nettrain.autograd import _apply

_apply.Tensor = tensor.Tensor
_apply._make = tensor.Tensor._make
tensor._F = functions
tensor._creation = creation
_tensor_methods._F = functions
_tensor_methods._creation = creation
