"""The sides the statement lexicons name are checked when read (typed ``Side``)."""

import pytest

from frontlens.extract.statements import _lexicon_side, _orgs, _sides


def test_lexicon_side_accepts_the_known_sides() -> None:
    assert _lexicon_side(" RU ", "x|RU") == "RU"
    assert _lexicon_side("unknown", "x|unknown") == "unknown"


def test_lexicon_side_refuses_a_typo() -> None:
    with pytest.raises(ValueError, match="unknown side 'Ru'"):
        _lexicon_side("Ru", "росі|Ru")


def test_shipped_lexicons_name_known_sides() -> None:
    assert _sides() and _orgs()
