"""Confidence: the reliability table is validated, unknown outlets are F, and each input moves
the Admiralty digit the documented way (copies once, concession strong, hedges down)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from frontlens.fuse.confidence import (
    Evidence,
    ReliabilityTable,
    ReliabilityTableError,
    credibility,
    default_table,
    grade,
    score,
)
from frontlens.fuse.picture import run_fusion
from frontlens.model import ControlEvent, Source, Statement
from frontlens.store import schema
from frontlens.store.db import Store

HEADER = "pattern,reliability,category,side,note\n"


def test_bundled_table_loads_and_covers_the_sample_outlets() -> None:
    t = default_table()
    assert t.rows[-1].pattern == "*" and t.rows[-1].letter == "F"
    for outlet in ("frontlens sample (UA desk)", "frontlens sample RU desk",
                   "frontlens sample OSINT", "@frontlens_sample_osint", "frontlens sample",
                   "[SYNTHETIC] frontlens sample — Kharkiv front updates"):
        assert t.lookup(outlet).letter != "F", outlet
    assert t.lookup(None, "https://www.reuters.com/world/x").category == "wire"


def test_unknown_outlet_is_F_cannot_be_judged() -> None:
    t = default_table()
    rel = t.lookup("Some New Telegram Channel")
    assert (rel.letter, rel.category) == ("F", "unknown")
    assert t.lookup(None).letter == "F"
    g, letter, *_ = grade(Evidence(letters=[rel.letter]))
    assert letter == "F" and g == "F3"


def test_unknown_outlet_in_a_fused_event_grades_F(store: Store) -> None:
    s = Source(kind="text", origin="t", text="Troops liberated Hrakove.", outlet="@brand_new_chan",
               published_at=datetime(2022, 9, 9, tzinfo=UTC))
    with store.transaction() as conn:
        store.insert_new(conn, [s, ControlEvent(
            source_id=s.id, start=0, end=5, extractor="t", extractor_version="0",
            place_name="Hrakove", action="liberated", new_controller="UA",
            event_date=datetime(2022, 9, 9).date(), time_precision="day")])
    run_fusion(store)
    with store.engine.connect() as conn:
        (g,) = conn.execute(select(schema.events.c.grade)).scalars()
    assert g == "F3"


def test_first_matching_row_wins_and_globs_are_case_insensitive() -> None:
    t = ReliabilityTable.parse(HEADER + "reuters*,B,wire,unknown,\nreu*,E,media,unknown,\n"
                               "*,F,unknown,unknown,default\n")
    assert t.lookup("REUTERS Ukraine").letter == "B"
    assert t.lookup("Reuben's blog").letter == "E"
    assert t.lookup("other").letter == "F"


@pytest.mark.parametrize(("row", "message"), [
    ("Reuters,G,wire,unknown,typo", r"line 3: row 'Reuters,G,wire,unknown,typo': reliability"),
    ("Reuters,B,wires,unknown,typo", r"line 3: row 'Reuters,B,wires.*unknown category 'wires'"),
    ("Reuters,B,wire,UKR,typo", r"line 3: .*unknown side 'UKR'"),
    ("Reuters,B,wire", r"line 3: .*3 cells, expected 5"),
    ("*,B,unknown,unknown,too generous", r"line 3: .*catch-all '\*' must be F"),
    (",B,wire,unknown,", r"line 3: .*empty pattern"),
])
def test_bad_table_is_a_clear_error_naming_the_row(tmp_path: Path, row: str, message: str
                                                   ) -> None:
    path = tmp_path / "rel.csv"
    path.write_text("# comment\n" + HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(ReliabilityTableError, match=message) as exc:
        ReliabilityTable.load(path)
    assert str(path) in str(exc.value)


def test_bad_header_is_an_error() -> None:
    with pytest.raises(ReliabilityTableError, match="header"):
        ReliabilityTable.parse("outlet,letter\nx,A\n")


def test_independent_corroboration_raises_credibility_and_copies_do_not() -> None:
    one = credibility(Evidence(letters=["C"]))[0]
    two = credibility(Evidence(letters=["C", "C"]))[0]
    assert (one, two) == (3, 2)
    # copies are collapsed before grading: one group, however many mentions
    assert credibility(Evidence(letters=["C"], n_mentions=9))[0] == one


def test_concession_by_the_losing_side_counts_strongly() -> None:
    base = Evidence(letters=["C", "D"])
    conceded = Evidence(letters=["C", "D"], concession=True)
    both = Evidence(letters=["C", "D"], both_sides=True)
    assert credibility(base)[0] == 2
    assert credibility(both)[0] == 1 and credibility(conceded)[0] == 1
    assert score(conceded) > score(both) > score(base)
    # a single group cannot be "confirmed", even when it concedes
    assert credibility(Evidence(letters=["D"], concession=True))[0] == 2


def test_hedges_lower_credibility_and_score() -> None:
    plain = Evidence(letters=["B"])
    half = Evidence(letters=["B"], hedged_share=0.5)
    all_hedged = Evidence(letters=["B"], hedged_share=1.0)
    assert [credibility(e)[0] for e in (plain, half, all_hedged)] == [3, 4, 4]
    assert score(plain) > score(half) > score(all_hedged)


def test_photo_and_contradiction() -> None:
    assert credibility(Evidence(letters=["C"], photo=True))[0] == 2
    assert credibility(Evidence(letters=["B"], contra_letters=["D"]))[0] == 4
    assert credibility(Evidence(letters=["D"], contra_letters=["B"]))[0] == 5
    assert score(Evidence(letters=["B"], contra_letters=["D"])) < score(Evidence(letters=["B"]))


def test_no_date_or_place_cannot_be_judged() -> None:
    assert grade(Evidence(letters=["A"], dated=False))[0] == "unknown"
    assert grade(Evidence(letters=["A"], placed=False))[2] == 6


def _stored(store: Store, records: list) -> None:  # type: ignore[type-arg]
    with store.transaction() as conn:
        store.insert_new(conn, records)


def test_concession_in_stored_records_raises_the_grade(store: Store) -> None:
    """A Russian official admitting the withdrawal (against interest) upgrades the event."""
    when = datetime(2022, 9, 10, 12, tzinfo=UTC)
    ua = Source(kind="text", origin="t", text="Ukrainian troops liberated Izium.", outlet="BBC",
                published_at=when)
    ua2 = Source(kind="text", origin="t", text="Izium is free again.", outlet="Al Jazeera",
                 published_at=when)
    ru = Source(kind="text", origin="t", text="Our troops regrouped from Izium, the MoD said.",
                outlet="Ministry of Defence of Russia", published_at=when)
    prov = dict(start=0, end=10, extractor="t", extractor_version="0")
    day = when.date()

    def lib(s: Source, **kw: object) -> ControlEvent:
        return ControlEvent(source_id=s.id, place_name="Izium", action="liberated",
                            new_controller="UA", event_date=day, time_precision="day",
                            **prov, **kw)  # type: ignore[arg-type]

    _stored(store, [ua, ua2, lib(ua), lib(ua2)])
    run_fusion(store)
    with store.engine.connect() as conn:
        before = conn.execute(select(schema.events.c.credibility)).scalar_one()
    _stored(store, [ru, Statement(source_id=ru.id, quote="Our troops regrouped", side="RU",
                                  against_interest=True, **prov)])  # type: ignore[arg-type]
    _stored(store, [lib(ru, claimed_by="RU")])
    run_fusion(store)
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.events).where(schema.events.c.kind == "control")).one()
    assert before == 2 and row.credibility == 1 and row.concession


def test_a_claim_the_extractor_doubts_is_graded_less_credible() -> None:
    sure = Evidence(letters=["B"], extraction_confidence=0.9)
    unsure = Evidence(letters=["B"], extraction_confidence=0.3)
    assert credibility(unsure)[0] == credibility(sure)[0] + 1
    assert any("unsure" in r for r in credibility(unsure)[1])
    assert score(unsure) < score(sure)


def test_a_source_reporting_both_outcomes_is_no_concession(store: Store) -> None:
    """A Russian report read as "liberated by UA" and "captured by RU" for one village the same
    day contradicts itself (a misread actor), so it cannot be the losing side conceding."""
    when = datetime(2024, 5, 11, 9, tzinfo=UTC)
    ru = Source(kind="text", origin="t", text="Units advanced and took Hatyshche. Hatyshche "
                "was captured.", outlet="Ministry of Defence of Russia", published_at=when)
    prov = dict(start=0, end=10, extractor="t", extractor_version="0")

    def claim(action: str, side: str) -> ControlEvent:
        return ControlEvent(source_id=ru.id, place_name="Hatyshche", action=action,
                            new_controller=side, event_date=when.date(), time_precision="day",
                            **prov)  # type: ignore[arg-type]

    _stored(store, [ru, claim("liberated", "UA"), claim("captured", "RU")])
    run_fusion(store)
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.events.c.new_controller, schema.events.c.concession)
                            .where(schema.events.c.kind == "control")).all()
    assert sorted(rows) == [("RU", False), ("UA", False)]
