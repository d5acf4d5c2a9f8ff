"""Fusion: the right mentions become one event, copies count once, contradictions are paired,
the as-of picture follows the dates, and the run is idempotent on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.fuse.confidence import ReliabilityTable
from frontlens.fuse.dedup import Links, SourceInfo, find_duplicates
from frontlens.fuse.events import claim_from_row, fuse_control, side_after, window
from frontlens.fuse.incremental import source_info
from frontlens.fuse.picture import explain, list_contradictions, picture, run_fusion
from frontlens.model import (
    AreaClaim,
    ControlEvent,
    EquipmentLoss,
    Record,
    Source,
)
from frontlens.store import schema, spatial
from frontlens.store.db import TABLES, Store

FUSION_TABLES = ("events", "event_evidence", "contradictions", "source_duplicates",
                 "control_states")


def src(text: str, outlet: str, when: str = "2022-09-09T12:00:00+00:00", **kw: Any) -> Source:
    return Source(kind=kw.pop("kind", "article"), origin="test", text=text, outlet=outlet,
                  published_at=datetime.fromisoformat(when), **kw)


def ce(s: Source, place: str, action: str, controller: str = "unknown", day: str | None = None,
       precision: str = "day", **kw: Any) -> ControlEvent:
    return ControlEvent(source_id=s.id, start=0, end=len(s.text), extractor="test",
                        extractor_version="0", place_name=place, place_id=kw.pop("place_id", None),
                        action=action, new_controller=controller,
                        event_date=date.fromisoformat(day) if day else None,
                        time_precision=precision if day else "unknown", **kw)


def store_all(store: Store, records: list[Record]) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, records)


def events(store: Store, **where: Any) -> list[dict[str, Any]]:
    t = schema.events
    q = select(t).where(*[t.c[k] == v for k, v in where.items()])
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(t.c.first_date, t.c.id))]


def evidence(store: Store, event_id: str) -> list[dict[str, Any]]:
    t = schema.event_evidence
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).where(t.c.event_id == event_id))]


def in_memory(records: list[ControlEvent], sources: list[Source]) -> list[dict[str, Any]]:
    infos = {s.id: SourceInfo(id=s.id, outlet=s.outlet, published_at=s.published_at)
             for s in sources}
    return fuse_control([claim_from_row(r) for r in records], infos, Links([])).events


# -- grouping -----------------------------------------------------------------------------------


def test_same_place_compatible_action_and_overlapping_days_make_one_event() -> None:
    a, b, c, d = (src(f"report {i}", f"outlet {i}") for i in "abcd")
    recs = [
        ce(a, "Balakliia", "liberated", "UA", "2022-09-08"),
        ce(b, "balakliia", "liberated", "UA", "2022-09-09"),  # name normalised, next day
        ce(c, "Balakliia", "held", "UA", "2022-09-10"),  # same family (UA holds) chains on
        ce(d, "Balakliia", "liberated", "UA", "2022-10-20"),  # weeks later: another event
        ce(a, "Izium", "liberated", "UA", "2022-09-08"),  # another place
        ce(b, "Balakliia", "shelled", day="2022-09-08"),  # activity is not a control change
    ]
    evs = in_memory(recs, [a, b, c, d])
    sizes = sorted((e["place_name"].lower(), e["action"], e["n_mentions"]) for e in evs)
    assert sizes == [("balakliia", "liberated", 1), ("balakliia", "liberated", 3),
                     ("balakliia", "shelled", 1), ("izium", "liberated", 1)]


def test_time_windows_follow_precision() -> None:
    d = date(2022, 9, 14)
    assert window(d, "day") == (d.toordinal(), d.toordinal())
    assert window(d, "week") == (d.toordinal() - 3, d.toordinal() + 3)
    assert window(d, "month") == (date(2022, 9, 1).toordinal(), date(2022, 9, 30).toordinal())
    assert window(d, "year") == (date(2022, 1, 1).toordinal(), date(2022, 12, 31).toordinal())
    a, b, c = (src(f"r{i}", f"o{i}") for i in "abc")
    recs = [
        ce(a, "Lyman", "liberated", "UA", "2022-10-01"),
        ce(b, "Lyman", "liberated", "UA", "2022-10-15", precision="month"),  # joins the day event
        ce(c, "Lyman", "liberated", "UA", "2022-11-15", precision="month"),  # no day event there
    ]
    evs = in_memory(recs, [a, b, c])
    assert sorted(e["n_mentions"] for e in evs) == [1, 2]
    joined = next(e for e in evs if e["n_mentions"] == 2)
    assert joined["time_precision"] == "day"
    assert joined["explanation"]["window"] == ["2022-10-01", "2022-10-01"]  # month did not widen


def test_withdrawal_side_is_read_from_the_cited_sentence() -> None:
    assert side_after("withdrew", "Russian troops withdrew from Izium.") == "UA"
    assert side_after("entered", "Ukrainian forces entered Balakliia.") == "UA"
    assert side_after("withdrew", "Troops withdrew from the town.") == "unknown"
    assert side_after("withdrew", "Russian troops withdrew as Ukrainian units advanced") \
        == "unknown"


# -- copies -------------------------------------------------------------------------------------

TEXT = ("Ukrainian forces liberated Balakliia on Thursday after six months of occupation, the "
        "regional governor said, adding that demining teams had entered the town centre.")


def test_forwards_and_rewrites_count_once_but_stay_linked(store: Store) -> None:
    orig = src(TEXT, "Front Channel", "2022-09-08T10:00:00+00:00", kind="telegram")
    fwd = src(TEXT + " ", "Other Channel", "2022-09-08T11:00:00+00:00", kind="telegram",
              forwarded_from="Front Channel")
    rewrite = src(TEXT.replace("on Thursday", "on Thursday morning"), "Copy Site",
                  "2022-09-08T12:00:00+00:00")
    indep = src("Balakliia is back under Ukrainian control, officials confirmed.", "Reuters",
                "2022-09-08T13:00:00+00:00")
    srcs = [orig, fwd, rewrite, indep]
    store_all(store, [*srcs, *(ce(s, "Balakliia", "liberated", "UA", "2022-09-08") for s in srcs)])
    report = run_fusion(store)
    assert report.duplicates == {"forward": 1, "minhash": 1}
    (ev,) = events(store, kind="control")
    assert ev["n_mentions"] == 4 and ev["n_sources_independent"] == 2
    ev_rows = {x["source_id"]: x for x in evidence(store, ev["id"])}
    assert ev_rows[fwd.id]["duplicate_of"] == orig.id
    assert ev_rows[rewrite.id]["duplicate_of"] == orig.id
    assert ev_rows[orig.id]["duplicate_of"] is None and ev_rows[indep.id]["duplicate_of"] is None
    text = explain(store, ev["id"][:12])
    assert "counted once with" in text and "Reuters" in text and TEXT[:40] in text


def test_forward_of_an_unstored_post_still_counts_once() -> None:
    a = SourceInfo(id="a", kind="telegram", outlet="A", forwarded_from="Origin", text="one two")
    b = SourceInfo(id="b", kind="telegram", outlet="B", forwarded_from="origin", text="x y z")
    links = Links(find_duplicates([a, b]))
    assert links.root("a") == links.root("b") == "outlet:origin"


def test_article_quoting_a_tweet_is_a_copy() -> None:
    tweet = SourceInfo(id="t", kind="tweet", external_id="1568268537427800065", text="tanks",
                       published_at=datetime(2022, 9, 9, tzinfo=UTC))
    art = SourceInfo(id="art", kind="article", text="As shown in https://twitter.com/acc/status/"
                     "1568268537427800065 the column was hit near Kupiansk yesterday evening.",
                     published_at=datetime(2022, 9, 10, tzinfo=UTC))
    (d,) = find_duplicates([art, tweet])
    assert (d.source_id, d.canonical_id, d.method) == ("art", "t", "quote")


def test_cross_language_copy_found_by_shared_facts() -> None:
    t0 = datetime(2022, 9, 9, 8, tzinfo=UTC)
    facts = {"p:bal", "a:bal:liberated", "d:2022-09-08", "e:t 72b3:captured",
             "e:bmp 2:destroyed", "s:zelensky"}
    en = SourceInfo(id="en", language="en", published_at=t0, text="English report")
    uk = SourceInfo(id="uk", language="uk", published_at=t0 + timedelta(hours=3), text="Звіт")
    far = SourceInfo(id="far", language="ru", published_at=t0 + timedelta(days=5), text="Отчёт")
    common = {"p:bal", "a:bal:liberated", "d:2022-09-08"}  # only what any report would share
    other = SourceInfo(id="other", language="ru", published_at=t0, text="Другой")
    dups = find_duplicates([en, uk, far, other],
                           {"en": facts, "uk": set(facts), "far": set(facts),
                            "other": common | {"s:someone"}})
    assert [(d.source_id, d.canonical_id, d.method) for d in dups] == [
        ("uk", "en", "translation")]


# -- contradictions -----------------------------------------------------------------------------


def test_liberated_vs_still_held_is_a_denial_pair_with_both_citations(store: Store) -> None:
    ua = src("Ukrainian forces liberated Kupiansk, the General Staff said.", "ukrinform")
    ru = src("Kupiansk remains under the control of Russian troops, the official said.", "TASS")
    store_all(store, [ua, ru, ce(ua, "Kupiansk", "liberated", "UA", "2022-09-12"),
                      ce(ru, "Kupiansk", "held", "RU", "2022-09-12", claimed_by="RU")])
    run_fusion(store)
    (c,) = list_contradictions(store)
    assert c["kind"] == "denial"
    assert {c["a_quote"], c["b_quote"]} == {ua.text, ru.text}
    assert all(e["contradicted"] for e in events(store, kind="control"))


def test_different_area_figures_for_the_same_day_contradict(store: Store) -> None:
    a = src("Ukraine says it retook about 3,000 square kilometres.", "A")
    b = src("Officials said more than 6,000 square kilometres were retaken.", "B")
    c = src("Later: more than 8,000 square kilometres.", "C", "2022-09-14T12:00:00+00:00")

    def area(s: Source, v: float, q: str) -> AreaClaim:
        return AreaClaim(source_id=s.id, start=0, end=len(s.text), extractor="t",
                         extractor_version="0", value_km2=v, raw_value=v, raw_unit="km2",
                         qualifier=q)  # type: ignore[arg-type]

    store_all(store, [a, b, c, area(a, 3000, "about"), area(b, 6000, "more_than"),
                      area(c, 8000, "more_than")])
    report = run_fusion(store)
    assert report.contradictions == {"area_figures": 1}
    (row,) = list_contradictions(store)
    assert {row["a_source_id"], row["b_source_id"]} == {a.id, b.id}


# -- picture ------------------------------------------------------------------------------------


def test_picture_as_of_respects_dates(store: Store) -> None:
    a = src("Russian forces captured Kherson.", "Reuters", "2022-03-02T12:00:00+00:00")
    b = src("Kherson was liberated by Ukrainian forces.", "BBC", "2022-11-11T12:00:00+00:00")
    c = src("Kherson liberated, crowds in the square.", "AFP", "2022-11-11T15:00:00+00:00")
    store_all(store, [a, b, c,
                      ce(a, "Kherson", "captured", "RU", "2022-03-02", place_id="gn:706448"),
                      ce(b, "Kherson", "liberated", "UA", "2022-11-11", place_id="gn:706448"),
                      ce(c, "Kherson", "liberated", "UA", "2022-11-11", place_id="gn:706448")])
    run_fusion(store)
    assert picture(store, date(2022, 2, 1)) == []
    (p,) = picture(store, date(2022, 6, 1))
    assert (p["place"], p["controller"], p["since"]) == ("Kherson", "RU", date(2022, 3, 2))
    assert p["grade"].startswith("B") and p["sources"] == [a.id]
    (p,) = picture(store, date(2022, 11, 11))
    assert (p["controller"], p["since"]) == ("UA", date(2022, 11, 11))
    assert set(p["sources"]) == {b.id, c.id}
    assert set(p) >= {"place", "place_id", "lat", "lon", "controller", "since", "grade", "sources"}


def test_missing_dates_and_places_are_kept_and_graded_unknown(store: Store) -> None:
    s = Source(kind="text", origin="t", text="Troops liberated the village.", outlet="Reuters")
    t = src("Ukrainian forces liberated Hrakove.", "BBC")
    store_all(store, [s, t, ce(s, "Hrakove", "liberated", "UA", None),
                      ce(t, "", "liberated", "UA", "2022-09-09")])
    run_fusion(store)
    evs = events(store, kind="control")
    assert len(evs) == 2 and {e["grade"] for e in evs} == {"unknown"}
    assert {e["credibility"] for e in evs} == {6}
    assert picture(store, date(2022, 9, 10)) == []


def test_time_zones_are_normalised_to_utc(store: Store) -> None:
    kyiv = timezone(timedelta(hours=3))
    a = Source(kind="text", origin="t", text="T-72B3 captured near Izium.", outlet="A",
               published_at=datetime(2022, 9, 9, 1, 30, tzinfo=kyiv))  # 2022-09-08 22:30 UTC
    b = Source(kind="text", origin="t", text="A T-72B3 was captured by UA troops.", outlet="B",
               published_at=datetime(2022, 9, 8, 18, 0, tzinfo=timezone(timedelta(hours=-5))))
    loss = dict(start=0, end=5, extractor="t", extractor_version="0", model_text="T-72B3",
                catalog_type="T-72B3", fate="captured", side="RU")
    store_all(store, [a, b, EquipmentLoss(source_id=a.id, **loss),
                      EquipmentLoss(source_id=b.id, **loss)])  # type: ignore[arg-type]
    run_fusion(store)
    (ev,) = events(store, kind="equipment")
    assert ev["first_date"] == date(2022, 9, 8) and ev["last_date"] == date(2022, 9, 8)
    assert ev["n_sources_independent"] == 2 and ev["new_controller"] == "UA"


def test_same_photo_link_fuses_equipment_across_days(store: Store) -> None:
    url = "https://example.org/p/tunguska.jpg"
    a = src("2S6M abandoned", "A", "2022-09-09T12:00:00+00:00")
    b = src("Tunguska left behind", "B", "2022-09-20T12:00:00+00:00")
    loss = dict(start=0, end=5, extractor="t", extractor_version="0", fate="abandoned",
                evidence_urls=[url], catalog_type="2S6M Tunguska")
    store_all(store, [a, b, EquipmentLoss(source_id=a.id, model_text="2S6M", **loss),
                      EquipmentLoss(source_id=b.id, model_text="Tunguska", **loss)])
    run_fusion(store)
    (ev,) = events(store, kind="equipment")
    assert ev["n_mentions"] == 2 and ev["photo"]


def test_a_tally_link_shared_by_different_types_does_not_fuse_them(store: Store) -> None:
    url = "https://example.org/p/tally.jpg"
    a = src("T-72B3 captured", "A", "2022-09-09T12:00:00+00:00")
    b = src("BMP-2 captured", "B", "2022-09-20T12:00:00+00:00")
    loss = dict(start=0, end=5, extractor="t", extractor_version="0", fate="captured",
                evidence_urls=[url])
    store_all(store, [a, b,
                      EquipmentLoss(source_id=a.id, model_text="T-72B3", catalog_type="T-72B3",
                                    **loss),
                      EquipmentLoss(source_id=b.id, model_text="BMP-2", catalog_type="BMP-2",
                                    **loss)])
    run_fusion(store)
    assert len(events(store, kind="equipment")) == 2


# -- the run ------------------------------------------------------------------------------------


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with store.engine.connect() as conn:
        for t in TABLES.values():
            if t.name in FUSION_TABLES:
                out[t.name] = sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
    return out


def test_run_fusion_is_idempotent(store: Store) -> None:
    a = src("Ukrainian forces liberated Izium.", "Reuters")
    b = src("Izium remains ours, the Russian MoD said.", "TASS")
    store_all(store, [a, b, ce(a, "Izium", "liberated", "UA", "2022-09-10"),
                      ce(b, "Izium", "held", "RU", "2022-09-10", claimed_by="RU")])
    run_fusion(store)
    first = _dump(store)
    run_fusion(store)
    assert _dump(store) == first and first["events"] and first["control_states"]


def test_migrations_match_the_tables(store: Store) -> None:
    with store.engine.connect() as conn:
        # PostGIS's geometry columns live outside the metadata (store/spatial.py)
        ctx = MigrationContext.configure(conn, opts={"compare_type": False,
                                                     "include_object": spatial.include_object})
        diff = compare_metadata(ctx, schema.metadata)
    assert [d for d in diff if any(n in repr(d) for n in FUSION_TABLES)] == []


def test_cli_fuse_picture_explain_contradictions(sqlite_url: str) -> None:
    with Store(sqlite_url) as st:
        a = src("Ukrainian forces liberated Izium.", "Reuters")
        b = src("Izium remains under Russian control, officials said.", "TASS")
        store_all(st, [a, b, ce(a, "Izium", "liberated", "UA", "2022-09-10"),
                       ce(b, "Izium", "held", "RU", "2022-09-10", claimed_by="RU")])
    run = CliRunner().invoke
    res = run(app, ["--db", sqlite_url, "fuse"])
    assert res.exit_code == 0, res.output
    assert "events" in res.output
    res = run(app, ["--db", sqlite_url, "picture", "--as-of", "2022-09-11", "--json"])
    assert res.exit_code == 0 and '"controller": "UA"' in res.output
    res = run(app, ["--db", sqlite_url, "contradictions", "--json"])
    assert res.exit_code == 0 and '"kind": "denial"' in res.output
    with Store(sqlite_url) as st:
        ev_id = events(st, kind="control")[0]["id"]
    res = run(app, ["--db", sqlite_url, "explain", ev_id])
    assert res.exit_code == 0 and "Grade" in res.output
    assert run(app, ["--db", sqlite_url, "explain", "ev-nope"]).exit_code == 2
    assert run(app, ["--db", sqlite_url, "picture", "--as-of", "yesterday"]).exit_code == 2


def test_near_duplicate_pairs_do_not_depend_on_the_process_hash_seed() -> None:
    import os
    import subprocess
    import sys

    prog = (
        "import random\n"
        "from frontlens.fuse.dedup import SourceInfo, find_duplicates\n"
        "rnd = random.Random(3)\n"
        "words = [f'w{i}' for i in range(60)]\n"
        "base = [' '.join(rnd.choice(words) for _ in range(40)) for _ in range(30)]\n"
        "texts = [b if k % 2 else b.replace(b.split()[k % 7], 'x', 1) for k, b in "
        "enumerate(base * 2)]\n"
        "infos = [SourceInfo(id=f's{k:03d}', text=t) for k, t in enumerate(texts)]\n"
        "print(sorted((d.source_id, d.canonical_id, d.method, d.similarity)\n"
        "             for d in find_duplicates(infos)))\n"
    )
    outs = {subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1 and outs.pop().startswith("[(")


def test_under_control_with_no_holder_named_is_held_by_the_side_that_says_it(
        store: Store) -> None:
    """The holder of "the situation in X is under control" is the voice of who says it: the
    outlet's side, or, for a Telegram forward, the forwarded channel's side."""
    ua = src("Ukrainian forces liberated Balakliia, the General Staff said.", "ukrinform")
    ru = src("Ситуация в Балаклее под контролем.", "Ministry of Defence of Russia",
             kind="telegram")
    held = ce(ru, "Balakliia", "held", "unknown", "2022-09-12")
    store_all(store, [ua, ru, ce(ua, "Balakliia", "liberated", "UA", "2022-09-12"), held])
    run_fusion(store)
    (c,) = list_contradictions(store)
    assert c["kind"] == "denial" and held.id in (c["a_record_id"], c["b_record_id"])
    # an outlet of no known side names no holder: its claim contradicts nothing
    other = src("Ситуация в Балаклее под контролем.", "some blog", kind="telegram")
    infos = {s.id: SourceInfo(id=s.id, outlet=s.outlet, published_at=s.published_at)
             for s in (ua, other)}
    fused = fuse_control([claim_from_row(ce(ua, "Balakliia", "liberated", "UA", "2022-09-12")),
                          claim_from_row(ce(other, "Balakliia", "held", "unknown",
                                            "2022-09-12"))], infos, Links([]))
    assert not fused.contradictions


def test_a_forward_speaks_with_the_voice_of_the_channel_it_forwards() -> None:
    table = ReliabilityTable.load()
    row = SimpleNamespace(id="f", kind="telegram", outlet="ukrinform", url=None,
                          external_id=None, published_at=None, language="ru",
                          content_hash="h", forwarded_from="Ministry of Defence of Russia",
                          media=None, text="Ситуация под контролем.", media_dhash=None)
    info = source_info(row, table)
    assert info.side == "RU" and info.letter == table.lookup("ukrinform").letter
    row.forwarded_from = "some blog"  # a channel of no known side leaves the outlet's
    assert source_info(row, table).side == "UA"
