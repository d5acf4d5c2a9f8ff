"""Behaviour of the equipment component, catalog and scorer (own sentences; no network)."""

from __future__ import annotations

import pytest

import frontlens.extract.sentences  # noqa: F401  (registers "sentences")
from frontlens.evaluate.equipment import RULES, model_key, score_equipment
from frontlens.extract.doc import COMPONENTS, Doc
from frontlens.extract.equipment import catalog, eq_key, romanise
from frontlens.model import EquipmentLoss


def run(text: str, lang: str = "en", **user: object) -> list[EquipmentLoss]:
    doc = Doc(text=text, lang=lang, source_id="t1", user=dict(user))
    for name in ("sentences", "equipment"):
        doc = COMPONENTS[name](doc)
    return [r for r in doc.records if isinstance(r, EquipmentLoss)]


def one(text: str, lang: str = "en") -> EquipmentLoss:
    recs = run(text, lang)
    assert len(recs) == 1, [r.catalog_type for r in recs]
    return recs[0]


# ------------------------------------------------------------------ normal form and catalog


def test_key_unifies_cyrillic_latin_and_hyphens() -> None:
    assert eq_key("Т-72Б3") == eq_key("T-72B3") == eq_key("t 72 b3") == eq_key("T\u201172B3")
    assert eq_key("2С6М") == eq_key("2S6M")
    assert eq_key("МТ-ЛБ") == eq_key("MT-LB")
    assert romanise("Т-72Б3М") == "T-72B3M"


@pytest.mark.parametrize(
    ("alias", "model"),
    [
        ("Tunguska", "2K22 Tunguska"),
        ("Тунгуска", "2K22 Tunguska"),
        ("2S6M", "2S6M Tunguska"),
        ("2С6М", "2S6M Tunguska"),
        ("Shilka", "ZSU-23-4 Shilka"),
        ("Шилка", "ZSU-23-4 Shilka"),
        ("Т-90М", "T-90M"),
        ("БМП-2", "BMP-2"),
        ("МТ-ЛБ", "MT-LB"),
        ("Grad", "BM-21 Grad"),
        ("Abrams", "M1 Abrams"),
    ],
)
def test_aliases_resolve(alias: str, model: str) -> None:
    assert catalog().resolve(alias) == model


def test_families_and_categories() -> None:
    cat = catalog()
    assert cat.models["2S6M Tunguska"].family == cat.models["2K22 Tunguska"].family
    assert cat.models["T-72B3"].family == "T-72"
    assert cat.models["T-72B3"].category == "tank"
    assert cat.models["ZSU-23-4 Shilka"].category == "SPAAG"
    assert cat.models["BMP-2"].category == "IFV"
    assert len(cat.models) > 1000


# ------------------------------------------------------------------ finding mentions


def test_spaced_and_plural_designations() -> None:
    r = one("Shelling destroyed three M 777 howitzers near the river.")
    assert r.catalog_type == "M777" and r.count == 3 and r.fate == "destroyed"
    r = one("Drone crews say several T-64BVs were knocked out last week.")
    assert r.catalog_type == "T-64BV"


def test_unlisted_variant_keeps_written_designation() -> None:
    r = one("Бійці захопили танк Т-72Б3М поблизу села.", "uk")
    assert r.catalog_type == "T-72B3M" and r.category == "tank" and r.fate == "captured"


def test_prose_is_not_equipment() -> None:
    assert run("He is a 50 year old farmer. The storm hit the town; grad students left.") == []
    assert run("A tor on the hill. Гроза и град прошли над городом.", "ru") == []


def test_weak_name_needs_cue_or_quotes() -> None:
    assert run("Grad was the word he used.") == []
    r = one("Ukrainian artillery destroyed a Russian ‘Grad’ near the village.")
    assert r.catalog_type == "BM-21 Grad" and r.category == "MLRS"


# ------------------------------------------------------------------ one item per doc


def test_family_and_component_merge_into_one_item() -> None:
    text = (
        "A Russian 2S6M/M1 vehicle of the 2K22M Tunguska-M complex was captured near the "
        "river. Its Tunguska radar was intact."
    )
    r = one(text)
    assert r.catalog_type == "2S6M Tunguska" and r.side == "RU" and r.fate == "captured"


