"""The same inputs in two orders give the same picture, byte for byte (issue 15, item 5).

The sample plus copies that test the order rules: the same posts again without their account
(same ids, less metadata), retweet-style near-duplicates from other accounts, and Telegram posts
copied into Markdown (dated) and plain text (undated) files that share one id. Each order is
ingested file by file into its own store, extracted and fused, with ``SOURCE_DATE_EPOCH`` set;
every export, the brief, the contradictions and the as-of picture must be identical bytes.
Before: a source's origin and evidence pointer came from whichever copy was ingested first,
and retrieval, capture and processing times were the wall clock, so no two stores matched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE
from sqlalchemy import select
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.fuse.confidence import default_table
from frontlens.store import schema
from frontlens.store.db import Store

EPOCH = "1700000000"


def _copies(folder: Path) -> list[Path]:
    """Duplicated and near-duplicated posts, with and without metadata."""
    folder.mkdir()
    posts = [json.loads(ln) for ln in (SAMPLE / "x" / "posts.jsonl").read_text("utf-8")
             .splitlines() if ln.strip()][:4]
    bare = folder / "bare.jsonl"  # same ids, no account: must not lose the handle
    bare.write_text("".join(json.dumps({k: v for k, v in p.items() if k != "user"},
                                       ensure_ascii=False) + "\n" for p in posts), "utf-8")
    near = folder / "near.jsonl"  # other accounts repeating them
    near.write_text("".join(json.dumps({**p, "id": str(9000 + i), "full_text": "RT "
                                        + p["full_text"], "user": {"screen_name": f"copier{i}"}},
                                       ensure_ascii=False) + "\n"
                            for i, p in enumerate(posts)), "utf-8")
    early = folder / "early.jsonl"  # an unrated account posting them an hour before: the
    # earliest member of each copy group, which must not lend the group its F
    early.write_text("".join(json.dumps({**p, "id": str(9100 + i),
                                         "user": {"screen_name": f"early{i}"},
                                         "created_at": _hour_before(p["created_at"])},
                                        ensure_ascii=False) + "\n"
                             for i, p in enumerate(posts)), "utf-8")
    out = [bare, near, early]
    export = json.loads((SAMPLE / "telegram" / "frontlens_sample_channel" / "result.json")
                        .read_text("utf-8"))
    plain = [m for m in export["messages"] if isinstance(m.get("text"), str)][:3]
    for i, m in enumerate(plain):
        md = folder / f"tg-copy-{i}.md"  # dated by front matter
        md.write_text(f"---\ndate: {m['date'][:10]}\n---\n{m['text']}\n", "utf-8")
        txt = folder / f"tg-copy-nodate-{i}.txt"  # the same text (same id), undated
        txt.write_text(m["text"] + "\n", "utf-8")
        out += [md, txt]
    return out


def _hour_before(stamp: str) -> str:
    t = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(hours=1)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _letters_are_the_best_supporting_sources(store: Store) -> int:
    """Every fused event's reliability letter is the best letter of the sources that support
    it (copies included), whatever copy represents their group; returns the events checked."""
    table = default_table()
    ev, src = schema.event_evidence, schema.sources
    with store.engine.connect() as conn:
        letters = {r.id: r.reliability for r in conn.execute(
            select(schema.events.c.id, schema.events.c.reliability))}
        best: dict[str, str] = {}
        for event_id, outlet, url in conn.execute(
                select(ev.c.event_id, src.c.outlet, src.c.url)
                .join(src, src.c.id == ev.c.source_id).where(ev.c.role == "supporting")):
            letter = table.lookup(outlet, url).letter
            best[event_id] = min(best.get(event_id, "F"), letter)
    assert best and {e: letters[e] for e in best} == best
    return len(best)


def _inputs(tmp_path: Path) -> list[Path]:
    sample = [p for p in SAMPLE.rglob("*") if p.is_file() and p.name != "README.md"]
    return sorted(sample + _copies(tmp_path / "copies"))


def _run(url: str, args: list[str]) -> str:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _build(url: str, inputs: list[Path], out: Path) -> dict[str, bytes]:
    """Ingest one file per command, in the given order; extract, fuse and export."""
    out.mkdir()
    for p in inputs:
        _run(url, ["ingest", str(p)])
    _run(url, ["extract"])
    _run(url, ["fuse"])
    for name, args in {
        "events.geojson": ["--format", "geojson"],
        "states.geojson": ["--format", "geojson", "--what", "timelines"],
        "acled.csv": ["--format", "acled"],
        "ledger.csv": ["--format", "ledger"],
        "ledger-items.csv": ["--format", "ledger", "--items"],
        "all.jsonl": ["--format", "jsonl"],
    }.items():
        _run(url, ["export", *args, "-o", str(out / name)])
    _run(url, ["brief", "--from", "2022-09-05", "--to", "2022-09-15",
               "--md", str(out / "brief.md"), "--html", str(out / "brief.html")])
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    files["contradictions.json"] = _run(url, ["contradictions", "--json"]).encode()
    files["picture.json"] = _run(url, ["picture", "--as-of", "2022-09-14", "--json"]).encode()
    return files


def test_two_ingest_orders_give_identical_events_grades_and_exports(
        two_urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    inputs = _inputs(tmp_path)
    assert len(inputs) >= 25
    first = _build(two_urls[0], inputs, tmp_path / "first")
    second = _build(two_urls[1], inputs[::-1], tmp_path / "second")
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, differ
    events = json.loads(first["events.geojson"])["features"]
    assert len(events) >= 20 and all(f["properties"]["grade"] for f in events)
    # the copies without an account kept the handle the archive gives those posts
    with Store(two_urls[1], migrate=False) as store:
        bare = [s for s in store.list_sources(limit=500, kind="tweet")
                if s.origin.endswith("bare.jsonl")]
        assert not bare  # the merged row cites the richest copy: the sample's, with the account
        posts = [s for s in store.list_sources(limit=500, kind="tweet")
                 if s.origin.endswith("posts.jsonl")]
        assert posts and all(s.outlet == "@frontlens_sample_osint" for s in posts)
        assert _letters_are_the_best_supporting_sources(store) >= 20


def test_declared_language_of_a_copy_wins_in_any_order(tmp_path: Path) -> None:
    """Two copies of one post (same id): one from a feed that declares its language, one
    without. Stored apart or together, in either order, the row keeps the declared language
    (it used to keep whichever copy came first, and extraction reads by language)."""
    from frontlens.model import Source

    text_ = "Українські сили увійшли до Куп'янська, повідомили в Генштабі."
    said = Source(kind="feed_item", origin="b.rss", external_id="g1", text=text_, language="uk")
    bare = Source(kind="feed_item", origin="a.rss", external_id="g1", text=text_)
    assert said.id == bare.id
    for k, batches in enumerate([[[said], [bare]], [[bare], [said]], [[bare, said]],
                                 [[said, bare]]]):
        url = f"sqlite:///{tmp_path / f'{k}.db'}"
        with Store(url) as store:
            for batch in batches:
                with store.transaction() as conn:
                    store.insert_new(conn, batch, prepare=_detect_as("ru"))
            got = store.get(Source, said.id)
            assert got is not None and (got.language, got.language_score) == ("uk", None), k


def _detect_as(code: str) -> Callable[[list[Any]], list[Any]]:
    """A stand-in for language detection that always answers ``code`` (so a detected and a
    declared language differ)."""
    def prepare(records: list[Any]) -> list[Any]:
        return [r.model_copy(update={"language": code, "language_score": 0.9})
                if r.language is None else r for r in records]
    return prepare
