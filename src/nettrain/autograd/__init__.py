"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``, ``Variable``."""

from nettrain.autograd.api import backward, grad
from nettrain.autograd.function import Function, FunctionCtx
from nettrain.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from nettrain.autograd.gradcheck import gradcheck, gradgradcheck
from nettrain.autograd.variable import Variable

__all__ = [
    "Function",
    "FunctionCtx",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_inference_mode_enabled",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
