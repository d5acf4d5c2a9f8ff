"""Area claims: units, qualifiers, number words, conversions, ranges, and the scorer."""

from __future__ import annotations

import pytest

from frontlens.evaluate.area import score_area
from frontlens.extract.doc import Doc
from frontlens.extract.quantities import SQ_MI_KM2, area, find_areas, parse_number
from frontlens.extract.sentences import sentences
from frontlens.model import AreaClaim


def _run(text: str, lang: str = "en") -> Doc:
    return area(sentences(Doc(text=text, lang=lang, source_id="t")))


def _claims(doc: Doc) -> list[AreaClaim]:
    return [r for r in doc.records if isinstance(r, AreaClaim)]


@pytest.mark.parametrize(
    ("text", "lang", "surface", "km2", "qualifier"),
    [
        ("Troops retook more than 1,000 square kilometers.", "en",
         "more than 1,000 square kilometers", 1000, "more_than"),
        ("They hold about 3,000 km2 now.", "en", "about 3,000 km2", 3000, "about"),
        ("Up to 50 sq. km were lost.", "en", "Up to 50 sq. km", 50, "up_to"),
        ("less than 20 square miles", "en", "less than 20 square miles", 20 * SQ_MI_KM2,
         "less_than"),
        ("some 500 hectares of farmland", "en", "some 500 hectares", 5, "about"),
        ("звільнили тисячу квадратних кілометрів", "uk", "тисячу квадратних кілометрів", 1000,
         "exact"),
        ("Звільнено понад 1000 кв. км території.", "uk", "понад 1000 кв. км", 1000, "more_than"),
        ("близько двох тисяч квадратних кілометрів", "uk",
         "близько двох тисяч квадратних кілометрів", 2000, "about"),
        ("освобождено свыше 3000 квадратных километров", "ru",
         "свыше 3000 квадратных километров", 3000, "more_than"),
        ("около двух тысяч квадратных километров", "ru",
         "около двух тысяч квадратных километров", 2000, "about"),
        ("территория площадью 31,75 кв км, однако", "ru", "31,75 кв км", 31.75, "exact"),
        ("до 1,5 тыс. кв. км", "ru", "до 1,5 тыс. кв. км", 1500, "up_to"),
    ],
)
def test_area_figures(text: str, lang: str, surface: str, km2: float, qualifier: str) -> None:
    (c,) = _claims(_run(text, lang))
    assert text[c.start : c.end] == surface
    assert c.value_km2 == pytest.approx(km2, rel=1e-4)
    assert c.qualifier == qualifier


def test_sq_mi_conversion_is_flagged() -> None:
    doc = _run("The offensive has liberated about 2,000sq km (770sq miles) of territory.")
    km, mi = _claims(doc)
    assert (km.raw_unit, km.raw_value, km.qualifier) == ("sq km", 2000, "about")
    assert (mi.raw_unit, mi.raw_value) == ("sq mi", 770)
    assert mi.value_km2 == pytest.approx(770 * 2.589988)
    assert doc.user["area_conversions"] == {mi.id}


def test_unrelated_second_figure_is_not_a_conversion() -> None:
    doc = _run("Kyiv retook 500 sq km; Moscow says it took 30 square miles elsewhere.")
    assert len(_claims(doc)) == 2
    assert doc.user["area_conversions"] == set()


def test_range() -> None:
    doc = _run("Ukraine controls 900-1,300 square kilometers of territory.")
    (c,) = _claims(doc)
    assert c.value_km2 == 900
    assert doc.user["area_ranges"][c.id] == (900, 1300)


def test_lengths_and_plain_numbers_are_not_areas() -> None:
    assert find_areas("within 50 kilometers of the border, 1,000 troops", "en") == []
    assert find_areas("за 30 км від кордону", "uk") == []


def test_numbers() -> None:
    assert parse_number("1,000", "en") == 1000
    assert parse_number("31,75", "ru") == 31.75
    assert parse_number("2 000", "uk") == 2000
    assert parse_number("1,500", "ru") == 1.5


def test_claimant_cue() -> None:
    (c,) = _claims(_run("Ukraine's military said it had freed about 2,000 square kilometers."))
    assert c.claimant == "Ukraine's military"
    assert c.claimed_by == "UA"


def test_score_area_loose_and_strict() -> None:
    text = "Forces retook about 2,000sq km (770sq miles) of land."
    gold = {"id": "g", "text": text, "gold": {"area_claims": [
        {"surface": "about 2,000sq km", "value": 2000, "unit": "sq km", "qualifier": "about",
         "is_conversion": False},
        {"surface": "770sq miles", "value": 770, "unit": "sq mi", "qualifier": None,
         "is_conversion": True},
    ]}}
    doc = _run(text)
    assert score_area(gold, doc).as_dict()["f1"] == 1.0
    assert score_area(gold, doc, strict=True).as_dict()["f1"] == 1.0
    doc.user["area_conversions"] = set()
    strict = score_area(gold, doc, strict=True)
    assert (strict.tp, strict.fp, strict.fn) == (1, 1, 1)
    wrong = {**gold, "gold": {"area_claims": [{**gold["gold"]["area_claims"][0], "value": 2100}]}}
    sc = score_area(wrong, _run(text))
    assert (sc.tp, sc.fp, sc.fn) == (0, 2, 1)


@pytest.mark.parametrize(
    ("text", "surface", "km2", "qualifier", "high"),
    [
        ("between 900 and 1,300 sq km", "between 900 and 1,300 sq km", 900, "exact", 1300),
        ("від 900 до 1300 кв. км", "від 900 до 1300 кв. км", 900, "exact", 1300),
        ("a 1,000-plus square kilometers gain", "1,000-plus square kilometers", 1000, "more_than",
         None),
        ("6 тыс. км² территории", "6 тыс. км²", 6000, "exact", None),
        ("a thousand square kilometers", "a thousand square kilometers", 1000, "exact", None),
    ],
)
def test_ranges_plus_and_multipliers(
    text: str, surface: str, km2: float, qualifier: str, high: float | None
) -> None:
    (a,) = find_areas(text, "en")
    assert (text[a.start : a.end], a.km2, a.qualifier, a.high) == (surface, km2, qualifier, high)


def test_vague_amounts_are_skipped() -> None:
    assert find_areas("a few thousand square kilometers", "en") == []
