"""Issue 14: which Novomykhailivka? The front-line prior, region context, spellings and shouted
headlines on short posts (gazetteer alone, no NER, no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from frontlens.extract.doc import Doc
from frontlens.extract.places import find_places
from frontlens.model import MapFeature
from frontlens.resolve import frontline
from frontlens.resolve.translit import ru_variants, uk_variants

OCCUPIED = {"name": "Окуповано /// Occupied", "fill": "#a52714"}


def _box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _layer(day: date, *boxes: tuple[float, float, float, float]) -> frontline.FrontLayer:
    feats = [MapFeature(layer_id="t", idx=i, name=OCCUPIED["name"], geometry=_box(*b),
                        properties=OCCUPIED) for i, b in enumerate(boxes)]
    return frontline.layer_from_features(day, feats)


# an occupied block whose western edge runs 8 km east of the Marinka-hromada Novomykhailivka
# (47.85 N, 37.49 E); the Novomykhailivka at 47.56 N 38.04 E lies 32 km inside it; its southern
# edge lies in the Sea of Azov, its eastern edge in Russia
HELD = (37.6, 46.5, 40.5, 48.6)


@pytest.fixture
def front() -> Iterator[frontline.Front]:
    f = frontline.Front([_layer(date(2023, 5, 1), HELD)])
    frontline.use(f)
    yield f
    frontline.use(None)


def _place(text: str, lang: str, day: date | None) -> str | None:
    ms = find_places(Doc(text=text, lang=lang, published=day))
    return ms[0].place.id if ms and ms[0].place else None


def test_contact_line_skips_coast_and_state_border() -> None:
    layer = _layer(date(2023, 5, 1), HELD)
    km = frontline.Front([layer]).km_for(date(2023, 5, 2))
    assert km(47.846, 37.487) < 15  # Ukrainian-held villages beside the western edge
    assert km(47.558, 38.04) > 25  # inside the held block
    assert km(46.55, 38.6) > 25  # the sea edge is no front
    assert km(48.0, 40.45) > 25  # nor is the edge in Russia


def test_dated_post_prefers_the_namesake_at_the_front(front: frontline.Front) -> None:
    text = "Окупанти штурмують Новомихайлівку."
    assert _place(text, "uk", date(2023, 5, 10)) == "geonames:699458"


def test_undated_post_gets_no_front_prior(front: frontline.Front) -> None:
    # without a date there is no front to consult: the ambiguous village stays unresolved
    assert _place("Окупанти штурмують Новомихайлівку.", "uk", None) is None


def test_land_that_changed_hands_around_the_date_counts_as_front() -> None:
    before = _layer(date(2023, 5, 1), (37.0, 46.5, 40.5, 48.6))
    after = _layer(date(2023, 7, 1), HELD)  # 37.0-37.6 E taken back in between
    f = frontline.Front([before, after])
    assert f.km_for(date(2023, 6, 11))(47.9, 37.3) == 0.0
    assert f.km_for(date(2023, 6, 11))(47.558, 38.04) > 0.0


def test_oblast_named_as_lpr_supports_its_town() -> None:
    text = "Troops shelled the city of Pervomaisk in the LPR."
    assert _place(text, "en", None) == "geonames:697592"  # Luhansk Oblast, not Mykolaiv


def test_former_name_of_a_renamed_town_is_not_a_nickname() -> None:
    # Pervomaisk (Luhansk Oblast) was renamed Sokolohirsk; its old name still finds it
    text = "Shelling of Pervomaisk in the Luhansk region."
    assert _place(text, "en", None) == "geonames:697592"


def test_russian_romanisations_with_i_for_short_i() -> None:
    assert "mikhailovka" in ru_variants("Михайловка")
    assert "zeleny gai" in ru_variants("Зелёный Гай")


def test_ukrainian_h_romanised_as_g_only_for_h() -> None:
    assert "bilogorivka" in uk_variants("Білогорівка")
    assert not any("g" in v for v in uk_variants("Харків"))  # kh stays kh


def test_dative_finds_the_town_as_well_as_the_village() -> None:
    assert _place("Росіяни вдарили по Оріхову.", "uk", None) == "geonames:698428"


def test_shouted_headline_is_read() -> None:
    ms = find_places(Doc(text="BREAKING: RUSSIAN TROOPS ENTER VUHLEDAR", lang="en"))
    assert [(m.surface, m.place.id if m.place else None) for m in ms] == \
        [("VUHLEDAR", "geonames:690823")]


def test_shouted_text_without_places_stays_empty() -> None:
    assert find_places(Doc(text="THE ENEMY SHELLED OUR POSITIONS WITH DRONES", lang="en")) == []


def test_posts_scorer_sorts_misses_by_kind(tmp_path: Path) -> None:
    from frontlens.evaluate.posts import eval_posts

    def post(i: int, text: str, surface: str, lat: float, lon: float) -> dict:
        s = text.index(surface)
        return {"id": f"p{i}", "lang": "en", "date": None, "text": text, "split": "dev",
                "gold": {"surface": surface, "start": s, "end": s + len(surface),
                         "lat": lat, "lon": lon}}

    rows = [post(1, "Explosions were heard in Kharkiv.", "Kharkiv", 49.98, 36.27),
            post(2, "Explosions were heard in Kharkiv.", "Kharkiv", 46.47, 30.72),
            post(3, "It was quiet at home today.", "home", 50.0, 30.0)]
    p = tmp_path / "posts.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rep = eval_posts(p, "dev", use_ner=False)
    assert rep["breakdown"] == {"ok": 1, "namesake": 1, "unresolved": 0, "not_found": 1}
    assert rep["within_25km"] == pytest.approx(1 / 3, abs=1e-3)