def test_repeated_mentions_dedupe_and_base_models_stay_apart() -> None:
    text = (
        "Gunners destroyed a Russian BMP-2M at dawn. The BMP-2M, an upgrade of the BMP-2, "
        "burned for hours. Another BMP-2M photo appeared later."
    )
    recs = run(text)
    assert sorted(r.catalog_type for r in recs) == ["BMP-2", "BMP-2M"]


def test_short_form_after_full_form_is_same_item() -> None:
    recs = run("A Russian Su-25SM3 was shot down. The Su-25 pilot ejected.")
    assert [r.catalog_type for r in recs] == ["Su-25SM3"]


# ------------------------------------------------------------------ fate, side, count


def test_fate_and_side_english() -> None:
    r = one("Russian T-72B3 captured by Ukrainian forces near the town.")
    assert (r.fate, r.side) == ("captured", "RU")
    r = one("The Ukrainian brigade destroyed an enemy BMP-3 with a drone.")
    assert (r.fate, r.side) == ("destroyed", "RU")
    r = one("Russian drones destroyed two US-supplied M2A2 Bradley vehicles.")
    assert (r.fate, r.side, r.count) == ("destroyed", "UA", 2)


def test_agent_is_not_the_loss() -> None:
    recs = {r.catalog_type: r for r in run("An M2A2 Bradley knocked out a Russian T-62M.")}
    assert recs["M2 Bradley"].fate == "unknown"
    assert recs["T-62M"].fate == "destroyed" and recs["T-62M"].side == "RU"


@pytest.mark.parametrize(
    ("text", "lang", "fate", "model"),
    [
        ("Під Бахмутом знищено російський танк Т-90М.", "uk", "destroyed", "T-90M"),
        ("Оборонці захопили ворожу БМП-2 як трофей.", "uk", "captured", "BMP-2"),
        ("Екіпаж покинув Т-72Б3 у полі.", "uk", "abandoned", "T-72B3"),
        ("Под Купянском уничтожен украинский танк Т-64БВ.", "ru", "destroyed", "T-64BV"),
        ("Бойцы захватили ЗСУ-23-4 «Шилка».", "ru", "captured", "ZSU-23-4 Shilka"),
        ("Вертолёт Ми-8 был подбит над лесом.", "ru", "damaged", "Mi-8"),
    ],
)
def test_fate_cues_uk_ru(text: str, lang: str, fate: str, model: str) -> None:
    recs = run(text, lang)
    assert [(r.catalog_type, r.fate) for r in recs] == [(model, fate)]


def test_counts() -> None:
    assert one("Troops captured two T-80BV tanks.").count == 2
    assert one("Footage shows 2x T-72B3 destroyed.").count == 2
    assert one("Уничтожено пять танков Т-72Б.", "ru").count == 5
    assert one("The 152 mm 2S3 Akatsiya was destroyed.").count == 1


def test_delivered_is_unknown_fate_but_kept() -> None:
    doc = Doc(text="Germany delivered Leopard 2A6 tanks in March.", lang="en", source_id="d")
    doc = COMPONENTS["equipment"](COMPONENTS["sentences"](doc))
    (rec,) = doc.records
    assert rec.fate == "unknown"
    assert doc.user["equipment"][0]["fate_raw"] == "delivered"


# ------------------------------------------------------------------ evidence and provenance


def test_evidence_links_and_media() -> None:
    text = (
        "Russian BTR-82A destroyed near the bridge. pic.twitter.com/AbC123\n"
        "More at https://t.me/somechannel/42"
    )
    r = one(text)
    assert "pic.twitter.com/AbC123" in r.evidence_urls
    r = run("A Russian 2S1 Gvozdika was abandoned.", media=["photo_1.jpg"])[0]
    assert r.evidence_urls == ["photo_1.jpg"]


