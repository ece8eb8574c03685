"""Seeding: manual_seed, Generator objects, and JSON-friendly states."""

from __future__ import annotations

import json

import pytest

import nettrain as nt


def test_manual_seed_reproduces_every_random_factory() -> None:
    def draw() -> list:
        return [
            nt.randn(3).tolist(),
            nt.rand(2).tolist(),
            nt.randint(0, 10, (4,)).tolist(),
            nt.randperm(5).tolist(),
            nt.empty(2).normal_().tolist(),
            nt.empty(2).uniform_().tolist(),
        ]

    nt.manual_seed(123)
    first = draw()
    nt.manual_seed(123)
    assert draw() == first
    nt.manual_seed(124)
    assert draw() != first


def test_manual_seed_returns_generator_and_initial_seed() -> None:
    g = nt.manual_seed(7)
    assert isinstance(g, nt.Generator)
    assert nt.initial_seed() == 7


def test_generator_objects_are_independent_of_the_global_stream() -> None:
    g = nt.Generator().manual_seed(5)
    a = nt.randn(4, generator=g).tolist()
    nt.randn(10)  # moves only the global stream
    g.manual_seed(5)
    assert nt.randn(4, generator=g).tolist() == a
    x = nt.empty(3)
    g.manual_seed(5)
    x.normal_(generator=g)
    assert x.tolist() == pytest.approx(a[:3], rel=1e-6)


def test_rng_state_round_trips_through_json() -> None:
    nt.manual_seed(11)
    nt.randn(3)
    state = json.loads(json.dumps(nt.get_rng_state()))
    expected = nt.randn(5).tolist()
    nt.randn(7)
    nt.set_rng_state(state)
    assert nt.randn(5).tolist() == expected


def test_seed_picks_a_new_seed() -> None:
    chosen = nt.seed()
    assert isinstance(chosen, int) and nt.initial_seed() == chosen


def test_random_values_have_right_statistics() -> None:
    nt.manual_seed(0)
    x = nt.randn(20000)
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1.0) < 0.05
    u = nt.rand(20000)
    assert abs(u.mean().item() - 0.5) < 0.02
