"""multinomial: reproducible from nettrain's seed, distribution within a chi-square bound,
without-replacement draws distinct, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import nettrain as nt

PROBS = [0.1, 0.2, 0.3, 0.4]


def test_same_seed_same_draws(device: str) -> None:
    probs = nt.tensor([PROBS, PROBS[::-1]], device=device)
    nt.manual_seed(123)
    first = nt.multinomial(probs, 5, replacement=True)
    nt.manual_seed(123)
    second = probs.multinomial(5, replacement=True)
    assert first.tolist() == second.tolist()
    assert first.shape == (2, 5) and first.dtype == nt.int64 and first.device == probs.device


def test_generator_argument_is_its_own_stream() -> None:
    g = nt.Generator().manual_seed(2147483647)
    a = nt.multinomial(nt.tensor(PROBS), 8, True, generator=g)
    g.manual_seed(2147483647)
    nt.manual_seed(5)  # the global stream must not matter
    b = nt.multinomial(nt.tensor(PROBS), 8, True, generator=g)
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize("weights", [PROBS, [3.0, 0.0, 1.0, 6.0]])
def test_frequencies_pass_a_chi_square_test(weights: list[float]) -> None:
    """Unnormalised weights; a zero weight is never drawn. Seeded: the bound is fixed."""
    nt.manual_seed(0)
    n = 20000
    draws = nt.multinomial(nt.tensor(weights), n, replacement=True).numpy()
    counts = np.bincount(draws, minlength=len(weights))
    expected = n * np.asarray(weights) / np.sum(weights)
    support = expected > 0
    assert np.all(counts[~support] == 0)
    # p-value above 1e-4: a correct sampler fails this once in 10,000 seeds
    assert stats.chisquare(counts[support], expected[support]).pvalue > 1e-4


def test_without_replacement_rows_are_distinct_and_weighted() -> None:
    nt.manual_seed(0)
    probs = nt.tensor([[0.7, 0.1, 0.1, 0.1]] * 4000)
    draws = nt.multinomial(probs, 3).numpy()
    assert all(len(set(row)) == 3 for row in draws)
    # first draw follows the weights; P(category 0 is first) = 0.7
    first = np.bincount(draws[:, 0], minlength=4)
    assert stats.chisquare(first, 4000 * np.array([0.7, 0.1, 0.1, 0.1])).pvalue > 1e-4
    # P(category 0 among the three) = 1 - P(never drawn) = 1 - (0.3 * 0.2/0.9 * 0.1/0.8)
    among = np.mean(np.any(draws == 0, axis=1))
    assert abs(among - (1 - 0.3 * (0.2 / 0.9) * (0.1 / 0.8))) < 4 * np.sqrt(0.01 / 4000) + 1e-3


def test_gpt_style_sampling_loop() -> None:
    """``torch.multinomial(F.softmax(logits, -1), num_samples=1)`` then ``cat``."""
    nt.manual_seed(0)
    idx = nt.zeros(2, 1, dtype=nt.long)
    logits = nt.randn(2, 5)
    for _ in range(3):
        probs = nt.softmax(logits, dim=-1)
        idx = nt.cat((idx, nt.multinomial(probs, num_samples=1)), dim=1)
    assert idx.shape == (2, 4) and int(idx.max()) < 5


def test_bernoulli_is_seeded_and_follows_its_probabilities(device: str) -> None:
    probs = nt.tensor([[0.0, 0.25, 1.0]] * 4000, device=device)
    nt.manual_seed(1)
    draws = nt.bernoulli(probs)
    nt.manual_seed(1)
    assert probs.bernoulli().tolist() == draws.tolist()
    values = draws.cpu().numpy()
    assert draws.dtype == nt.float32 and draws.device == probs.device
    assert values[:, 0].sum() == 0 and values[:, 2].sum() == 4000
    ones = int(values[:, 1].sum())
    assert stats.binomtest(ones, 4000, 0.25).pvalue > 1e-4


def test_bernoulli_in_place_with_a_probability() -> None:
    nt.manual_seed(0)
    x = nt.empty(10000)
    assert x.bernoulli_(0.3) is x
    assert stats.binomtest(int(x.sum().item()), 10000, 0.3).pvalue > 1e-4
    with pytest.raises(RuntimeError, match=r"in \[0, 1\]"):
        nt.bernoulli(nt.tensor([1.5]))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda: nt.multinomial(nt.tensor([-1.0, 1.0]), 1), "element < 0"),
        (lambda: nt.multinomial(nt.tensor([float("nan"), 1.0]), 1), "`inf`, `nan`"),
        (lambda: nt.multinomial(nt.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
        (lambda: nt.multinomial(nt.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
        (lambda: nt.multinomial(nt.ones(3), 4), "without replacement"),
    ],
)
def test_bad_distributions_raise_torch_errors(fn: object, match: str) -> None:
    with pytest.raises(RuntimeError, match=match):
        fn()
