"""The MNIST convolutional network with Adadelta and a StepLR schedule.

After pytorch/examples `mnist/main.py` (BSD-3-Clause): Conv2d-ReLU-Conv2d-ReLU-max-pool,
dropout, two Linear layers, log_softmax + nll_loss, Adadelta(lr=1.0), StepLR(gamma=0.7).
Changes: 28x28 synthetic images and labels from numpy instead of torchvision's MNIST; a
DataLoader over a TensorDataset; dropout probabilities are arguments (0.25 and 0.5 as in
the original) so a harness can compare deterministic runs.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, p1=0.25, p2=0.5):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(p1)
        self.dropout2 = nn.Dropout(p2)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def make_data(seed=0, n=32):
    rng = np.random.default_rng(seed)
    images = torch.tensor(rng.random((n, 1, 28, 28)).astype(np.float32))
    labels = torch.tensor(rng.integers(0, 10, n))
    return DataLoader(TensorDataset(images, labels), batch_size=8, shuffle=False)


def build_model(dropout=(0.25, 0.5)):
    return Net(*dropout)


def train(model, train_loader, steps=4, device="cpu"):
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    model.train()
    for epoch in range(1, 3):
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if batch_idx + 1 == steps // 2:
                break
        scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in train_loader:
            pred = model(data).argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    losses.append(correct)
    return losses
