"""Fusion with bounded memory writes exactly what fusing everything at once wrote.

``run_fusion`` streams the sources through the copy finder and fuses claims in partitions;
these tests pin that the fused tables do not depend on the partition size (on the bundled
sample and on a generated store full of copies), that the array-based copy finder links the
same sources as MinHashLSH over whole texts did, and that sentences cut out by the database
(``substr``) are the ones Python's code-point offsets name, beyond the Basic Multilingual
Plane too.
"""

from __future__ import annotations

import random
from collections import deque
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import SAMPLE
from datasketch import MinHashLSH
from sqlalchemy import select

from frontlens.config import Settings
from frontlens.extract.pipeline import run_extract
from frontlens.fuse import dedup
from frontlens.fuse.dedup import SourceInfo, find_duplicates
from frontlens.fuse.events import claim_from_row
from frontlens.fuse.picture import FusionReport, run_fusion
from frontlens.ingest.pipeline import ingest_inputs
from frontlens.model import AreaClaim, ControlEvent, EquipmentLoss, Record, Source, Statement
from frontlens.store import schema
from frontlens.store.db import Store

FUSED = (schema.events, schema.event_evidence, schema.contradictions, schema.source_duplicates,
         schema.control_states)


def fused_tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                for t in FUSED}


def report_counts(rep: FusionReport) -> dict[str, Any]:
    return {k: v for k, v in vars(rep).items() if k not in ("seconds", "notes")}


# -- a generated store with copies of every kind ---------------------------------------------

WORDS = [f"w{i}" for i in range(400)]
PLACES = [("geonames:706483", "Kharkiv"), ("geonames:712451", "Izium"), (None, "Balakliia"),
          (None, "BALAKLIIA"), ("geonames:709717", "Donetsk"), (None, "Bakhmut"),
          ("geonames:703448", "Kyiv"), (None, "Kup'iansk")]
SENT = {"liberated": "Ukrainian forces liberated {p}.",
        "captured": "Russian troops captured {p}.",
        "held": "{p} remains under Russian control.",
        "withdrew": "Russian troops withdrew from {p}.",
        "entered": "Ukrainian soldiers entered {p}.",
        "fighting": "Fighting near {p}."}


