"""One referent per name per document: the case forms of one village share one resolution."""

from __future__ import annotations

import pytest

import frontlens.resolve.geocode as geocode
from frontlens.extract.decide import propose_places
from frontlens.extract.doc import Doc, PlaceMention
from frontlens.extract.places import find_places
from frontlens.resolve.gazetteer import Candidate, default_gazetteer
from frontlens.resolve.geocode import Pending, resolve


def _place(pid: int, name: str, lat: float, admin1: str, population: int = 0) -> Candidate:
    return Candidate((pid, f"test:{pid}", name, None, None, "settlement", None, lat, 37.0,
                      admin1, None, "UA", population, None), "ru")


# a town, and three namesake villages 70 km (X) and 200 km (Y, Z) from it
TOWN = _place(1, "Town", 48.0, "A", population=9_000)
X = _place(10, "Selo", 48.63, "B")
Y = _place(11, "Selo", 49.8, "C")
Z = _place(12, "Selo", 46.2, "D")
W = _place(13, "Selo", 51.0, "E")


def _doc(far_cands: list[Candidate]) -> list[Pending]:
    """"Села" next to the town, "Селу" 500 characters on, nothing near it."""
    return [Pending(0, 4, "Села", [X, Y, Z]),
            Pending(10, 14, "Town", [TOWN]),
            Pending(500, 504, "Селу", far_cands)]


def test_a_case_form_far_from_context_takes_the_resolution_of_its_supported_sibling() -> None:
    near, town, far = _doc([X, Y, Z])
    resolve([near, town, far], "ru")
    assert near.best is X
    assert far.best is X  # alone it is a blind pick among three namesakes: left open
    assert far.score == near.score


def test_without_one_referent_the_far_case_form_is_left_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geocode, "ONE_REFERENT", False)
    near, town, far = _doc([X, Y, Z])
    resolve([near, town, far], "ru")
    assert near.best is X
    assert far.best is None


def test_mentions_with_different_candidate_places_are_not_tied() -> None:
    # a fourth namesake makes it another name (another key's readings): no shared resolution
    near, town, far = _doc([X, Y, Z, W])
    resolve([near, town, far], "ru")
    assert near.best is X
    assert far.best is None


def test_between_equal_scores_the_reading_supported_at_more_mentions_wins() -> None:
    pooled, _ = geocode._pool([([(5.0, Z), (5.0, X)], {Z.pid, X.pid}, 1),
                               ([(4.0, Z), (4.0, X)], {X.pid}, 2)])
    assert pooled[0][1] is X


def test_russian_case_forms_of_a_village_resolve_to_one_place_with_one_confidence() -> None:
    text = ("Российские войска после Марьинки наступают на Новомихайловку. "
            "По словам военных, противник перебрасывает резервы, использует бронетехнику и "
            "авиацию, а штурмовые группы действуют малыми силами при поддержке артиллерии и "
            "беспилотников, несмотря на потери и плохую погоду последних дней. "
            "Командование считает занятие Новомихайловки главной целью.")
    got = {m.surface: m for m in find_places(Doc(text=text, lang="ru"))}
    acc, gen = got["Новомихайловку"], got["Новомихайловки"]
    assert acc.place is not None and acc.place.admin1 == "Donetsk Oblast"
    assert gen.place is not None and gen.place.id == acc.place.id
    assert gen.score == acc.score


def _verbove_zp() -> PlaceMention:
    """The resolver's reading of "Вербового" at the end of the text: the Zaporizhzhia village."""
    gaz = default_gazetteer()
    place = next(c for c in gaz.lookup("Вербове") if c.admin1 == "Zaporizhzhia Oblast")
    return PlaceMention(start=0, end=0, surface="Вербового", kind="settlement",
                        place=place.to_place(), score=0.88, candidates=[place.to_place()])


def test_a_proposed_word_the_resolver_placed_elsewhere_in_the_text_is_that_place() -> None:
    text = "Бои идут у Вербового. Противник отступил, атаки на Вербового отбиты."
    done = _verbove_zp()
    done.start = text.rindex("Вербового")
    done.end = done.start + len("Вербового")
    doc = Doc(text=text, lang="ru", places=[done])
    proposed = {p.start: p for p in propose_places(doc)}
    first = proposed[text.index("Вербового")]
    # alone, its dictionary form (вербовый) names one far namesake; the text names this one
    assert first.place is not None and first.place.id == done.place.id  # type: ignore[union-attr]
    assert first.score == done.score


def test_a_proposed_word_of_another_name_is_not_tied_to_a_resolved_place() -> None:
    text = "Бои у Новомихайловки. Атаки на Вербового отбиты."
    done = _verbove_zp()
    done.start = text.index("Вербового")
    done.end = done.start + len("Вербового")
    doc = Doc(text=text, lang="ru", places=[done])
    proposed = {p.surface: p for p in propose_places(doc)}
    assert proposed["Новомихайловки"].place is None  # many namesakes, no oblast named


def test_a_proposed_inflected_word_weighs_every_reading_not_only_its_first_lemma() -> None:
    text = "Противник атакует у Вербового."
    proposed = {p.surface: p for p in propose_places(Doc(text=text, lang="ru"))}
    got = proposed["Вербового"]
    # the first lemma (вербовый) names one far namesake; as Вербове's genitive it has many,
    # and nothing in the text chooses among them: left unresolved, never drawn on the map
    assert got.place is None
    assert len(got.candidates) > 1