def test_span_is_the_supporting_sentence() -> None:
    text = "Calm morning. Ukrainian troops captured a Russian MT-LB. Nothing else."
    r = one(text)
    assert text[r.start : r.end] == "Ukrainian troops captured a Russian MT-LB."
    assert r.source_id == "t1" and r.extractor_version


# ------------------------------------------------------------------ scoring


def test_score_matches_normalised_models() -> None:
    gold = {
        "id": "g1",
        "gold": {
            "equipment": [
                {
                    "surface": "TOR-M2",
                    "model": "Tor-M2",
                    "category": "SAM",
                    "side": "RU",
                    "fate": "destroyed",
                    "count": 1,
                },
                {
                    "surface": "Т-90М",
                    "model": "T-90M",
                    "category": "tank",
                    "side": "RU",
                    "fate": "captured",
                    "count": 1,
                },
            ]
        },
    }
    doc = Doc(text="A drone destroyed a Russian TOR-M2 launcher.", lang="en", source_id="g1")
    doc = COMPONENTS["equipment"](COMPONENTS["sentences"](doc))
    sc = score_equipment(gold, doc)
    assert (sc.tp, sc.fp, sc.fn) == (1, 0, 1)
    assert doc.user["equipment_attr"]["fate"]["ok"] == 1
    assert model_key("9K332 Tor-M2") == model_key("TOR-M2")
    assert model_key("T-80") != model_key("T-80BVM")
    assert "normalised" in RULES


def test_catalog_has_no_common_words_or_calibres_as_models() -> None:
    cat = catalog()
    for word in ("With", "Turret", "14.5mm"):
        assert cat.resolve(word) is None, word
    assert not [m for m in cat.models if m.startswith("(") or " With" in m]
    assert cat.resolve("BMP-1") == "BMP-1"


def test_a_preposition_after_a_space_is_no_variant_letter() -> None:
    items = run("Сбиты два украинских вертолета: Ми-8 и Ми-24 в районе города.", "ru")
    assert sorted(r.catalog_type for r in items) == ["Mi-24", "Mi-8"]


def test_a_named_ship_matches_in_either_order_of_writing() -> None:
    assert model_key("Caesar Kunikov (large landing ship)") == model_key(
        "Project 775 (Caesar Kunikov)")
    assert model_key("Moskva (cruiser)") == model_key("Project 1164 (Moskva)")
    assert not model_key("PFM-1 (Lepestok)").startswith("ship:")  # not a ship: no ship key


def test_a_capitalised_city_in_a_dateline_is_no_cruiser() -> None:
    assert run("МОСКВА, 5 мая — РИА Новости. Минобороны сообщило об ударе.", "ru") == []
    [moskva] = run("Крейсер «Москва» затонул после пожара.", "ru")
    assert moskva.catalog_type == "Project 1164 (Moskva)"


def test_latin_names_declined_in_cyrillic_text_are_found() -> None:
    assert [r.catalog_type for r in run("Уничтожены два Леопардов под Работино.", "ru")] == [
        "Leopard 2"]
    assert [r.catalog_type for r in run("Бійці знищили дві установки Градів.", "uk")] == [
        "BM-21 Grad"]


def test_a_named_ship_is_found_in_any_romanisation_after_a_ship_word() -> None:
    [uk] = run("Знищено великий десантний корабель «Цезар Куніков».", "uk")
    [ru] = run("Патрульный корабль «Василий Быков» поражён.", "ru")
    assert uk.catalog_type == "Project 775 (Caesar Kunikov)"
    assert ru.catalog_type == "Project 22160 (Vasily Bykov)"


def test_the_scorer_keys_a_named_ship_by_its_name_however_written() -> None:
    from frontlens.evaluate.equipment import model_key

    assert model_key("Project 775 (Tsezar Kunikov)") == model_key("Project 775 (Caesar Kunikov)")
    assert model_key("large landing ship Novocherkassk") == model_key(
        "Project 775 (Novocherkassk)")
    assert model_key("cruiser Moskva") == model_key("Moskva (cruiser)")
    assert model_key("T-72B3") != model_key("T-72")


