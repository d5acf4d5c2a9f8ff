"""Reports: ledgers count each item once and cite it, the brief cites and escapes, exports are
valid GeoJSON / ACLED CSV / JSON Lines, and the CLI commands exit with the documented codes.

Runs on SQLite and PostgreSQL (the ``store`` fixture); no network.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import update as sa_update
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.fuse.picture import run_fusion
from frontlens.model import ControlEvent, EquipmentLoss, Mention, Record, Source, Statement
from frontlens.report.brief import build_brief, render_html, render_markdown
from frontlens.report.export import (
    ACLED_COLUMNS,
    PROVENANCE_COLUMNS,
    sheet_safe,
    write_acled,
    write_geojson,
    write_jsonl,
    write_ledger,
)
from frontlens.report.ledgers import claims_ledger, equipment_items, equipment_ledger
from frontlens.store import schema
from frontlens.store.db import TABLES, Store

BALAKLIIA = "geonames:712926"  # lat 49.447355, lon 36.836338 in the bundled gazetteer
KUPIANSK = "geonames:703656"
KHARKIV_OBLAST = "wof:85688873"
SCRIPT = "<script>alert('x')</script>"
runner = CliRunner()


def src(text: str, outlet: str, when: str = "2022-09-09T12:00:00+00:00", **kw: Any) -> Source:
    return Source(kind=kw.pop("kind", "article"), origin="test", text=text, outlet=outlet,
                  published_at=datetime.fromisoformat(when), **kw)


def prov(s: Source, start: int = 0, end: int | None = None) -> dict[str, Any]:
    return {"source_id": s.id, "start": start, "end": len(s.text) if end is None else end,
            "extractor": "test", "extractor_version": "0"}


def ce(s: Source, place: str, action: str, controller: str = "unknown",
       day: str | None = None, precision: str = "day", **kw: Any) -> ControlEvent:
    return ControlEvent(**prov(s), place_name=place, place_id=kw.pop("place_id", None),
                        action=action, new_controller=controller,
                        event_date=date.fromisoformat(day) if day else None,
                        time_precision=precision if day else "unknown", **kw)


def eq(s: Source, catalog: str, category: str, fate: str, side: str = "RU", count: int = 1,
       **kw: Any) -> EquipmentLoss:
    return EquipmentLoss(**prov(s), catalog_type=catalog, model_text=catalog, category=category,
                         fate=fate, side=side, count=count, **kw)


def store_all(store: Store, records: list[Record]) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, records)


# -- a small world ------------------------------------------------------------------------------


def equipment_world(store: Store) -> None:
    """Desk A reports a captured T-72B3 and two destroyed BMP-2; channel B forwards desk A's
    post verbatim; C reports another T-72B3, destroyed, days later; D a UA MT-LB abandoned."""
    text = "Captured T-72B3 and two destroyed BMP-2 near Balakliia."
    a = src(text, "desk a", "2022-09-08T10:00:00+00:00", kind="telegram", external_id="a/1")
    b = src(text, "channel b", "2022-09-08T11:00:00+00:00", kind="telegram", external_id="b/7",
            forwarded_from="desk a")
    c = src("A T-72B3 destroyed near Kupiansk.", "outlet c", "2022-09-12T09:00:00+00:00")
    d = src("Ukrainian MT-LB abandoned near Izium.", "outlet d", "2022-09-13T09:00:00+00:00")
    store_all(store, [
        a, b, c, d,
        eq(a, "T-72B3", "tank", "captured"), eq(a, "BMP-2", "IFV", "destroyed", count=2),
        eq(b, "T-72B3", "tank", "captured"), eq(b, "BMP-2", "IFV", "destroyed", count=2),
        eq(c, "T-72B3", "tank", "destroyed", evidence_urls=["https://example.org/p/1.jpg"]),
        eq(d, "MT-LB", "APC", "abandoned", side="UA"),
    ])


def brief_world(store: Store) -> dict[str, Source]:
    """Two independent UA-side reports that Balakliia was liberated (one carries a script tag
    and a javascript: link), a Russian denial the same day, a Kupiansk advance, a region-level
    claim, a month-precise one and an against-interest statement."""
    a = src(f"Ukrainian forces liberated Balakliia. {SCRIPT}", "desk <b>a</b>",
            url="https://example.org/a?x=1&y=(2)")
    b = src("Balakliia was liberated by Ukrainian troops on Friday.", "outlet b",
            url="javascript:alert(1)")
    r = src("Russian forces captured Balakliia, the administration says.", "ru outlet")
    k = src("Ukrainian units advanced toward Kupiansk.", "outlet k", "2022-09-10T08:00:00+00:00")
    o = src("Several settlements in Kharkiv Oblast were liberated.", "outlet o")
    m = src("In September Ukraine liberated Kupiansk.", "outlet m", "2022-09-20T08:00:00+00:00")
    st = src(f'The Russian ministry said: "Our troops regrouped from Balakliia." {SCRIPT}',
             "wire w", url="https://example.org/w")
    store_all(store, [
        a, b, r, k, o, m, st,
        ce(a, "Balakliia", "liberated", "UA", "2022-09-09", place_id=BALAKLIIA),
        ce(b, "Balakliia", "liberated", "UA", "2022-09-09", place_id=BALAKLIIA),
        ce(r, "Balakliia", "captured", "RU", "2022-09-09", place_id=BALAKLIIA),
        ce(k, "Kupiansk", "advanced_toward", "unknown", "2022-09-10", place_id=KUPIANSK),
        ce(o, "Kharkiv Oblast", "liberated", "UA", "2022-09-09", place_id=KHARKIV_OBLAST),
        ce(m, "Kupiansk", "liberated", "UA", "2022-09-15", "month", place_id=KUPIANSK),
        Statement(**prov(st), speaker="Russian ministry", side="RU", cue="said",
                  quote=f"Our troops regrouped from Balakliia. {SCRIPT}", direct=True,
                  against_interest=True),
        Statement(**prov(a, 0, 38), speaker="Ukrainian forces", side="UA", cue="said",
                  quote="liberated Balakliia", direct=False),
    ])
    return {"a": a, "b": b, "r": r, "k": k, "o": o, "m": m, "st": st}


# -- ledgers ------------------------------------------------------------------------------------


def _by_type(rows: list[Any]) -> dict[tuple[str, str], Any]:
    return {(r.side, r.type): r for r in rows}


def test_equipment_ledger_counts_by_fate_and_a_forwarded_copy_only_once(store: Store) -> None:
    equipment_world(store)
    for fused in (False, True):  # raw records first, then through fused equipment events
        if fused:
            run_fusion(store)
        rows = _by_type(equipment_ledger(store))
        t72 = rows[("RU", "T-72B3")]
        assert (t72.captured, t72.destroyed, t72.total) == (1, 1, 2), fused
        bmp = rows[("RU", "BMP-2")]
        assert (bmp.destroyed, bmp.total, bmp.category) == (2, 2, "IFV"), fused
        assert rows[("UA", "MT-LB")].abandoned == 1
        assert len(t72.source_ids) == 3  # the forward is cited, not counted
        assert "https://example.org/p/1.jpg" in t72.evidence_urls
        assert all(c.sentence and c.source_id in t72.source_ids for c in t72.citations)
    assert rows[("RU", "T-72B3")].event_ids  # fused: the events behind the counts are named


def test_equipment_ledger_filters_on_publication_day(store: Store) -> None:
    equipment_world(store)
    rows = _by_type(equipment_ledger(store, since=date(2022, 9, 12), until=date(2022, 9, 12)))
    assert set(rows) == {("RU", "T-72B3")} and rows[("RU", "T-72B3")].destroyed == 1


def test_claims_ledger_says_who_said_what_when_and_where(store: Store) -> None:
    w = brief_world(store)
    rows = claims_ledger(store)
    assert len(rows) == 2
    ru = next(r for r in rows if r.speaker == "Russian ministry")
    assert ru.against_interest and ru.direct and ru.side == "RU" and ru.cue == "said"
    assert ru.source_id == w["st"].id and ru.outlet == "wire w"
    assert ru.url == "https://example.org/w" and ru.published_at == w["st"].published_at
    assert claims_ledger(store, against_interest=True) == [ru]
    assert len(claims_ledger(store, limit=1)) == 1


# -- brief --------------------------------------------------------------------------------------


def test_brief_cites_outlet_url_source_and_sentence(store: Store) -> None:
    w = brief_world(store)
    run_fusion(store)
    b = build_brief(store, date(2022, 9, 6), date(2022, 9, 14))
    places = {c.place for c in b.changes}
    assert "Balakliia" in places and "Kupiansk" not in places  # an advance is not a change
    bal = next(c for c in b.changes if c.place == "Balakliia" and c.new_controller == "UA")
    assert {c.source_id for c in bal.citations} == {w["a"].id, w["b"].id}
    assert all(c.sentence for c in bal.citations)
    assert b.statements[0].against_interest  # against-interest statements come first
    assert b.contradictions and b.contradictions[0].a is not None
    text = render_markdown(b)
    for s in (w["a"], w["b"], w["r"], w["st"]):
        assert s.id in text
    assert "Balakliia was liberated by Ukrainian troops on Friday." in text
    assert "outlet b" in text and "https://example.org/w" in text


def test_brief_escapes_markup_from_sources_in_markdown_and_html(store: Store) -> None:
    brief_world(store)
    run_fusion(store)
    b = build_brief(store, date(2022, 9, 6), date(2022, 9, 14))
    text, page = render_markdown(b), render_html(b)
    for out in (text, page):
        assert "<script" not in out.lower() and "&lt;script&gt;" in out
        assert "<b>a</b>" not in out  # the outlet name is text, too
        assert "javascript:" not in out.replace("javascript:alert(1)", "")  # no link made
    assert 'href="javascript' not in page and "](javascript" not in text
    assert 'href="https://example.org/a?x=1&amp;y=%282%29"' in page
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page.split("<body>")[0]


# -- exports ------------------------------------------------------------------------------------


def test_geojson_events_and_timelines_are_points_lon_lat(store: Store) -> None:
    brief_world(store)
    run_fusion(store)
    fh = io.StringIO()
    stats = write_geojson(store, fh)
    fc = json.loads(fh.getvalue())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == stats.written > 0
    bal = [f for f in fc["features"] if f["properties"]["place_id"] == BALAKLIIA]
    assert bal and bal[0]["geometry"]["type"] == "Point"
    lon, lat = bal[0]["geometry"]["coordinates"]
    assert 36 < lon < 37.5 and 49 < lat < 50  # [lon, lat], not [lat, lon]
    props = bal[0]["properties"]
    assert {"id", "place", "action", "new_controller", "first_date", "last_date", "grade",
            "score", "n_sources"} <= set(props)
    fh = io.StringIO()
    write_geojson(store, fh, "timelines")
    tl = json.loads(fh.getvalue())
    assert tl["type"] == "FeatureCollection" and tl["features"]
    assert all(f["geometry"]["coordinates"][0] < f["geometry"]["coordinates"][1]
               for f in tl["features"])  # Ukraine: lon (22–40) < lat (44–52)
    with pytest.raises(ValueError):
        write_geojson(store, io.StringIO(), "bogus")


def test_geojson_writes_null_for_absent_values_and_names_the_place_kind(store: Store) -> None:
    brief_world(store)
    run_fusion(store)
    for what in ("events", "timelines"):
        fh = io.StringIO()
        write_geojson(store, fh, what)
        feats = json.loads(fh.getvalue())["features"]
        assert feats
        for f in feats:
            props = f["properties"]
            assert "unknown" not in props.values()
            assert props["place_kind"] in ("settlement", "oblast-or-region", "country", "other")
            for key in ("sources", "event_ids"):
                if key in props:
                    assert len(props[key]) == len(set(props[key]))
        kinds = {f["properties"]["place"]: f["properties"]["place_kind"] for f in feats}
        assert kinds.get("Balakliia") == "settlement"


def _acled(store: Store) -> list[dict[str, str]]:
    fh = io.StringIO()
    write_acled(store, fh, timestamp=1)
    fh.seek(0)
    reader = csv.reader(fh)
    assert tuple(next(reader)) == ACLED_COLUMNS + PROVENANCE_COLUMNS  # ours after ACLED's
    fh.seek(0)
    return list(csv.DictReader(fh))


def test_acled_csv_columns_codes_and_precision(store: Store) -> None:
    brief_world(store)
    run_fusion(store)
    assert ACLED_COLUMNS[:4] == ("event_id_cnty", "event_date", "year", "time_precision")
    assert len(ACLED_COLUMNS) == 31 and ACLED_COLUMNS[-1] == "timestamp"
    rows = _acled(store)
    by = {(r["location"], r["sub_event_type"]): r for r in rows}
    ua = by[("Balakliia", "Government regains territory")]
    assert ua["event_type"] == "Battles" and ua["disorder_type"] == "Political violence"
    assert (ua["time_precision"], ua["geo_precision"]) == ("1", "1")
    assert (ua["iso"], ua["country"], ua["region"]) == ("804", "Ukraine", "Europe")
    assert ua["admin1"] == "Kharkiv Oblast" and ua["event_date"] == "2022-09-09"
    assert ua["admin3"] == "Balakliiska"  # the hromada (KATOTTH), ACLED's admin3 in Ukraine
    assert ua["actor1"] == "Military Forces of Ukraine (2019-)"
    assert ua["actor2"] == "Military Forces of Russia (2000-)"
    assert (ua["inter1"], ua["inter2"], ua["interaction"]) == ("1", "8", "18")
    assert ua["source"] == "desk <b>a</b>; outlet b" and ua["fatalities"] == "0"
    assert "Balakliia was liberated" in ua["notes"] or "liberated Balakliia" in ua["notes"]
    assert ua["event_id_cnty"].startswith("UKR") and ua["event_id_cnty"][3:].isdigit()
    ru = by[("Balakliia", "Non-state actor overtakes territory")]
    assert ru["actor1"] == "Military Forces of Russia (2000-)" and ru["inter1"] == "8"
    near = by[("Kupiansk", "Armed clash")]
    # fighting with no side named: the two states' forces, as ACLED codes the war's battles
    assert near["geo_precision"] == "2" and near["actor1"] == "Military Forces of Ukraine (2019-)"
    assert near["interaction"] == "18"
    region = next(r for r in rows if r["location"] == "Kharkiv Oblast")
    assert region["geo_precision"] == "3"
    month = by[("Kupiansk", "Government regains territory")]
    assert month["time_precision"] == "3" and month["event_date"] == "2022-09-15"
    run_fusion(store)
    assert [r["event_id_cnty"] for r in _acled(store)] == [r["event_id_cnty"] for r in rows]


ACLED_DOMAINS = {
    "disorder_type": {"Political violence", "Strategic developments"},
    "event_type": {"Battles", "Explosions/Remote violence", "Strategic developments"},
    "time_precision": {"1", "2", "3"}, "geo_precision": {"1", "2", "3"},
    "inter1": set("12345678"), "inter2": set("012345678"),
}
SUB_EVENTS = {"Battles": {"Armed clash", "Government regains territory",
                          "Non-state actor overtakes territory"},
              "Explosions/Remote violence": {"Shelling/artillery/missile attack",
                                             "Air/drone strike"},
              "Strategic developments": {"Non-violent transfer of territory"}}
SCALES = {"New media", "Local partner", "Local", "Subnational", "National", "Regional",
          "International", "Other"}


def test_acled_rows_stay_inside_the_codebook_value_domains(store: Store) -> None:
    brief_world(store)
    run_fusion(store)
    rows = _acled(store)
    assert rows
    for r in rows:
        for col, allowed in ACLED_DOMAINS.items():
            assert r[col] in allowed, (col, r[col])
        assert r["sub_event_type"] in SUB_EVENTS[r["event_type"]]
        assert r["actor1"], r  # ACLED always names actor1
        assert r["interaction"] == ("".join(sorted(r["inter1"] + r["inter2"]))
                                    if r["inter2"] != "0" else r["inter1"] + "0")
        assert re.fullmatch(r"(UKR|RUS)\d+", r["event_id_cnty"])
        assert r["source_scale"] and set(r["source_scale"].split("-")) <= SCALES
        # a foreign state's forces overtake; the home state's forces regain
        if r["sub_event_type"] == "Non-state actor overtakes territory":
            assert r["inter1"] == "8"
        if r["sub_event_type"] == "Government regains territory":
            assert r["inter1"] == "1"
    # one row per (date, place, sub-event type, actors), as ACLED merges reports
    keys = [(r["event_date"], r["location"], r["sub_event_type"], r["actor1"], r["actor2"])
            for r in rows]
    assert len(keys) == len(set(keys))
    # rows of one place and day that disagree name each other in notes
    by_day: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        by_day.setdefault((r["event_date"], r["location"]), set()).add(r["sub_event_type"])
    for r in rows:
        if len(by_day[(r["event_date"], r["location"])]) > 1:
            assert "Conflicting reports for this place and day" in r["notes"]


def test_acled_rows_of_one_event_merge_their_sources() -> None:
    from frontlens.report.export import merge_acled

    a = dict.fromkeys(ACLED_COLUMNS, "")
    a.update(source="desk a", source_scale="National", notes="first", tags="grade C1",
             time_precision="2", geo_precision="1", event_id_cnty="UKR2")
    b = {**a, "source": "channel b; desk a", "source_scale": "New media", "notes": "second",
         "tags": "grade B2", "time_precision": "1", "event_id_cnty": "UKR1"}
    m = merge_acled(a, b)
    assert m["source"] == "channel b; desk a" and m["source_scale"] == "New media-National"
    assert (m["time_precision"], m["event_id_cnty"]) == ("1", "UKR1")
    assert m["notes"] == "first | second" and m["tags"] == "grade C1; grade B2"


def test_merged_acled_rows_keep_each_sources_hash_beside_its_id() -> None:
    """Two rows merged into one list every source once, the hash and capture time of each in
    the same position as its id, first captured first."""
    from frontlens.report.export import SourceProof, merge_acled, proof_columns

    x = SourceProof("src-x", "a" * 64, "1" * 64, "2022-09-10T08:00:00Z")
    y = SourceProof("src-y", None, "2" * 64, "2022-09-09T08:00:00Z")
    a = {**dict.fromkeys(ACLED_COLUMNS, ""), "time_precision": "1", "geo_precision": "1",
         **proof_columns([x])}
    b = {**a, **proof_columns([y, x])}
    m = merge_acled(a, b)
    assert m["frontlens_source_ids"] == "src-y; src-x"
    assert m["frontlens_original_sha256"] == "; " + "a" * 64  # none kept for src-y
    assert m["frontlens_text_sha256"] == "2" * 64 + "; " + "1" * 64
    assert m["frontlens_captured_at"] == "2022-09-09T08:00:00Z; 2022-09-10T08:00:00Z"


@pytest.mark.parametrize("hostile", ['=HYPERLINK("https://evil.example","Click")',
                                     "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
                                     "\t=1", "\r=1"])
def test_no_csv_cell_starts_a_spreadsheet_formula(store: Store, hostile: str) -> None:
    brief_world(store)
    equipment_world(store)
    with store.engine.begin() as conn:
        conn.execute(sa_update(schema.sources).values(outlet=hostile))
    run_fusion(store)
    for write in (lambda fh: write_acled(store, fh, timestamp=1), lambda fh: write_ledger(
            store, fh)):
        fh = io.StringIO()
        write(fh)
        fh.seek(0)
        cells = [c for row in csv.reader(fh) for c in row]
        assert cells
        bad = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (
            c.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", c))]
        assert not bad
    assert sheet_safe(hostile).startswith("'") and sheet_safe("-33.5") == "-33.5"


def test_ledger_export_csv_and_markdown(store: Store) -> None:
    equipment_world(store)
    run_fusion(store)
    fh = io.StringIO()
    write_ledger(store, fh)
    fh.seek(0)
    rows = {(r["side"], r["type"]): r for r in csv.DictReader(fh)}
    assert rows[("RU", "T-72B3")]["captured"] == "1" and rows[("RU", "T-72B3")]["total"] == "2"
    fh = io.StringIO()
    write_ledger(store, fh, markdown=True)
    text = fh.getvalue()
    assert "## Russia (RU): 4" in text
    assert "### tank — Tanks (2, of which destroyed: 1, captured: 1)" in text
    fh = io.StringIO()
    write_ledger(store, fh)
    fh.seek(0)
    row = next(r for r in csv.DictReader(fh) if r["type"] == "T-72B3")
    assert (row["country"], row["oryx_section"]) == ("Russia", "Tanks")
    assert row["first_seen"] and row["first_seen"] <= row["last_seen"]


def test_jsonl_has_one_line_per_stored_record_with_its_type(store: Store) -> None:
    w = brief_world(store)
    store_all(store, [Mention(**prov(w["a"], 0, 9), text="Ukrainian", type="org")])
    run_fusion(store)
    fh = io.StringIO()
    stats = write_jsonl(store, fh)
    lines = fh.getvalue().splitlines()
    assert len(lines) == stats.written == sum(store.counts().values())
    objs = [json.loads(line) for line in lines]
    names = {m.__name__ for m in TABLES}
    assert all(o["type"] in names and isinstance(o["record"], dict) for o in objs)
    counts = {n: sum(1 for o in objs if o["type"] == n) for n in names}
    assert counts["Source"] == 7 and counts["Event"] > 0 and counts["Mention"] == 1
    mention = next(o for o in objs if o["type"] == "Mention")
    assert mention["record"]["type"] == "org"  # a record's own "type" field survives


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_report_commands_and_exit_codes(db_url: str, tmp_path: Any) -> None:
    store = Store(db_url)
    brief_world(store)
    equipment_world(store)
    store.close()

    def cli(*args: str) -> Any:
        return runner.invoke(app, ["--db", db_url, *args])

    assert cli("fuse").exit_code == 0
    for fmt, extra in (("geojson", []), ("acled", []), ("ledger", []), ("ledger", ["--md"]),
                       ("jsonl", [])):
        path = tmp_path / f"out.{fmt}"
        res = cli("export", "--format", fmt, "-o", str(path), *extra)
        assert res.exit_code == 0, res.output
        assert path.stat().st_size > 0
    res = cli("export", "--format", "geojson", "--what", "timelines", "-o", "-")
    assert res.exit_code == 0 and json.loads(res.stdout)["type"] == "FeatureCollection"
    assert cli("export", "--format", "xml", "-o", str(tmp_path / "x")).exit_code == 2
    assert cli("export", "--format", "geojson", "--what", "x", "-o", "-").exit_code == 2
    res = cli("ledger", "equipment", "--json")
    assert res.exit_code == 0 and any(r["type"] == "T-72B3" for r in json.loads(res.stdout))
    res = cli("ledger", "claims", "--json", "--limit", "1")
    assert res.exit_code == 0 and len(json.loads(res.stdout)) == 1
    assert cli("ledger", "claims").exit_code == 0
    assert cli("ledger", "bogus").exit_code == 2
    res = cli("brief", "--from", "2022-09-06", "--to", "2022-09-14")
    assert res.exit_code == 0 and res.stdout.startswith("# frontlens brief")
    html_path, md_path = tmp_path / "b.html", tmp_path / "b.md"
    res = cli("brief", "--from", "2022-09-06", "--to", "2022-09-14", "--html", str(html_path),
              "--md", str(md_path))
    assert res.exit_code == 0 and "<script" not in html_path.read_text(encoding="utf-8")
    assert md_path.read_text(encoding="utf-8").startswith("# frontlens brief")
    assert cli("brief", "--from", "2022-09-14", "--to", "2022-09-06").exit_code == 2
    assert cli("brief", "--from", "soon", "--to", "2022-09-06").exit_code == 2


def test_jsonl_spans_carry_their_sentence_and_utf16_offsets(store: Store) -> None:
    from frontlens.report.export import sentence_around, utf16_offset

    text = "Intro 🔥 line. Troops entered Kupiansk on Friday! Next one."
    k = text.index("Kupiansk")
    assert utf16_offset(text, k) == k + 1  # the emoji is two UTF-16 units
    assert sentence_around(text, k, k + 8) == "Troops entered Kupiansk on Friday!"
    brief_world(store)
    run_fusion(store)
    fh = io.StringIO()
    write_jsonl(store, fh)
    lines = [json.loads(x) for x in fh.getvalue().splitlines()]
    spanned = [x for x in lines if x["type"] == "ControlEvent"]
    assert spanned and all(x["sentence"] and "utf16" in x for x in spanned)
    ids = [x["record"]["id"] for x in lines if x["type"] in ("ControlEvent", "Contradiction")]
    assert len({i.split("-")[0] for i in ids}) == len({x["type"] for x in lines
                                                      if x["type"] in ("ControlEvent",
                                                                       "Contradiction")})


def test_source_date_epoch_makes_exports_and_the_brief_byte_identical(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    brief_world(store)
    run_fusion(store)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1662940800")

    def outputs() -> tuple[str, ...]:
        files = []
        for write in (write_acled, write_geojson, write_jsonl, write_ledger):
            fh = io.StringIO()
            write(store, fh)
            files.append(fh.getvalue())
        b = build_brief(store, date(2022, 9, 6), date(2022, 9, 14))
        return (*files, render_markdown(b), render_html(b))

    first = outputs()
    run_fusion(store)  # fusion again: same events, same ids
    assert outputs() == first
    assert ",1662940800\n" in first[0] or ",1662940800" in first[0]
    assert "2022-09-12" in first[4]  # the brief's generation time is the epoch's day


def test_unknown_fate_stays_outside_the_total_and_merges_into_a_known_fate(store: Store) -> None:
    """A forward of desk A's post without the fate is the same captured T-72B3 (one fused
    event): it adds no item; a lone report of unknown fate counts as unknown, not in total."""
    text = "Captured T-72B3 near Balakliia."
    a = src(text, "desk a", "2022-09-08T10:00:00+00:00", kind="telegram", external_id="a/1")
    b = src(text + " (repost)", "channel b", "2022-09-08T11:00:00+00:00", kind="telegram",
            external_id="b/7", forwarded_from="desk a")
    c = src("A Ka-52 seen near Izium.", "outlet c", "2022-09-12T09:00:00+00:00")
    store_all(store, [a, b, c, eq(a, "T-72B3", "tank", "captured"),
                      eq(b, "T-72B3", "tank", "unknown"), eq(c, "Ka-52", "helicopter", "unknown")])
    run_fusion(store)
    rows = {r.type: r for r in equipment_ledger(store)}
    t72, ka52 = rows["T-72B3"], rows["Ka-52"]
    assert (ka52.unknown, ka52.total) == (1, 0)
    assert (t72.captured, t72.unknown, t72.total) == (1, 0, 1)
    assert t72.first_seen is not None and t72.country == "Russia"


# -- Oryx comparability -------------------------------------------------------------------------

ORYX_TABLE = """country,equipment_type,destroyed,abandoned,captured,damaged,type_total,date_recorded
Russia,Tanks,10,2,5,1,18,2022-09-01
Russia,Tanks,11,2,6,1,20,2022-09-10
Russia,Tanks,15,2,9,1,27,2022-09-20
Russia,Infantry Fighting Vehicles,40,0,0,0,40,2022-09-01
Russia,Infantry Fighting Vehicles,42,0,0,0,42,2022-09-14
Russia,All Types,999,9,9,9,1026,2022-09-14
"Russia","Losses of Armoured Combat Vehicles [Tanks] - 9, of which: 9",9,0,0,0,9,2022-09-14
Ukraine,Armoured Fighting Vehicles,0,0,0,0,0,2022-09-01
Ukraine,Armoured Fighting Vehicles,0,1,0,0,1,2022-09-12
"""


def test_ledger_compare_prints_per_section_differences_with_a_small_oryx_table(
        db_url: str, tmp_path: Any) -> None:
    """Period 09-02..09-14: Oryx grew Tanks by destroyed 1, captured 1 (09-10 row minus the
    09-01 row; the 09-20 row is after the period), IFVs by destroyed 2, UA AFVs by abandoned 1.
    The ledger has T-72B3 captured 1 + destroyed 1, BMP-2 destroyed 2, UA MT-LB abandoned 1
    (Oryx files MT-LB under Armoured Fighting Vehicles)."""
    store = Store(db_url)
    equipment_world(store)
    store.close()
    table = tmp_path / "daily_count.csv"
    table.write_text(ORYX_TABLE, encoding="utf-8")
    res = runner.invoke(app, ["--db", db_url, "ledger", "equipment", "--compare", str(table),
                              "--from", "2022-09-02", "--to", "2022-09-14", "--json"])
    assert res.exit_code == 0, res.output
    got = {(d["country"], d["section"]): d["diff"] for d in json.loads(res.stdout)}
    assert set(got) == {("Russia", "Tanks"), ("Russia", "Infantry Fighting Vehicles"),
                        ("Ukraine", "Armoured Fighting Vehicles")}
    assert all(d["total"] == 0 for d in got.values()), got
    # a period ending 09-09: Oryx's 09-10 row is out, the ledger still has the 09-08 items
    res = runner.invoke(app, ["--db", db_url, "ledger", "equipment", "--compare", str(table),
                              "--from", "2022-09-02", "--to", "2022-09-09"])
    assert res.exit_code == 0, res.output
    assert "captured +1" in res.stdout and "destroyed +2" in res.stdout
    assert "sections differ" in res.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert runner.invoke(app, ["--db", db_url, "ledger", "equipment", "--compare",
                               str(bad)]).exit_code == 2
    assert runner.invoke(app, ["--db", db_url, "ledger", "claims", "--compare",
                               str(table)]).exit_code == 2


def test_ledger_writes_oryx_spellings_sections_and_a_dated_row_per_item(
        db_url: str, tmp_path: Any) -> None:
    store = Store(db_url)
    equipment_world(store)
    store.close()
    out = tmp_path / "ledger.csv"
    assert runner.invoke(app, ["--db", db_url, "export", "--format", "ledger", "-o",
                               str(out)]).exit_code == 0
    rows = {r["type"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["BMP-2"]["oryx_type"] == "BMP-2(K)"  # Oryx's spelling
    assert rows["MT-LB"]["oryx_section"] == "Armoured Fighting Vehicles"
    assert rows["MT-LB"]["country"] == "Ukraine"
    items = tmp_path / "items.csv"
    res = runner.invoke(app, ["--db", db_url, "export", "--format", "ledger", "--items",
                              "--from", "2022-09-12", "--to", "2022-09-13", "-o", str(items)])
    assert res.exit_code == 0, res.output
    got = [(r["date"], r["type"], r["fate"], r["count"])
           for r in csv.DictReader(items.open(encoding="utf-8"))]
    assert got == [("2022-09-12", "T-72B3", "destroyed", "1"),
                   ("2022-09-13", "MT-LB", "abandoned", "1")]
    # --from/--to limit the dated exports too (issue 10); --items is the ledger's, and JSON
    # Lines (every record) takes no range
    assert runner.invoke(app, ["--db", db_url, "export", "--format", "acled", "--from",
                               "2022-09-12", "-o", "-"]).exit_code == 0
    assert runner.invoke(app, ["--db", db_url, "export", "--format", "acled", "--items",
                               "-o", "-"]).exit_code == 2
    assert runner.invoke(app, ["--db", db_url, "export", "--format", "jsonl", "--to",
                               "2022-09-12", "-o", "-"]).exit_code == 2


def test_one_item_has_one_side_whatever_its_reports_say(store: Store) -> None:
    """A Russian and a Ukrainian channel both show the same Shilka (one event): one loss, on
    the side most reports name; a HIMARS whose report names no side is Ukraine's, whatever
    the extractor guessed (Oryx lists HIMARS losses only on Ukraine's side)."""
    a = src("Damaged ZSU-23-4 Shilka in Balakliia.", "desk a", "2022-09-11T08:00:00+00:00")
    b = src("Shilka damaged, Balakliia yard.", "desk b", "2022-09-11T09:00:00+00:00")
    c = src("Повреждённая Шилка в Балаклее.", "desk c", "2022-09-12T09:00:00+00:00")
    h = src("Video: a HIMARS destroyed near Kramatorsk.", "ru mod",
            "2022-09-12T10:00:00+00:00")
    store_all(store, [a, b, c, h, eq(a, "ZSU-23-4 Shilka", "SPAAG", "damaged"),
                      eq(b, "ZSU-23-4 Shilka", "SPAAG", "damaged"),
                      eq(c, "ZSU-23-4 Shilka", "SPAAG", "damaged", side="UA"),
                      eq(h, "M142 HIMARS", "MLRS", "destroyed", side="RU")])
    rows = _by_type(equipment_ledger(store))
    assert ("UA", "M142 HIMARS") in rows and ("RU", "M142 HIMARS") not in rows
    run_fusion(store)  # one event: the three reports are one Shilka
    rows = _by_type(equipment_ledger(store))
    assert rows[("RU", "ZSU-23-4 Shilka")].damaged == 1, rows
    assert ("UA", "ZSU-23-4 Shilka") not in rows
    assert len(rows[("RU", "ZSU-23-4 Shilka")].source_ids) == 3
    assert ("UA", "M142 HIMARS") in rows and ("RU", "M142 HIMARS") not in rows


def test_lost_by_fills_a_missing_side_but_never_overrides_a_stated_one(store: Store) -> None:
    """Oryx lists T-72B3 losses on Russia's side (``lost_by``), but one captured and then
    lost in Ukrainian service is Ukraine's loss when the report says so; a report that names
    no side gets the catalog's side, whatever the extractor guessed from the origin."""
    a = src("A captured T-72B3 serving with a Ukrainian brigade was destroyed near Kreminna.",
            "desk a", "2022-10-01T08:00:00+00:00")
    b = src("T-72B3 destroyed near Svatove, drone footage.", "desk b",
            "2022-10-20T08:00:00+00:00")
    store_all(store, [a, b, eq(a, "T-72B3", "tank", "destroyed", side="UA"),
                      eq(b, "T-72B3", "tank", "destroyed", side="UA")])
    items = {(i.source_ids[0], i.side) for i in equipment_items(store)}
    assert items == {(a.id, "UA"), (b.id, "RU")}


def test_a_recap_days_later_is_the_same_item_not_another(store: Store) -> None:
    """A T-72B3 captured on the 8th, a weekly tally on the 14th naming it again, and a later
    photo of it repainted (fate not stated): one captured T-72B3, nothing unknown."""
    a = src("Captured T-72B3 near Balakliia.", "desk a", "2022-09-08T10:00:00+00:00")
    t = src("Tally for the week: 1x T-72B3 captured.", "desk t", "2022-09-14T10:00:00+00:00")
    p = src("The T-72B3 from Balakliia is repainted.", "desk p", "2022-09-12T10:00:00+00:00")
    o = src("Another T-72B3 captured.", "desk o", "2022-09-30T10:00:00+00:00")
    store_all(store, [a, t, p, o, eq(a, "T-72B3", "tank", "captured"),
                      eq(t, "T-72B3", "tank", "captured"), eq(p, "T-72B3", "tank", "unknown"),
                      eq(o, "T-72B3", "tank", "captured")])
    run_fusion(store)
    row = _by_type(equipment_ledger(store))[("RU", "T-72B3")]
    assert (row.captured, row.unknown, row.total) == (2, 0, 2)  # the 30th is weeks later
    assert len(row.source_ids) == 4
