"""The PyTorch quickstart tutorial's classifier.

After the PyTorch tutorials' "Quickstart" (BSD-3-Clause): pick an accelerator device if
one is available, `NeuralNetwork` with nn.Flatten and an nn.Sequential of Linear/ReLU,
CrossEntropyLoss, SGD(lr=1e-3), a train loop over a DataLoader and a test loop under
`torch.no_grad()` counting correct predictions.
Changes: FashionMNIST replaced by synthetic 28x28 images from numpy; two batches.
"""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def make_data(seed=0, n=128):
    rng = np.random.default_rng(seed)
    images = torch.tensor(rng.random((n, 1, 28, 28)).astype(np.float32))
    labels = torch.tensor(rng.integers(0, 10, n))
    return DataLoader(TensorDataset(images, labels), batch_size=64)


def build_model():
    return NeuralNetwork().to(device)


def train(model, dataloader, steps=2):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if batch + 1 == steps:
            break
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    losses += [test_loss / len(dataloader), correct / len(dataloader.dataset)]
    return losses
