"""The front door speaks for itself: no pointers to documents a user cannot see."""

from __future__ import annotations

import re
from pathlib import Path

import nettrain.cli
import nettrain.training

ROOT = Path(__file__).resolve().parents[1]


def test_readme_does_not_send_users_to_internal_documents() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"SPEC\s*§", text), "README cites SPEC sections users cannot see"
    assert "closing note" not in text.lower(), "README cites closing notes users cannot see"


def test_package_docstrings_do_not_say_in_progress() -> None:
    for module in (nettrain.training, nettrain.cli):
        assert "in progress" not in (module.__doc__ or ""), module.__name__
