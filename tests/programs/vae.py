"""A variational autoencoder with the reparameterisation trick.

After pytorch/examples `vae/main.py` (BSD-3-Clause): fc1-relu, fc21/fc22 for mu/logvar,
`eps = torch.randn_like(std)`, fc3-relu-fc4-sigmoid decoder, BCE (reduction='sum') + KLD.
Changes: inputs are synthetic values in [0, 1] from numpy instead of MNIST; 784-400-20
as in the original.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def build_model():
    return VAE()


def make_data(seed=0, steps=4, batch_size=16):
    rng = np.random.default_rng(seed)
    return [
        torch.tensor(rng.random((batch_size, 1, 28, 28)).astype(np.float32)) for _ in range(steps)
    ]


def train(model, batches, steps=4):
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for data in batches[:steps]:
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        losses.append(loss.item() / len(data))
        optimizer.step()
    return losses
