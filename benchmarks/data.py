"""Seeded weights and data for every workload, as float32 numpy arrays (PyTorch layouts).

Every framework copies these in, so first-step losses agree across frameworks.
Initial weights follow PyTorch's default ranges (uniform within 1/sqrt(fan_in)).
"""

from __future__ import annotations

import numpy as np

CHAIN_PAIRS = 1000  # 2,000 elementwise ops
MLP_SIZES = (784, 512, 512, 10)
LSTM = {"seq": 32, "batch": 32, "input": 128, "hidden": 128, "classes": 10}
TRANSFORMER = {"seq": 64, "batch": 16, "d_model": 128, "heads": 4, "ff": 512, "classes": 10}


def _uniform(rng: np.random.Generator, shape: tuple, fan_in: int) -> np.ndarray:
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def _linear(rng: np.random.Generator, fan_in: int, fan_out: int) -> list[np.ndarray]:
    return [_uniform(rng, (fan_out, fan_in), fan_in), _uniform(rng, (fan_out,), fan_in)]


def mlp_params(rng: np.random.Generator) -> list[np.ndarray]:
    """w1, b1, w2, b2, w3, b3 of the 784-512-512-10 MLP (~670k parameters)."""
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        params += _linear(rng, fan_in, fan_out)
    return params


def lstm_params(rng: np.random.Generator) -> list[np.ndarray]:
    """nn.LSTM(128, 128) (weight_ih, weight_hh, bias_ih, bias_hh; gates i, f, g, o), Linear."""
    i, h = LSTM["input"], LSTM["hidden"]
    shapes = [(4 * h, i), (4 * h, h), (4 * h,), (4 * h,)]
    return [_uniform(rng, s, h) for s in shapes] + _linear(rng, h, LSTM["classes"])


def transformer_params(rng: np.random.Generator) -> list[np.ndarray]:
    """nn.TransformerEncoderLayer(128, 4, 512) in parameters() order, then Linear(128, 10)."""
    d, ff = TRANSFORMER["d_model"], TRANSFORMER["ff"]
    ones, zeros = np.ones(d, np.float32), np.zeros(d, np.float32)
    return [
        _uniform(rng, (3 * d, d), d),  # self_attn.in_proj_weight (q, k, v stacked)
        np.zeros(3 * d, np.float32),  # self_attn.in_proj_bias
        *_linear(rng, d, d),  # self_attn.out_proj
        *_linear(rng, d, ff),  # linear1
        *_linear(rng, ff, d),  # linear2
        ones,  # norm1.weight
        zeros,  # norm1.bias
        ones.copy(),  # norm2.weight
        zeros.copy(),  # norm2.bias
        *_linear(rng, d, TRANSFORMER["classes"]),
    ]


def make(workload: str, batch: int | None = None) -> dict:
    """The inputs of one workload; the same seed every time."""
    rng = np.random.default_rng(1234)
    if workload == "toy":
        return {
            "params": _linear(rng, 4, 2),
            "x": rng.standard_normal((3, 4)).astype(np.float32),
            "y": np.array([1, 0, 1], dtype=np.int64),
            "lr": 0.001,
        }
    if workload in ("op", "chain"):
        return {
            "a": rng.standard_normal((8, 8)).astype(np.float32),
            # |b| < 1 keeps the chain x -> x*b + a bounded
            "b": rng.uniform(0.25, 0.75, size=(8, 8)).astype(np.float32),
            "pairs": CHAIN_PAIRS,
        }
    if workload == "mlp":
        return {
            "params": mlp_params(rng),
            "x": rng.standard_normal((batch, 784)).astype(np.float32),
            "y": rng.integers(0, 10, size=batch).astype(np.int64),
            "lr": 0.01,
            "momentum": 0.9,
        }
    if workload == "cnn":
        params = [
            _uniform(rng, (8, 1, 3, 3), 9),
            _uniform(rng, (8,), 9),
            _uniform(rng, (16, 8, 3, 3), 72),
            _uniform(rng, (16,), 72),
            *_linear(rng, 400, 10),
        ]
        return {
            "params": params,
            "x": rng.standard_normal((batch, 1, 28, 28)).astype(np.float32),
            "y": rng.integers(0, 10, size=batch).astype(np.int64),
            "lr": 0.01,
            "momentum": 0.9,
        }
    if workload == "lstm":
        shape = (LSTM["seq"], LSTM["batch"], LSTM["input"])
        return {
            "params": lstm_params(rng),
            "x": rng.standard_normal(shape).astype(np.float32),
            "y": rng.integers(0, LSTM["classes"], size=LSTM["batch"]).astype(np.int64),
            "lr": 0.01,
            "momentum": 0.9,
        }
    if workload == "transformer":
        shape = (TRANSFORMER["batch"], TRANSFORMER["seq"], TRANSFORMER["d_model"])
        return {
            "params": transformer_params(rng),
            "x": rng.standard_normal(shape).astype(np.float32),
            "y": rng.integers(0, TRANSFORMER["classes"], size=shape[0]).astype(np.int64),
            "lr": 0.01,
            "momentum": 0.9,
            "config": TRANSFORMER,
        }
    if workload == "adam":
        params = mlp_params(rng)
        grads = [rng.standard_normal(p.shape).astype(np.float32) * 0.01 for p in params]
        return {"params": params, "grads": grads, "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
    raise KeyError(workload)


def mlp_flops(batch: int) -> float:
    """Matrix-product FLOPs of one MLP training step (forward, weight and input grads).

    The first layer needs no input gradient, so it has two products; the others three.
    """
    pairs = list(zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
    total = 0.0
    for i, (fan_in, fan_out) in enumerate(pairs):
        products = 2 if i == 0 else 3
        total += products * 2.0 * batch * fan_in * fan_out
    return total