def test_a_weapon_named_like_a_town_is_not_a_place() -> None:
    from frontlens.extract.doc import PlaceMention
    from frontlens.model import Place

    text = "A ZSU-23-4 Shilka was damaged by shrapnel in Balakliia."
    doc = Doc(text=text, lang="en", source_id="t1")
    doc = COMPONENTS["sentences"](doc)
    for surface, name in (("Shilka", "Shilka"), ("Balakliia", "Balakliia")):
        pos = text.find(surface)
        doc.places.append(PlaceMention(pos, pos + len(surface), surface, "settlement",
                                       Place(id=f"t:{name}", name=name)))
    doc = COMPONENTS["equipment"](doc)
    assert [p.surface for p in doc.places] == ["Balakliia"]


def test_a_tally_line_split_by_fate_gives_one_record_per_fate() -> None:
    from frontlens.extract.doc import Doc
    from frontlens.extract.pipeline import run_components
    from frontlens.model import EquipmentLoss

    doc = Doc("Tally for the week: 1x BMP-2 destroyed, 3x MT-LB (2 destroyed, 1 captured).",
              lang="en", source_id="s")
    doc.user["decide"] = False
    got = sorted((r.model_text, r.fate, r.count) for r in run_components(doc).records
                 if isinstance(r, EquipmentLoss))
    assert got == [("BMP-2", "destroyed", 1), ("MT-LB", "captured", 1),
                   ("MT-LB", "destroyed", 2)]


def test_a_fate_word_after_a_coordinated_list_is_every_items_fate() -> None:
    got = {r.catalog_type: r.fate for r in run(
        "Ural-4320 trucks and an MT-LB abandoned near the village.")}
    assert got == {"Ural-4320": "abandoned", "MT-LB": "abandoned"}
    got = {r.catalog_type: r.fate for r in run(
        "Two T-72B3 tanks, a BMP-3 and a BTR-82A destroyed near the bridge.")}
    assert got == {"T-72B3": "destroyed", "BMP-3": "destroyed", "BTR-82A": "destroyed"}


def test_an_item_outside_the_list_keeps_its_own_or_no_fate() -> None:
    got = {r.catalog_type: r.fate for r in run(
        "A T-72B3 was seen near the bridge and a BMP-2 destroyed.")}
    assert got == {"T-72B3": "unknown", "BMP-2": "destroyed"}
    got = {r.catalog_type: r.fate for r in run("A BMP-2 captured and a T-72B3 destroyed.")}
    assert got == {"BMP-2": "captured", "T-72B3": "destroyed"}


def test_a_side_word_in_a_designation_or_a_reports_source_names_no_owner() -> None:
    from frontlens.extract.decide import names_a_side, owner_side_hits, tokens

    assert not names_a_side("A ZSU-23-4 Shilka damaged by shrapnel in a yard.", "en")
    assert not names_a_side("Брошенные Т-80БВ и БМП-2, по данным украинских военных.", "ru")
    assert not names_a_side("Знищено Т-72Б3, за даними Генштабу ЗСУ.", "uk")
    assert not names_a_side("According to the Ukrainian military, a T-72B3 was lost.", "en")
    assert names_a_side("A Russian ZSU-23-4 Shilka damaged in a yard.", "en")
    assert names_a_side("Ukrainian forces captured a T-72B3.", "en")
    text = "Бойцы ЗСУ захватили ЗСУ-23-4 «Шилка»."
    toks = tokens(text)
    hits = owner_side_hits(text, toks, (("зсу",),))
    assert [toks[i].start for i, _ in hits] == [text.index("ЗСУ")]
    # the rules' owner: a side named as the report's source is not the owner
    r = one("According to Ukrainian officials, a T-72B3 was destroyed near the bridge.")
    assert r.side == "RU"  # from the type's origin, not "Ukrainian"


# ------------------------------------------------------------------ cue lists in the packs


