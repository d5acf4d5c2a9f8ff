"""Language packs (``frontlens/extract/lang/<code>/``): loading, required tables, unsupported
languages, and a language added as a folder (Belarusian)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from frontlens.extract import control as control_mod
from frontlens.extract.doc import Doc
from frontlens.extract.lang import UnsupportedLanguage, available, get_pack, has_pack
from frontlens.extract.pipeline import (
    RuleExtractor,
    choose_language,
    pipeline_config,
    run_components,
    run_extract,
)
from frontlens.extract.timex import find_times
from frontlens.model import ControlEvent, Extracted, Source
from frontlens.store.db import Store

FRIDAY = date(2022, 9, 9)
PLACES_COLUMNS = ("name", "name_uk", "name_ru")


def _src(text: str, language: str | None) -> Source:
    return Source(kind="text", origin="test", text=text, language=language)


def _events(records: list[Extracted]) -> set[tuple[str, str, str]]:
    return {(r.place_name, r.action, r.new_controller) for r in records
            if isinstance(r, ControlEvent)}


def test_get_pack_returns_one_frozen_pack_per_code() -> None:
    pack = get_pack("uk")
    assert pack is get_pack("uk")
    assert (pack.code, pack.script, pack.morphology) == ("uk", "cyrillic", "pymorphy3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pack.code = "ru"  # type: ignore[misc]


@pytest.mark.parametrize("code", ["pl", "de", "xx", "", None])
def test_a_language_without_a_folder_has_no_pack(code: str | None) -> None:
    assert not has_pack(code)
    with pytest.raises(UnsupportedLanguage, match="unsupported language"):
        get_pack(code)


def test_every_pipeline_language_has_a_pack_and_every_pack_a_pipeline() -> None:
    assert set(pipeline_config()) == set(available())
    assert {"en", "uk", "ru", "be"} <= set(available())


@pytest.mark.parametrize("code", sorted(available()))
def test_every_pack_has_the_required_tables(code: str) -> None:
    pack = get_pack(code)
    assert pack.script in ("latin", "cyrillic")
    assert pack.morphology in (None, "pymorphy3")
    assert pack.gazetteer_name in PLACES_COLUMNS
    assert pack.syntax in ("dependency", "tokens")
    assert pack.toponyms in ("capitalised", "inflected")
    tx = pack.timex
    assert len(tx["months"]) == 12 and len(tx["weekdays"]) == 7
    for frag in [*tx["months"], *tx["weekdays"]]:
        re.compile(frag, re.IGNORECASE)
    assert tx["relative_days"], "yesterday/today words"
    assert set(tx.get("weekday_modifiers", {})) <= {"last", "next", "this"}
    for name in ("control_relative", "control_determiners", "control_coordination",
                 "control_bearing_of"):
        assert pack.words(name), name
    assert control_mod.patterns(code).exact or control_mod.patterns(code).prefix  # parses
    if pack.toponyms == "capitalised":
        assert pack.words("places_stop") and pack.words("places_region_words")
    else:
        for key in ("region_nouns", "conjunctions", "noun_endings", "nominative_endings"):
            assert pack.setting("places", key), key


def test_a_pack_reads_only_its_own_language_times() -> None:
    assert find_times("Вчора і вчера", FRIDAY, "en") == []
    assert [t.text for t in find_times("вчора yesterday", FRIDAY, "uk")] == ["вчора"]
    # a text without a language is read with every pack's tables
    assert len(find_times("вчора yesterday учора", FRIDAY)) == 3


def test_lemmas_follow_the_pack_morphology() -> None:
    assert get_pack("uk").lemma("звільнили") == "звільнити"
    assert get_pack("en").lemma("captured") == "captur"  # the crude suffix rule
    assert get_pack("be").lemma("Вызвалілі") == "вызвалілі"  # no morphology: lower case


@pytest.mark.parametrize(
    ("text", "declared", "code"),
    [("Siły ukraińskie odbiły w piątek miasto Bałaklija w obwodzie charkowskim.", "pl", "pl"),
     ("Die ukrainischen Streitkräfte haben die Stadt Balaklija zurückerobert.", None, "de"),
     ("Les forces ukrainiennes ont repris la ville de Balakliia vendredi.", None, "fr")],
)
def test_unsupported_language_is_recorded_as_such(text: str, declared: str | None,
                                                  code: str) -> None:
    assert choose_language(_src(text, declared)) == (
        None, "skipped", f"unsupported language {code!r}")


def test_unsupported_language_source_is_stored_as_skipped_without_records(store: Store) -> None:
    pl = _src("Siły ukraińskie odbiły w piątek miasto Bałaklija w obwodzie charkowskim.", "pl")
    en = _src("Ukrainian forces liberated Balakliia on Friday.", "en")
    with store.transaction() as conn:
        store.insert_new(conn, [pl, en])
    report = run_extract(store)
    assert report.by_status == {"skipped": 1, "ok": 1}
    assert report.problems == [f"{pl.id}: skipped: unsupported language 'pl'"]
    [res] = RuleExtractor().extract([pl])
    assert res.records == [] and res.run.language is None


def test_belarusian_liberation_gives_a_control_event() -> None:
    doc = run_components(Doc(text="Узброеныя сілы Украіны вызвалілі Балаклею.", lang="be",
                             published=FRIDAY, source_id="src-be"))
    assert _events(doc.records) == {("Balakliia", "liberated", "UA")}


def test_belarusian_text_is_detected_and_run_through_its_own_pack() -> None:
    text = ("Учора ўкраінскія войскі ўвайшлі ў Ізюм, а расійскія войскі адступілі з "
            "Куп'янска.")
    src = _src(text, None)
    assert choose_language(src) == ("be", "ok", None)
    [res] = RuleExtractor().extract([src])
    assert res.run.language == "be"
    assert _events(res.records) == {("Izium", "entered", "unknown"),
                                    ("Kupiansk", "withdrew", "unknown")}


def test_belarusian_dates_use_the_pack_time_tables() -> None:
    found = {t.text: t.value for t in find_times(
        "10 верасня ЗСУ вызвалілі Балаклею, учора — Куп'янск; у мінулую нядзелю — Ізюм.",
        FRIDAY, "be")}
    assert found == {"10 верасня": date(2022, 9, 10), "учора": date(2022, 9, 8),
                     "у мінулую нядзелю": date(2022, 9, 4)}
