"""Random number generation: ``manual_seed`` and ``Generator``, seeding one global stream.

nettrain draws on the CPU with numpy's PCG64 and moves values to the device, so a seed
gives the same numbers on every backend. States are plain dicts (JSON-friendly) so that
checkpoints can store them without pickle.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Generator:
    """A seeded random stream, as ``torch.Generator``.

    Example:
        >>> g = Generator().manual_seed(0)
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._seed = 0
        self._rng = np.random.Generator(np.random.PCG64(0))
        self.device = device

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``."""
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from OS entropy and return the seed used."""
        seed = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed last given to ``manual_seed``."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The stream's state as a JSON-serialisable dict (PCG64's state is plain Python ints
        and strings, so it needs no conversion: the loop snapshots it at every step)."""
        return {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a state from ``get_state``."""
        self._seed = int(state.get("seed", 0))
        bit_generator = np.random.PCG64()
        bit_generator.state = state["bit_generator"]
        self._rng = np.random.Generator(bit_generator)

    # -- draws used by the library --------------------------------------------------

    def uniform(self, low: float, high: float, shape: tuple[int, ...]) -> np.ndarray:
        """float64 samples in [low, high)."""
        return self._rng.uniform(low, high, shape)

    def normal(self, mean: float, std: float, shape: tuple[int, ...]) -> np.ndarray:
        """float64 normal samples."""
        return self._rng.normal(mean, std, shape)

    def integers(self, low: int, high: int, shape: tuple[int, ...]) -> np.ndarray:
        """int64 samples in [low, high)."""
        return self._rng.integers(low, high, shape, dtype=np.int64)

    def permutation(self, n: int) -> np.ndarray:
        """A random ordering of range(n)."""
        return self._rng.permutation(n)

    def random(self, shape: tuple[int, ...]) -> np.ndarray:
        """float64 samples in [0, 1)."""
        return self._rng.random(shape)

    def _skip(self, draws: int) -> None:
        """Move the stream on as if ``draws`` float64 uniforms had been drawn (each takes
        one 64-bit step of PCG64), without making them: lets a data-parallel rank draw only
        its rows of a batch-shaped draw."""
        if draws:
            self._rng.bit_generator.advance(int(draws))


default_generator = Generator()


def _generator_for(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def manual_seed(seed: int) -> Generator:
    """Seed the global stream, as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global stream from OS entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The global stream's seed."""
    return default_generator.initial_seed()


def get_rng_state() -> dict[str, Any]:
    """The global stream's state (a dict, where PyTorch returns a ByteTensor)."""
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the global stream's state."""
    default_generator.set_state(state)