def test_equipment_cue_lists_come_from_every_pack_and_compile() -> None:
    """The fate/side/count words are pack data (lang/<code>/equipment.txt): every list name is
    one the component reads, every entry is a valid pattern, and each pack contributes."""
    import re

    from frontlens.extract import equipment as eq

    known = {"not_fate", "owner_lost", "by", "agent_before", "attribution", "article", "forces",
             "agent", "instrument", "person_title", "person_verb", "base", "equipment_word",
             "ship", "count_unit", "same_item", "other_item", "and", "relative", "back_ref",
             "axis", "aux", "participle", "object", "among", "unit", "intransitive"}
    known |= {f"fate.{f}" for f in eq._FATES} | {f"side.{g}" for g in eq._SIDE_GROUPS}
    known |= {"by_side.RU", "by_side.UA", "narrator.RU", "narrator.UA"}
    known |= {f"owner_after.{g}" for g in ("RU", "UA", "enemy")}
    codes: set[str] = set()
    for name, entries in eq._CUES.items():
        assert name in known or re.fullmatch(r"count\.\d+", name), name
        for code, entry in entries:
            codes.add(code)
            re.compile(entry)
    assert {"en", "uk", "ru"} <= codes


@pytest.mark.parametrize(
    ("text", "lang", "fate", "side"),
    [
        ("Our artillery destroyed a Russian T-72B3 near the village.", "en", "destroyed", "RU"),
        ("Бійці знищили російський Т-72Б3 біля села.", "uk", "destroyed", "RU"),
        ("Военные захватили украинский Т-64БВ у деревни.", "ru", "captured", "UA"),
    ],
)
def test_each_pack_supplies_its_fate_and_side_words(text: str, lang: str, fate: str,
                                                    side: str) -> None:
    r = one(text, lang)
    assert (r.fate, r.side) == (fate, side)


# ------------------------------------------------------------------ owner side


@pytest.mark.parametrize(
    ("text", "lang", "side"),
    [
        # "the enemy" is the narrator's enemy: a Russian summary (its own vocabulary) ...
        ("В ходе специальной военной операции противник потерял гаубицу Д-30 у села.", "ru",
         "UA"),
        # ... and a Ukrainian one
        ("Окупанти відступили, а наші захисники знищили ворожий Т-72Б3.", "uk", "RU"),
        ("Our defenders pushed the occupiers back and destroyed an enemy T-80BV.", "en", "RU"),
    ],
)
def test_enemy_and_our_are_read_against_the_narrator(text: str, lang: str, side: str) -> None:
    assert one(text, lang).side == side


def test_a_soviet_type_lost_in_a_russian_summary_is_the_narrators_enemys() -> None:
    """No side in the sentence: a D-30 (Soviet make, fielded by both) destroyed in a text
    written from the Russian side is Ukraine's; with no narrator it stays Russian."""
    ru_side = "Киевский режим снова бросил резервы. Уничтожена гаубица Д-30 у Часова Яра."
    assert one(ru_side, "ru").side == "UA"
    assert one("Уничтожена гаубица Д-30 у Часова Яра.", "ru").side == "RU"


@pytest.mark.parametrize(
    ("text", "lang", "side"),
    [
        ("Air defence shot down a Su-27 of the Ukrainian Air Force over the river.", "en", "UA"),
        ("Уничтожен вертолет Ми-8 воздушных сил Украины.", "ru", "UA"),
        ("Уражено гелікоптер Мі-8 Збройних сил України.", "uk", "UA"),
    ],
)
def test_an_owner_named_right_after_the_mention(text: str, lang: str, side: str) -> None:
    assert one(text, lang).side == side


def test_a_genitive_forces_word_before_a_vehicle_noun_is_the_owner_not_the_actor() -> None:
    """"украинских военных вертолета" is whose helicopters, not who shot them down."""
    text = "Средствами ПВО сбиты два украинских военных вертолета Ми-8 над рекой."
    assert one(text, "ru").side == "UA"


def test_air_defence_a_few_words_after_a_side_word_is_the_actor() -> None:
    text = "Russian air defence forces shot down a Su-25 near the coast."
    assert one(text).side == "UA"


def test_the_actor_of_no_loss_is_the_owner() -> None:
    """Training on, or firing, a weapon is done by its owner; only a loss flips the side."""
    text = "Ukrainian soldiers finished their training on the Leopard 2A6 in Poland."
    assert one(text).side == "UA"


