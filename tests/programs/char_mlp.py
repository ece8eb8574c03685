"""A character-level MLP language model (Bengio et al. 2003), makemore style.

After Andrej Karpathy's makemore part 2 (MIT): an embedding table `C`, one tanh hidden
layer, `F.cross_entropy`, minibatches drawn with `torch.randint`, a manual SGD update
with a learning-rate decay, and sampling with `torch.multinomial` and a Generator.
Changes: the words are a small built-in list instead of names.txt; 30 steps; the
minibatch indices come from the harness's numpy generator (an argument) so both
libraries draw the same batches.
"""

import numpy as np
import torch
import torch.nn.functional as F

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn"]
BLOCK = 3


def make_data(seed=0):
    chars = sorted(set("".join(WORDS)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    X, Y = [], []
    for w in WORDS:
        context = [0] * BLOCK
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    rng = np.random.default_rng(seed)
    batches = [torch.tensor(rng.integers(0, len(X), 16)) for _ in range(30)]
    return torch.tensor(X), torch.tensor(Y), batches, len(stoi)


class CharMLP(torch.nn.Module):
    """The makemore parameters (C, W1, b1, W2, b2) as one module, for the harness."""

    def __init__(self, vocab=27, n_embd=10, n_hidden=64):
        super().__init__()
        g = torch.Generator().manual_seed(2147483647)
        self.C = torch.nn.Parameter(torch.randn((vocab, n_embd), generator=g))
        self.W1 = torch.nn.Parameter(torch.randn((n_embd * BLOCK, n_hidden), generator=g) * 0.2)
        self.b1 = torch.nn.Parameter(torch.randn(n_hidden, generator=g) * 0.01)
        self.W2 = torch.nn.Parameter(torch.randn((n_hidden, vocab), generator=g) * 0.01)
        self.b2 = torch.nn.Parameter(torch.zeros(vocab))

    def forward(self, X):
        emb = self.C[X]
        h = torch.tanh(emb.view(-1, self.W1.shape[0]) @ self.W1 + self.b1)
        return h @ self.W2 + self.b2


def build_model():
    return CharMLP(vocab=len(sorted(set("".join(WORDS)))) + 1)


def train(model, data, steps=30):
    X, Y, batches, vocab = data
    parameters = list(model.parameters())
    losses = []
    for i, ix in enumerate(batches[:steps]):
        logits = model(X[ix])
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 20 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    with torch.no_grad():
        logits = model(X)
        losses.append(F.cross_entropy(logits, Y).item())
        # sample one word: multinomial draws follow each library's own generator
        g = torch.Generator().manual_seed(2147483647 + 10)
        context, out = [0] * BLOCK, []
        while len(out) < 20:
            probs = F.softmax(model(torch.tensor([context])), dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(ix)
        assert all(0 < i < vocab for i in out)
    return losses