def generated(n: int = 160, seed: int = 3) -> list[Record]:
    """Sources (a third copy an earlier one: repost, rewrite, forward, quote, translation) and
    control, equipment, statement and area records pointing into their texts."""
    rnd = random.Random(seed)
    t0 = datetime(2022, 9, 1, tzinfo=UTC)
    out: list[Record] = []
    docs: list[dict[str, Any]] = []
    tweets: list[str] = []
    for i in range(n):
        if docs and rnd.random() < 0.35:
            orig = rnd.choice(docs[-30:])
            how = rnd.choice(["exact", "rewrite", "forward", "translation"])
            doc = {**orig, "when": orig["when"] + timedelta(hours=rnd.randint(1, 40)),
                   "outlet": f"outlet {rnd.randrange(12)}", "fwd": None, "ext": f"x{i}"}
            if how == "rewrite":
                doc["tail"] = orig["tail"] + " " + " ".join(rnd.sample(WORDS, 3))
            elif how == "forward":
                doc["fwd"] = rnd.choice([orig["outlet"], "unstored channel"])
                doc["tail"] = orig["tail"] + " fwd"
            elif how == "translation":
                doc["lang"] = "uk" if orig["lang"] != "uk" else "ru"
                doc["tail"] = " ".join(rnd.sample(WORDS, 30))
        else:
            when = t0 + timedelta(hours=rnd.randrange(24 * 40))
            claims = [(*rnd.choice(PLACES), rnd.choice(list(SENT)),
                       rnd.choice(["day", "day", "week", "month", "unknown"]),
                       when.date() - timedelta(days=rnd.randint(0, 1)))
                      for _ in range(rnd.randint(1, 3))]
            doc = {"claims": claims, "lang": rnd.choice(["en", "uk", "ru"]), "fwd": None,
                   "when": when, "ext": f"x{i}",
                   "outlet": f"outlet {rnd.randrange(12)}",
                   "kind": rnd.choice(["telegram", "telegram", "tweet", "article"]),
                   "tail": " ".join(rnd.sample(WORDS, 40)),
                   "equipment": rnd.sample(["T-72B3", "BMP-2", "Ka-52"], rnd.choice([0, 0, 2])),
                   "quote": rnd.random() < 0.2, "area": rnd.choice([None, None, 300.0, 500.0])}
            if tweets and doc["kind"] == "article" and rnd.random() < 0.3:
                doc["tail"] += f" https://x.com/acc/status/{rnd.choice(tweets)}"
            docs.append(doc)
        sentences = [SENT[a].format(p=name) for _, name, a, _, _ in doc["claims"]]
        text = " ".join(sentences) + " " + doc["tail"]
        s = Source(kind=doc["kind"], origin="test", text=text, outlet=doc["outlet"],
                   language=doc["lang"], published_at=doc["when"], forwarded_from=doc["fwd"],
                   external_id=str(10**18 + i) if doc["kind"] == "tweet" else doc["ext"],
                   media=["p.jpg"] if i % 7 == 0 else [])
        if doc["kind"] == "tweet" and doc is docs[-1]:
            tweets.append(str(10**18 + i))
        out.append(s)
        pos = 0
        for (gid, name, action, prec, day), sent in zip(doc["claims"], sentences, strict=True):
            out.append(ControlEvent(
                source_id=s.id, start=pos, end=pos + len(sent), extractor="t",
                extractor_version="0", place_id=gid, place_name=name, action=action,
                new_controller={"liberated": "UA", "captured": "RU", "held": "RU"}.get(
                    action, "unknown"), claimed_by=rnd.choice(["UA", "RU", "unknown"]),
                event_date=None if prec == "unknown" else day, time_precision=prec))
            pos += len(sent) + 1
        common = {"source_id": s.id, "start": 0, "end": 5, "extractor": "t",
                  "extractor_version": "0"}
        out += [EquipmentLoss(**common, catalog_type=t, model_text=t, side="RU", fate="destroyed",
                              evidence_urls=[f"https://img/{t}"] if i % 3 else [])
                for t in doc["equipment"]]
        if doc["quote"]:
            out.append(Statement(**common, speaker="Hanna Maliar", side="UA",
                                 quote="the enemy retreats from the city", against_interest=False))
        if doc["area"]:
            out.append(AreaClaim(**common, value_km2=doc["area"], raw_value=doc["area"],
                                 raw_unit="km2"))
    return out


def test_fused_tables_do_not_depend_on_the_partition_size(store: Store) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, generated())
    whole = run_fusion(store, partition_rows=10**9)
    expected = fused_tables(store)
    parted = run_fusion(store, partition_rows=7, full=True)
    got = fused_tables(store)
    assert got == expected
    assert report_counts(parted) == report_counts(whole)
    methods = {r[3] for r in got["source_duplicates"]}
    assert {"exact", "minhash", "forward", "quote", "translation"} <= methods
    assert len(got["control_states"]) > 3 and got["contradictions"]


def test_the_sample_fuses_to_the_same_tables_in_one_or_many_partitions(db_url: str) -> None:
    with Store(db_url) as store:
        ingest_inputs(store, [str(SAMPLE)], Settings(db=db_url))
        run_extract(store)
        run_fusion(store)
        expected = fused_tables(store)
        run_fusion(store, partition_rows=3, full=True)
        assert fused_tables(store) == expected
        assert expected["events"] and expected["control_states"]


# -- the copy finder against MinHashLSH over whole texts -------------------------------------


