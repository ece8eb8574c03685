"""Polynomial regression with a single Linear layer and manual SGD.

After pytorch/examples `regression/main.py` (BSD-3-Clause): fit a degree-4 polynomial
with `torch.nn.Linear`, updating parameters by hand through `.data`.
Changes: the target polynomial's coefficients come from a numpy generator instead of
`torch.randn`; the loop runs a fixed number of steps instead of until the loss < 1e-3.
"""

import numpy as np
import torch
import torch.nn.functional as F

POLY_DEGREE = 4


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    w_target = torch.tensor(rng.standard_normal((POLY_DEGREE, 1)).astype(np.float32)) * 5
    b_target = torch.tensor(rng.standard_normal(1).astype(np.float32)) * 5
    batches = []
    for _ in range(40):
        x = make_features(torch.tensor(rng.standard_normal(32).astype(np.float32)))
        y = x.mm(w_target) + b_target.item()
        batches.append((x, y))
    return batches


def build_model():
    return torch.nn.Linear(POLY_DEGREE, 1)


def train(model, batches, steps=40):
    losses = []
    for batch_x, batch_y in batches[:steps]:
        model.zero_grad()
        output = F.smooth_l1_loss(model(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in model.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
    return losses
