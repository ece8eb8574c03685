"""A minimal reverse-mode engine on numpy: the per-op floor that pure Python allows.

No version counters, hooks, dtype rules, grad modes or broadcasting: a node is a tuple
``(backward, inputs, saved)``. It only serves ``op`` and ``chain`` as a yardstick for
nettrain's engine overhead (the issue's target: features cost at most ~25% over this).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class V:
    """A value with an optional node ``(backward, parents, saved)``."""

    __slots__ = ("data", "node", "grad")

    def __init__(self, data: np.ndarray, node: tuple | None = None) -> None:
        self.data = data
        self.node = node
        self.grad = None

    def __mul__(self, other: V) -> V:
        return V(self.data * other.data, (_mul_back, (self, other), (self.data, other.data)))

    def __add__(self, other: V) -> V:
        return V(self.data + other.data, (_add_back, (self, other), None))

    def sum(self) -> V:
        return V(self.data.sum(), (_sum_back, (self,), self.data.shape))

    def backward(self) -> None:
        order: list[V] = []
        seen: set[int] = set()
        stack = [(self, False)]
        while stack:  # iterative post-order
            v, done = stack.pop()
            if done:
                order.append(v)
                continue
            if id(v) in seen or v.node is None:
                continue
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((p, False) for p in v.node[1])
        grads = {id(self): np.ones((), self.data.dtype)}
        for v in reversed(order):
            g = grads.pop(id(v))
            back, parents, saved = v.node
            for p, pg in zip(parents, back(g, saved)):
                if p.node is None:
                    p.grad = pg if p.grad is None else p.grad + pg
                else:
                    k = id(p)
                    grads[k] = pg if k not in grads else grads[k] + pg
        order.clear()


def _mul_back(g: Any, saved: tuple) -> tuple:
    a, b = saved
    return g * b, g * a


def _add_back(g: Any, saved: None) -> tuple:
    return g, g


def _sum_back(g: Any, shape: tuple) -> tuple:
    return (np.broadcast_to(g, shape),)


def build_op(data: dict) -> Callable[[], Any]:
    a, b = V(data["a"].copy()), V(data["b"].copy())

    def step() -> Any:
        s = (a * b + a).sum()
        s.backward()
        return s

    return step


def build_chain(data: dict) -> Callable[[], Any]:
    a, b = V(data["a"].copy()), V(data["b"].copy())
    pairs = data["pairs"]

    def step() -> Any:
        x = a
        for _ in range(pairs):
            x = x * b
            x = x + a
        s = x.sum()
        s.backward()
        return s

    return step