def lsh_reference(sources: list[SourceInfo]) -> set[tuple[str, str | None, str, float]]:
    """Exact, forward and near-duplicate links as fusion found them with every text in memory
    and a MinHashLSH of MinHash objects (the implementation the copy finder replaced)."""
    ordered = sorted(sources, key=dedup._sort_key)
    links: dict[str, tuple[str, str | None, str, float]] = {}
    by_hash: dict[str, str] = {}
    by_outlet: dict[str, deque[str]] = {}
    hashes: dict[str, Any] = {}
    lsh = MinHashLSH(threshold=dedup.TEXT_THRESHOLD, num_perm=dedup.NUM_PERM)
    for s in ordered:
        mh = dedup._minhash(dedup._shingles(s.text)) if s.text.strip() else None
        link = None
        if s.content_hash and s.content_hash in by_hash:
            link = (s.id, by_hash[s.content_hash], "exact", 1.0)
        elif s.forwarded_from:
            best, sim = None, 0.0
            for cand in by_outlet.get(dedup.outlet_key(s.forwarded_from), ()):
                if mh is not None and cand in hashes and mh.jaccard(hashes[cand]) > sim:
                    best, sim = cand, mh.jaccard(hashes[cand])
            ok = best is not None and sim >= dedup.TEXT_THRESHOLD
            link = (s.id, best if ok else None, "forward", round(sim, 3) if ok else 1.0)
        elif mh is not None:
            best, sim = None, 0.0
            for cand in lsh.query(mh):
                if mh.jaccard(hashes[cand]) > sim:
                    best, sim = cand, mh.jaccard(hashes[cand])
            if best is not None and sim >= dedup.TEXT_THRESHOLD:
                link = (s.id, best, "minhash", round(sim, 3))
        if link is not None:
            links[s.id] = link
        if s.content_hash:
            by_hash.setdefault(s.content_hash, s.id)
        if mh is not None:
            hashes[s.id] = mh
            if link is None:
                lsh.insert(s.id, mh)
        by_outlet.setdefault(dedup.outlet_key(s.outlet), deque(maxlen=dedup.FORWARD_LOOKBACK)
                             ).append(s.id)
    return set(links.values())


def test_copy_finder_links_the_same_sources_as_minhash_lsh_over_whole_texts() -> None:
    rnd = random.Random(11)
    t0 = datetime(2022, 9, 1, tzinfo=UTC)
    texts: list[str] = []
    infos: list[SourceInfo] = []
    for i in range(600):
        if texts and rnd.random() < 0.5:
            words = rnd.choice(texts).split()
            for _ in range(rnd.randint(0, 12)):  # from identical to barely similar
                words[rnd.randrange(len(words))] = rnd.choice(WORDS)
            text = " ".join(words)
        else:
            text = " ".join(rnd.choices(WORDS, k=rnd.randint(20, 60)))
            texts.append(text)
        infos.append(SourceInfo(
            id=f"s{i:04d}", kind="telegram", outlet=f"o{rnd.randrange(8)}", text=text,
            published_at=t0 + timedelta(minutes=rnd.randrange(10**5)),
            content_hash=str(hash(text)) if rnd.random() < 0.9 else "",
            forwarded_from=f"o{rnd.randrange(10)}" if rnd.random() < 0.1 else None))
    expected = lsh_reference([SourceInfo(**{f: getattr(s, f) for f in s.__slots__})
                              for s in infos])
    got = {(d.source_id, d.canonical_id, d.method, d.similarity) for d in find_duplicates(infos)}
    assert got == expected
    assert {m for _, _, m, _ in got} == {"exact", "forward", "minhash"}


# -- sentences cut out by the database --------------------------------------------------------


@pytest.mark.parametrize("action,expected", [("withdrew", "UA"), ("entered", "UA")])
def test_side_after_a_move_is_read_from_the_sentence_at_code_point_offsets(
        store: Store, action: str, expected: str) -> None:
    """Flags and emoji (outside the BMP: two UTF-16 units, four UTF-8 bytes) before the span:
    an offset counted in bytes or UTF-16 units would cut out another sentence."""
    lead = "🇺🇦🇺🇦🇷🇺 😡😡 Росія каже одне. "
    sentence = {"withdrew": "Окупанти відступили з Балаклії.",
                "entered": "ЗСУ увійшли в Балаклію."}[action]
    s = Source(kind="telegram", origin="test", outlet="chan", text=lead + sentence + " 🙏",
               published_at=datetime(2022, 9, 9, tzinfo=UTC))
    start = s.text.index(sentence)
    rec = ControlEvent(source_id=s.id, start=start, end=start + len(sentence), extractor="t",
                       extractor_version="0", place_name="Балаклія", action=action,
                       event_date=date(2022, 9, 9), time_precision="day")
    assert claim_from_row(rec, s.text[rec.start : rec.end]).controller == expected
    with store.transaction() as conn:
        store.insert_new(conn, [s, rec])
    run_fusion(store)
    with store.engine.connect() as conn:
        (ctrl,) = conn.execute(select(schema.events.c.new_controller)).scalars()
    assert ctrl == expected
