"""Spelling suggestions for config errors ("did you mean 'out_features'?").

Kept separate so the registry, the schema checks and the CLI phrase hints the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The ``n`` candidates most similar to ``word``, best first (case-insensitive match).

    Example:
        >>> closest("out_featurs", ["in_features", "out_features", "bias"], n=1)
        ['out_features']
    """
    names = list(candidates)
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    hits = difflib.get_close_matches(str(word).lower(), list(by_lower), n=n, cutoff=cutoff)
    return [by_lower[hit] for hit in hits]


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1) -> str | None:
    """A hint such as ``did you mean 'out_features'?``, or None when nothing is close."""
    hits = closest(word, candidates, n=n)
    if not hits:
        return None
    return "did you mean " + " or ".join(f"'{hit}'" for hit in hits) + "?"
