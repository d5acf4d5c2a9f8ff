"""Ingest at its edges (issue 15 "Smaller", issue 11): per-field bounds, file names that are
not UTF-8 or hold a newline, a feed root after a long preamble, a huge Telegram message,
plain feed titles with angle brackets, read-only SQLite URIs and bad dates on the CLI.

Every test writes its own small inputs under ``tmp_path``; none reaches the network. The tests
that store run on SQLite and, when ``FRONTLENS_TEST_PG_URL`` is set, on PostgreSQL too, and
assert the same stored counts on both."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.ingest.base import RawInput, printable, significant_head
from frontlens.store import schema
from frontlens.store.db import Store

RSS = (
    '<rss version="2.0"><channel><title>Desk</title>'
    "<item><title>Navy drills &lt;again&gt; near Odesa</title><guid>g1</guid>"
    "<description>Ukrainian forces entered Kupiansk.</description></item>"
    "<item><title>Kherson &lt;b&gt;liberated&lt;/b&gt;</title><guid>g2</guid>"
    "<description>Russian troops withdrew from Kherson.</description></item>"
    "</channel></rss>"
)


def cli(db_url: str, *args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["--db", db_url, *map(str, args)], env=env)


def n_sources(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.sources)).scalar_one())


def tg_export(messages: list[dict[str, Any]]) -> str:
    return json.dumps({"name": "Desk", "type": "public_channel", "id": 42,
                       "messages": messages}, ensure_ascii=False)


def tg_message(mid: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": mid, "type": "message", "date": "2022-09-10T10:00:00",
            "date_unixtime": str(1662804000 + mid), "text": text, **extra}


# -- per-field bounds ---------------------------------------------------------------------------
def test_field_bounds_cut_names_and_titles_with_a_note_and_reject_long_urls_and_texts(
        store: Store, db_url: str, tmp_path: Path) -> None:
    """Over-long names and titles are cut to their FRONTLENS_MAX_*_CHARS and the original
    length noted in meta.truncated; an over-long URL or text rejects that item only, with the
    reason naming the setting; the same rows on SQLite and PostgreSQL."""
    lines = [
        {"id": "1", "created_at": "2022-09-10T08:00:00Z", "full_text": "Izium liberated.",
         "user": {"screen_name": "a" * 40, "name": "N" * 300}},
        {"id": "2", "created_at": "2022-09-10T08:00:00Z", "full_text": "x" * 5001},
        {"id": "3", "created_at": "2022-09-10T08:00:00Z", "full_text": "Balakliia held."},
    ]
    f = tmp_path / "posts.jsonl"
    f.write_text("".join(json.dumps(d) + "\n" for d in lines), encoding="utf-8")
    feed = tmp_path / "long.rss"
    feed.write_text(
        '<rss version="2.0"><channel><title>Desk</title>'
        f"<item><title>{'T' * 300}</title><guid>g1</guid><description>Kupiansk.</description>"
        f"</item><item><title>ok</title><link>https://example.org/{'p' * 200}</link>"
        "<description>Izium.</description></item></channel></rss>", encoding="utf-8")
    settings = Settings(db=db_url, max_name_chars=30, max_title_chars=100, max_url_chars=150,
                        max_text_chars=5000)
    batch = ingest_inputs(store, [str(f), str(feed)], settings)
    errors = batch.errors
    assert len(errors) == 2, errors
    assert any("text is 5,001 characters, above the 5,000 limit (FRONTLENS_MAX_TEXT_CHARS)"
               in e for e in errors), errors
    assert any("url is 220 characters, above the 150 limit (FRONTLENS_MAX_URL_CHARS)" in e
               for e in errors), errors
    assert batch.added == 3 and n_sources(store) == 3
    rows = {s.external_id: s for s in store.list_sources(limit=10)}
    tweet = rows["1"]
    assert tweet.author == "N" * 30 and tweet.outlet == "@" + "a" * 29
    assert tweet.meta["truncated"] == {"author": 300, "outlet": 41}
    titled = next(s for s in rows.values() if s.kind == "feed_item")
    assert titled.title == "T" * 100 and titled.meta["truncated"] == {"title": 300}


def test_field_bound_settings_are_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounds live in the one config module, as FRONTLENS_* variables."""
    for name, value in (("NAME", "64"), ("TITLE", "500"), ("URL", "2048"), ("TEXT", "1000")):
        monkeypatch.setenv(f"FRONTLENS_MAX_{name}_CHARS", value)
    s = Settings()
    assert (s.max_name_chars, s.max_title_chars, s.max_url_chars, s.max_text_chars) == (
        64, 500, 2048, 1000)
    monkeypatch.setenv("FRONTLENS_MAX_NAME_CHARS", "300")  # the columns hold 256
    with pytest.raises(ValueError):
        Settings()


