"""Time that tells the truth: where an event's date comes from (text, dateline, publication),
recollections and pre-war dates kept out of the timeline, and what exports say about it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from frontlens.extract.control import claim_status
from frontlens.extract.doc import Doc
from frontlens.extract.pipeline import RuleExtractor, run_components
from frontlens.extract.timex import find_dateline
from frontlens.fuse.dedup import Links, SourceInfo
from frontlens.fuse.events import claim_from_row, fuse_control
from frontlens.fuse.picture import run_fusion
from frontlens.model import ControlEvent, Source
from frontlens.report.export import time_code
from frontlens.store import schema
from frontlens.store.db import Store

FRIDAY = date(2022, 9, 9)


def _events(text: str, published: date | None, lang: str = "en") -> dict[str, ControlEvent]:
    doc = run_components(Doc(text=text, lang=lang, published=published, source_id="src-t"))
    return {f"{r.place_name} {r.action}": r for r in doc.records if isinstance(r, ControlEvent)}


def _when(ev: ControlEvent) -> tuple[Any, ...]:
    return ev.event_date, ev.time_precision, ev.date_source, ev.status


# -- 1. text date vs publication date -----------------------------------------------------------


def test_a_date_written_in_the_sentence_is_the_event_date_from_the_text() -> None:
    ev = _events("Ukrainian forces liberated Balakliia on Thursday.", FRIDAY)[
        "Balakliia liberated"]
    assert _when(ev) == (date(2022, 9, 8), "day", "text", "new")


def test_without_a_text_date_the_publication_date_stands_in_but_is_not_day_precise() -> None:
    ev = _events("Ukrainian forces liberated Balakliia.", FRIDAY)["Balakliia liberated"]
    assert _when(ev) == (FRIDAY, "unknown", "publication", "new")


def test_a_day_named_earlier_in_the_paragraph_dates_the_next_sentences() -> None:
    text = ("Ukrainian forces advanced on Thursday. They liberated Balakliia.\n\n"
            "They also liberated Izium.")
    evs = _events(text, FRIDAY)
    assert _when(evs["Balakliia liberated"]) == (date(2022, 9, 8), "day", "text", "new")
    # a new paragraph does not inherit it
    assert _when(evs["Izium liberated"])[2] == "publication"


def test_an_older_day_earlier_in_the_paragraph_is_not_carried() -> None:
    text = "Russian troops entered the region on 24 February. They captured Balakliia."
    ev = _events(text, FRIDAY)["Balakliia captured"]
    assert _when(ev)[2] == "publication"


def test_a_text_without_any_date_gives_an_undated_event() -> None:
    ev = _events("Ukrainian forces liberated Balakliia.", None)["Balakliia liberated"]
    assert _when(ev) == (None, "unknown", "none", "new")


# -- 2. datelines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "published", "value", "date_text"),
    [("Nov. 11 (UPI) — Ukrainian troops entered Kherson.", "en", date(2022, 11, 12),
      date(2022, 11, 11), "Nov. 11"),
     ("KYIV, Sept 10 (Reuters) — Ukrainian forces advanced.", "en", FRIDAY,
      date(2022, 9, 10), "Sept 10"),
     ("July 28 (UPI) -- The Ukrainian military said...", "en", date(2023, 7, 29),
      date(2023, 7, 28), "July 28"),
     ("KYIV, Ukraine, Sept. 10, 2022 (AP) — Troops advanced.", "en", None,
      date(2022, 9, 10), "Sept. 10, 2022"),
     ("Балаклія звільнена\n10 вересня — ЗСУ звільнили Балаклію.", "uk", FRIDAY,
      date(2022, 9, 10), "10 вересня"),
     ("ХАРЬКОВ, 10 сентября — ВСУ вошли в Балаклею.", "ru", FRIDAY,
      date(2022, 9, 10), "10 сентября")],
)
def test_a_dateline_at_the_start_dates_the_text(text: str, lang: str, published: date | None,
                                                value: date, date_text: str) -> None:
    dl = find_dateline(text, published, lang)
    assert dl is not None and (dl.value, dl.text, dl.kind) == (value, date_text, "dateline")


def test_a_dateline_without_a_year_and_no_publication_date_is_not_resolved() -> None:
    dl = find_dateline("July 28 (UPI) -- The Ukrainian military said...", None, "en")
    assert dl is not None and dl.value is None


@pytest.mark.parametrize("text", ["The city fell on Sept 10 - troops said.",
                                  "Ukrainian forces liberated Balakliia on Sept 10 — a turn."])
def test_a_date_inside_a_sentence_is_no_dateline(text: str) -> None:
    assert find_dateline(text, FRIDAY, "en") is None


def test_a_source_without_publication_date_is_dated_by_its_dateline() -> None:
    src = Source(kind="text", origin="test", language="en",
                 text="KYIV, Sept. 10, 2022 (Reuters) — Ukrainian forces liberated Balakliia.")
    [res] = RuleExtractor().extract([src])
    [ev] = [r for r in res.records if isinstance(r, ControlEvent)]
    assert _when(ev) == (date(2022, 9, 10), "unknown", "dateline", "new")


def test_the_dateline_is_not_the_event_date_of_the_first_sentence() -> None:
    ev = _events("KYIV, Sept 10 (Reuters) — Ukrainian forces liberated Balakliia.",
                 date(2022, 9, 11))["Balakliia liberated"]
    assert _when(ev) == (date(2022, 9, 11), "unknown", "publication", "new")


# -- 3./4. recollections and pre-war dates ------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "precision", "source", "published", "status"),
    [(date(2022, 8, 19), "day", "text", FRIDAY, "new"),  # 21 days back: still news
     (date(2022, 8, 18), "day", "text", FRIDAY, "recalled"),  # 22 days back
     (date(2022, 5, 1), "month", "text", date(2023, 5, 10), "recalled"),  # "in May 2022"
     (date(2022, 9, 1), "month", "text", date(2022, 9, 28), "new"),  # "earlier this month"
     (date(2018, 6, 1), "day", "text", date(2022, 9, 9), "recalled"),  # a caption from 2018
     (date(2013, 12, 1), "day", "text", None, "recalled"),  # before the war, undated text
     (date(2014, 2, 19), "day", "publication", date(2014, 2, 19), "recalled"),
     (date(2014, 2, 20), "day", "publication", date(2014, 2, 20), "new"),
     (FRIDAY, "unknown", "publication", FRIDAY, "new"),
     (None, "unknown", "none", None, "new")],
)
def test_claim_status_keeps_recollections_and_prewar_dates_out(
        when: date | None, precision: Any, source: Any, published: date | None,
        status: str) -> None:
    assert claim_status(when, precision, source, published) == status


def test_a_capture_recalled_in_a_later_report_is_marked_recalled() -> None:
    evs = _events("Russian forces captured Kupiansk in February 2022. On Tuesday Ukrainian "
                  "forces liberated Balakliia.", date(2023, 3, 10))
    assert _when(evs["Kupiansk captured"])[2:] == ("text", "recalled")
    assert _when(evs["Balakliia liberated"]) == (date(2023, 3, 7), "day", "text", "new")


def test_an_event_dated_before_the_war_is_recalled() -> None:
    ev = _events("Russian troops entered Sevastopol in 2013.", date(2023, 3, 10))[
        "Sevastopol entered"]
    assert _when(ev) == (date(2013, 1, 1), "year", "text", "recalled")


# -- 5. fusion and exports ----------------------------------------------------------------------


def _ce(src: Source, place: str, action: str, controller: str, day: str,
        status: str = "new") -> ControlEvent:
    return ControlEvent(source_id=src.id, start=0, end=len(src.text), extractor="test",
                        extractor_version="0", place_name=place, action=action,
                        new_controller=controller, event_date=date.fromisoformat(day),
                        time_precision="day", date_source="text", status=status)


def _src(text: str, outlet: str) -> Source:
    return Source(kind="article", origin="test", text=text, outlet=outlet,
                  published_at=datetime(2022, 9, 9, 12, tzinfo=UTC))


def test_fusion_builds_events_only_from_new_claims() -> None:
    a, b = _src("report a", "A"), _src("report b", "B")
    recs = [_ce(a, "Balakliia", "liberated", "UA", "2022-09-08"),
            _ce(b, "Balakliia", "captured", "RU", "2022-09-08", status="recalled")]
    infos = {s.id: SourceInfo(id=s.id, outlet=s.outlet, published_at=s.published_at)
             for s in (a, b)}
    fused = fuse_control([claim_from_row(r) for r in recs], infos, Links([]))
    assert [(e["action"], e["new_controller"]) for e in fused.events] == [("liberated", "UA")]
    assert fused.contradictions == []


def test_stored_recollections_make_no_timeline_state_or_contradiction(store: Store) -> None:
    a, b = _src("report a", "A"), _src("report b", "B")
    with store.transaction() as conn:
        store.insert_new(conn, [a, b, _ce(a, "Balakliia", "liberated", "UA", "2022-09-08"),
                                _ce(b, "Balakliia", "captured", "RU", "2022-09-08",
                                    status="recalled")])
    run_fusion(store)
    with store.engine.connect() as conn:
        evs = [r.new_controller for r in conn.execute(select(schema.events))]
        states = [r.controller for r in conn.execute(select(schema.control_states))]
        contra = list(conn.execute(select(schema.contradictions)))
    assert evs == ["UA"] and set(states) == {"UA"} and contra == []


def test_acled_codes_a_publication_dated_event_as_a_few_days_not_a_day() -> None:
    assert time_code("unknown", FRIDAY, FRIDAY)[0] == 2
    assert time_code("day", FRIDAY, FRIDAY)[0] == 1


def test_a_day_and_month_without_year_long_before_the_report_is_recalled() -> None:
    evs = _events("The Russians entered Shevchenkove on 25 February, at the start of the "
                  "invasion.", date(2022, 9, 19))
    ev = evs["Shevchenkove entered"]
    assert ev.status == "recalled"
    # the year is the one that puts the day at or before the report, as "on Friday" does
    assert (ev.event_date, ev.time_precision, ev.date_source) == (date(2022, 2, 25), "day",
                                                                  "text")


def test_a_cue_only_claim_takes_the_date_its_sentence_gives() -> None:
    from frontlens.extract import decide as dc
    from frontlens.extract.doc import Doc
    from frontlens.extract.pipeline import run_components

    doc = Doc(text="Ukrainian soldiers repelled attacks near Synkivka over the past day.",
              lang="en", published=date(2023, 10, 23))
    doc.user["decide"] = False
    doc = run_components(doc)
    sents = dc.sentences(doc)
    cand = next(c for c in dc.control_candidates(doc, sents) if c.rule is None)
    ev = dc._event_from(doc, sents[cand.sent], cand, [])
    assert (ev.event_date, ev.time_precision, ev.date_source) == (date(2023, 10, 22), "day",
                                                                  "text")