def test_an_iranian_drone_with_no_side_named_is_russian() -> None:
    assert one("Air defence destroyed ten Shahed drones overnight.").side == "RU"


def test_a_named_ship_belongs_to_its_navy_whatever_side_word_precedes_it() -> None:
    text = "The Ukrainian navy said the landing ship Caesar Kunikov sank."
    assert one(text).side == "RU"


# ------------------------------------------------------------------ fate from the context


def test_a_tallys_cue_reaches_every_item_of_its_list() -> None:
    """One cue before a long list: its items are all destroyed, however far the last one
    stands from the cue."""
    text = ("За сутки уничтожены более трёхсот военнослужащих, двенадцать бронемашин, четыре "
            "пикапа, два склада боеприпасов, гаубица Д-20, самоходная установка 2С1 «Гвоздика» "
            "и реактивная система залпового огня «Ураган» у Торецка.")
    fates = {r.catalog_type: r.fate for r in run(text, "ru")}
    assert set(fates.values()) == {"destroyed"}, fates
    assert len(fates) == 3


def test_the_list_stops_at_a_weapon_used() -> None:
    """"from the HIMARS" names what fired, not a further loss of the list."""
    text = ("Air defence shot down a Su-24 bomber, two guided bombs and three rockets fired from "
            "the HIMARS launchers.")
    fates = {r.catalog_type: r.fate for r in run(text)}
    assert fates["Su-24"] == "destroyed"
    assert fates["M142 HIMARS"] == "unknown"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Since spring the army has lost eleven aircraft. Among them: two Su-34 bombers and a "
         "Su-25 attack jet.", "en"),
        ("Навесні армія втратила одинадцять літаків. Серед них – два Су-34 та Су-25.", "uk"),
    ],
)
def test_among_them_takes_the_fate_of_the_sentence_before(text: str, lang: str) -> None:
    fates = {r.catalog_type: r.fate for r in run(text, lang)}
    assert fates == {"Su-34": "destroyed", "Su-25": "destroyed"}


def test_bullet_items_take_the_cue_of_their_lead_in_line() -> None:
    text = ("Berlin announced its next aid package:\n"
            "- four IRIS-T SLM launchers;\n"
            "- ten Leopard 1A5 tanks;\n"
            "- spare parts.")
    recs = run(text)
    doc_fates = {r.catalog_type for r in recs}
    assert doc_fates == {"IRIS-T SLM", "Leopard 1A5"}
    assert all(r.fate == "unknown" for r in recs)  # a delivery is no loss ...
    raw = Doc(text=text, lang="en", source_id="t1")
    for name in ("sentences", "equipment"):
        raw = COMPONENTS[name](raw)
    assert {e["fate_raw"] for e in raw.user["equipment"]} == {"delivered"}  # ... but is kept


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The United States is providing Ukraine with more Bradley fighting vehicles.", "en"),
        ("Україна отримає від партнерів ще дві системи IRIS-T.", "uk"),
        ("США передадут Киеву ещё четыре установки HIMARS.", "ru"),
    ],
)
def test_supply_verbs_mark_a_delivery_not_a_loss(text: str, lang: str) -> None:
    doc = Doc(text=text, lang=lang, source_id="t1")
    for name in ("sentences", "equipment"):
        doc = COMPONENTS[name](doc)
    assert [e["fate_raw"] for e in doc.user["equipment"]] == ["delivered"]
    assert [r.fate for r in doc.records if isinstance(r, EquipmentLoss)] == ["unknown"]


def test_receiving_damage_is_damage_not_a_delivery() -> None:
    assert one("Танк Т-72Б3 отримав пошкодження біля села.", "uk").fate == "damaged"


def test_a_deliverys_number_is_taken_from_its_first_mention() -> None:
    text = ("Washington will send four HIMARS launchers. The package also provides ammunition "
            "for the HIMARS already in Ukraine.")
    assert one(text).count == 4