# -- file names ---------------------------------------------------------------------------------
def test_file_name_with_non_utf8_bytes_is_ingested(store: Store, db_url: str,
                                                   tmp_path: Path) -> None:
    """A name that is not UTF-8 (bytes from another system) is read like any other; its error
    line, if it has one, shows the byte as an escape instead of failing to print."""
    folder = os.fsencode(tmp_path / "names")
    os.makedirs(folder)
    with open(os.path.join(folder, b"caf\xe9-kupiansk.txt"), "wb") as fh:
        fh.write(b"Ukrainian forces entered Kupiansk on 10 September 2022.\n")
    with open(os.path.join(folder, b"empty\xff.txt"), "wb") as fh:
        fh.write(b"   \n")
    result = cli(db_url, "ingest", os.fsdecode(folder))
    assert result.exit_code == 1, result.output
    assert n_sources(store) == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].endswith("empty\\xff.txt: empty file"), lines


def test_newline_in_a_file_name_does_not_split_the_error_line(db_url: str,
                                                              tmp_path: Path) -> None:
    bad = tmp_path / "two\nlines.txt"
    bad.write_bytes(b"")
    result = cli(db_url, "ingest", str(bad))
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {tmp_path}/two\\nlines.txt: empty file"], lines


def test_printable_escapes_controls_and_undecodable_bytes_only() -> None:
    assert printable("a\nb\tc\x1b[31m") == "a\\nb\\tc\\x1b[31m"
    assert printable(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    assert printable("Київ/звіт.txt") == "Київ/звіт.txt"


# -- what an input is ----------------------------------------------------------------------
@pytest.mark.parametrize("preamble", [
    '<?xml version="1.0"?>\n<!-- ' + "x" * 5000 + " -->\n",
    " " * 5000,
    '<?xml version="1.0"?>\n' + "".join(f'<?xml-stylesheet href="s{i}.xsl"?>\n'
                                         for i in range(200)),
    "\ufeff" + "\n<!-- a -->\n" * 400,
], ids=["comment", "whitespace", "instructions", "bom-and-comments"])
def test_feed_root_after_4_kb_of_preamble_is_recognised(
        store: Store, db_url: str, tmp_path: Path, preamble: str) -> None:
    f = tmp_path / "feed.xml"
    f.write_text(preamble + RSS, encoding="utf-8")
    assert len(preamble.encode()) > 4096
    result = cli(db_url, "ingest", f)
    assert result.exit_code == 0, result.output
    assert n_sources(store) == 2


def test_text_after_4_kb_of_blank_lines_is_not_an_empty_file(store: Store, db_url: str,
                                                             tmp_path: Path) -> None:
    f = tmp_path / "late.txt"
    f.write_text("\n" * 5000 + "Russian troops withdrew from Izium.\n", encoding="utf-8")
    result = cli(db_url, "ingest", f)
    assert result.exit_code == 0, result.output
    assert n_sources(store) == 1


def test_significant_head_is_bounded_and_empty_for_blank_input() -> None:
    assert significant_head(RawInput("x", data=b" \n\t" * 10000)) == b""
    assert significant_head(RawInput("x", data=b"<!--" + b"-" * 100)).startswith(b"<!--")
    huge = b"<!--" + b"x" * (3 * 1024 * 1024) + b"--><rss>"  # past the limit: not read to its end
    assert significant_head(RawInput("x", data=huge), limit=1024 * 1024).startswith(b"<!--")
    assert significant_head(RawInput("x", data=huge), limit=4 * 1024 * 1024) == b"<rss>"


# -- a huge Telegram message ---------------------------------------------------------------
def test_huge_telegram_message_is_rejected_fast_and_its_neighbours_stored(
        store: Store, db_url: str, tmp_path: Path) -> None:
    """One message of 40 MB of text (over FRONTLENS_MAX_TEXT_CHARS=10,000,000) is an item
    error, read in linear time: the 64 KB reads of the JSON parser used to re-scan the growing
    string at every read (150 MB took 61-170 s)."""
    big = "Kupiansk was liberated. " * (40 * 1024 * 1024 // 24)
    f = tmp_path / "result.json"
    f.write_text(tg_export([tg_message(1, "Izium was liberated."), tg_message(2, big),
                            tg_message(3, "Balakliia was liberated.")]), encoding="utf-8")
    n = len(big)
    del big
    t0 = time.perf_counter()
    result = cli(db_url, "ingest", f)
    took = time.perf_counter() - t0
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"message #2 (id 2): text is {n:,} characters" in lines[0]
    assert "FRONTLENS_MAX_TEXT_CHARS" in lines[0]
    assert n_sources(store) == 2
    assert took < 30, took  # ~2 s alone; was ~10 s for 40 MB before, quadratic beyond


def test_long_json_string_is_parsed_in_linear_time() -> None:
    """Doubling a string's length about doubles the parse time (it was ×4-×5)."""
    from frontlens.ingest.jsonstream import stream_array

    def parse(mb: int) -> float:
        data = (b'{"messages":[{"text":"' + b"abcdefgh" * (mb * 1024 * 1024 // 8) + b'"}]}')
        t0 = time.perf_counter()
        import io

        items = [v for k, v in stream_array(io.BytesIO(data), "messages", "x") if k == "item"]
        assert len(items[0]["text"]) == mb * 1024 * 1024
        return time.perf_counter() - t0

    parse(1)
    small, large = min(parse(8) for _ in range(2)), min(parse(32) for _ in range(2))
    assert large < 8 * small + 0.5, (small, large)  # linear: ~4x; quadratic: ~16x


# -- feeds --------------------------------------------------------------------------------------
def test_plain_feed_title_keeps_its_angle_brackets(store: Store, db_url: str,
                                                   tmp_path: Path) -> None:
    """"Navy drills <again>" is a plain-text title: it is not read as HTML (which dropped
    "<again>" as an unknown tag); a title the feed marks up is still read as HTML."""
    f = tmp_path / "desk.rss"
    f.write_text(RSS, encoding="utf-8")
    atom = tmp_path / "desk.atom"
    atom.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        '<entry><id>a1</id><title type="text">drills &lt;again&gt;</title>'
        "<summary>Izium.</summary></entry>"
        '<entry><id>a2</id><title type="html">Kherson &lt;b&gt;liberated&lt;/b&gt;</title>'
        "<summary>Kherson.</summary></entry></feed>", encoding="utf-8")
    assert cli(db_url, "ingest", f, atom).exit_code == 0
    titles = sorted(s.title or "" for s in store.list_sources(limit=10))
    assert titles == ["Kherson liberated", "Kherson liberated", "Navy drills <again> near Odesa",
                      "drills <again>"]


# -- the CLI's other edges -------------------------------------------------------------------
def test_read_only_sqlite_uri_is_read_and_makes_no_folder(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "ro.db"
    text = tmp_path / "a.txt"
    text.write_text("Russian troops withdrew from Izium.\n", encoding="utf-8")
    assert cli(f"sqlite:///{db}", "ingest", text).exit_code == 0
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    result = cli(f"sqlite:///file:{db}?mode=ro&uri=true", "stats", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"] == 1
    missing = cli(f"sqlite:///file:{tmp_path}/sub/none.db?mode=ro&uri=true", "ingest", text)
    assert missing.exit_code == 2
    assert len([ln for ln in missing.stderr.splitlines() if ln.strip()]) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == before  # no "file:", sub/


def test_as_of_with_trailing_garbage_is_refused(sqlite_url: str) -> None:
    result = cli(sqlite_url, "picture", "--as-of", "2022-09-12garbage")
    assert result.exit_code == 2
    assert "2022-09-12garbage" in result.output


def test_geoparse_jsonl_continues_past_one_bad_date(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": 1, "text": "Kupiansk.", "date": "2022-09-10"}\n'
                 '{"id": 2, "text": "Izium.", "date": "garbage"}\n'
                 '{"id": 3, "text": "Balakliia.", "date": "2022-09-08"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["geoparse", "--jsonl", str(f)])
    rows = [json.loads(ln) for ln in result.stdout.splitlines() if ln.strip()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert "error" in rows[1] and "places" in rows[0] and "places" in rows[2]


# -- GeoJSON bounds -------------------------------------------------------------------------------
def _layer(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _polygon(n: int, x: float = 37.0) -> dict[str, Any]:
    ring = [[x + k * 1e-4, 49.0 + (k % 2) * 1e-4] for k in range(n - 1)] + [[x, 49.0]]
    return {"type": "Feature", "properties": {"status": "occupied"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_feature_over_the_vertex_bound_is_rejected_and_the_layer_kept(
        store: Store, db_url: str, tmp_path: Path) -> None:
    f = tmp_path / "control_2022-09-10.geojson"
    f.write_text(_layer([_polygon(50), _polygon(500, 38.0), _polygon(60, 39.0)]), "utf-8")
    batch = ingest_inputs(store, [str(f)], Settings(db=db_url, max_vertices=100))
    assert batch.errors == [f"{f}: feature #1: geometry has more than 100 vertices "
                            "(FRONTLENS_MAX_VERTICES)"]
    assert store.counts()["map_features"] == 2 and store.counts()["map_layers"] == 1


def test_layer_over_the_feature_bound_is_rejected_whole(store: Store, db_url: str,
                                                         tmp_path: Path) -> None:
    f = tmp_path / "control_2022-09-10.geojson"
    f.write_text(_layer([_polygon(5, 37 + i / 100) for i in range(12)]), "utf-8")
    batch = ingest_inputs(store, [str(f)], Settings(db=db_url, max_features=10))
    assert batch.errors == [f"{f}: more than 10 features in one layer (FRONTLENS_MAX_FEATURES)"]
    assert store.counts()["map_features"] == 0 and store.counts()["map_layers"] == 0


# -- nesting bounds -------------------------------------------------------------------------
def test_nesting_bounds_are_settings(store: Store, db_url: str, tmp_path: Path) -> None:
    """FRONTLENS_MAX_ITEM_DEPTH skips a streamed item nested deeper (unbuilt) and keeps its
    neighbours; FRONTLENS_MAX_META_DEPTH bounds what a record may keep (front matter)."""
    deep: Any = "x"
    for _ in range(12):
        deep = [deep]
    export = tmp_path / "result.json"
    export.write_text(tg_export([tg_message(1, "Izium was liberated."),
                                 tg_message(2, "Kupiansk.", views=deep),
                                 tg_message(3, "Balakliia was liberated.")]), "utf-8")
    page = tmp_path / "deep.md"
    page.write_text("---\nsource:\n  a:\n    b:\n      c: 1\n---\nLyman was liberated.\n",
                    "utf-8")
    batch = ingest_inputs(store, [str(export), str(page)],
                          Settings(db=db_url, max_item_depth=8, max_meta_depth=3))
    assert batch.errors == [
        f"{export}: message #2 (id ?): nested deeper than 8 levels (FRONTLENS_MAX_ITEM_DEPTH)",
        f"{page}: front matter nested deeper than 3 levels (FRONTLENS_MAX_META_DEPTH)"]
    assert n_sources(store) == 2
    assert ingest_inputs(store, [str(page)], Settings(db=db_url)).added == 1