# ------------------------------------------------------------------ what is an item


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The 47th Separate Mechanized Brigade \"Magura\" held the line near the town.", "en"),
        ("Бійці бригади оперативного призначення «Буревій» тримають оборону в лісі.", "uk"),
        ("Чеченские подразделения «Ахмат» наступают южнее города.", "ru"),
    ],
)
def test_a_quoted_unit_name_is_no_weapon(text: str, lang: str) -> None:
    assert run(text, lang) == []


def test_a_unit_word_does_not_hide_a_weapon_it_destroyed() -> None:
    recs = run("Бригада знищила ворожий «Град» біля річки.", "uk")
    assert [(r.catalog_type, r.fate) for r in recs] == [("BM-21 Grad", "destroyed")]


def test_a_weak_name_counts_beside_a_plural_equipment_noun() -> None:
    assert one("Berlin is sending two more Patriot launchers next month.").catalog_type == (
        "MIM-104 Patriot")


def test_uav_is_a_kind_not_a_model() -> None:
    assert [r.catalog_type for r in run("A ZALA UAV was downed over the river.")] == ["ZALA"]


def test_himars_spelled_out_is_himars() -> None:
    text = "The package adds more High Mobility Artillery Rocket Systems."
    assert one(text).catalog_type == "M142 HIMARS"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Мінус ще один Су-34 на півдні.", "uk"), ("Минус Ка-52 под Работино.", "ru")],
)
def test_minus_is_the_slang_for_one_destroyed(text: str, lang: str) -> None:
    assert one(text, lang).fate == "destroyed"


@pytest.mark.parametrize(
    ("text", "lang", "count"),
    [
        ("Сили ППО збили 17 ударних БпЛА типу «Shahed-136» над півднем.", "uk", 17),
        ("Уничтожены две 152-мм гаубицы «Мста-Б» у Кременной.", "ru", 2),
        ("ВСУ лишились четырёх танков «Леопард» за неделю.", "ru", 4),
    ],
)
def test_a_count_reaches_over_a_calibre_and_an_opening_quote(text: str, lang: str,
                                                             count: int) -> None:
    assert one(text, lang).count == count


def test_a_passive_with_an_adverb_after_a_list_befalls_the_items() -> None:
    """"... were also hit": the items are what was hit, not the doers."""
    text = "A T-72B3 tank, a Msta-B howitzer and two trucks were also hit overnight."
    assert {r.catalog_type: r.fate for r in run(text)} == {"T-72B3": "damaged",
                                                          "2A65 Msta-B": "damaged"}


def test_an_intransitive_fate_verb_has_the_item_as_subject() -> None:
    text = "Crews finished their course on the Challenger 2 and the first British tanks arrived."
    doc = Doc(text=text, lang="en", source_id="t1")
    for name in ("sentences", "equipment"):
        doc = COMPONENTS[name](doc)
    assert [e["fate_raw"] for e in doc.user["equipment"]] == ["delivered"]


def test_losses_in_a_russian_tally_are_destroyed_items() -> None:
    text = "Потери противника составили танк Т-64БВ и две гаубицы Д-30."
    assert {r.fate for r in run(text, "ru")} == {"destroyed"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A T-72B3 abandoned by Russian troops was found near the village.", "en"),
        ("Российские военные бросили танк Т-72Б3 у села.", "ru"),
    ],
)
def test_who_abandons_an_item_owned_it(text: str, lang: str) -> None:
    """Unlike "captured by", "abandoned by" names the owner (issue 9: a tank abandoned by
    Russian troops was booked as Ukrainian)."""
    r = one(text, lang)
    assert (r.fate, r.side) == ("abandoned", "RU")


def test_captured_by_still_names_the_taker() -> None:
    assert one("A T-80BVM was captured by the Ukrainians near the river.").side == "RU"


def test_a_lost_verbs_owner_is_its_subject_not_the_nearest_side_word() -> None:
    text = ("ВСУ за неделю на участке российской группировки «Восток» потеряли шесть танков, "
            "включая Leopard 2A4.")
    assert one(text, "ru").side == "UA"


def test_our_is_the_narrators_side() -> None:
    assert one("Our T-64BV was damaged near the river overnight.").side == "UA"
    text = "The Kiev regime shelled the town again. Our T-72B3 was damaged near the river."
    assert one(text).side == "RU"
