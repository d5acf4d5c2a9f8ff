"""Fusion memory and time on a stored corpus: ``run_fusion`` over 1k, 10k and 100k sources.

A synthetic store (SQLite file in a temporary folder) is written through the project's own
records and ``Store.insert_new``; no extractor runs, the records are generated with the texts:
Telegram-length posts (300–800 characters, uk/ru/en) naming real settlements of the bundled
gazetteer (a tenth by name only), 1–3 control claims each (the sentence is the record's span;
withdrawals and entries leave the side to the sentence), some equipment losses, statements and
area figures. A third of the sources copy an earlier one: exact reposts, light rewrites,
Telegram forwards (some of channels not stored), articles quoting a stored tweet, and
translations into another language (the same facts). Sources spread over two years.

Each size is fused in a fresh child process per implementation: the shipped ``run_fusion``
and, as the baseline, the same function at ``--baseline`` (a git revision, default the last
in-memory fusion; its ``src`` is unpacked with ``git archive``). The child reports wall time
and peak RSS (``VmHWM`` of /proc/self/status, read right after the run) and a digest of the
five fused tables, so the table also says whether both wrote exactly the same rows.

    python bench/fuse_store.py [--sizes 1000,10000,100000] [--baseline REV|none]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BASELINE = "56c61a2"  # the last commit whose fusion held every source and row in memory
START = datetime(2022, 3, 1, tzinfo=UTC)
DAYS = 730
FUSED = ("events", "event_evidence", "contradictions", "source_duplicates", "control_states")

# -- the synthetic corpus -------------------------------------------------------------------------

SENTENCES = {
    "en": {
        "liberated": "Ukrainian forces liberated {p}, the brigade said.",
        "captured": "Russian troops captured {p} after days of assaults.",
        "held": "{p} remains under Russian control, officials said.",
        "withdrew": "Russian troops withdrew from {p} overnight.",
        "entered": "Ukrainian soldiers entered {p} this morning.",
        "fighting": "Heavy fighting continues near {p}.",
        "shelled": "{p} was shelled again overnight.",
    },
    "uk": {
        "liberated": "Українські сили звільнили {p}, повідомили в бригаді.",
        "captured": "Російські війська захопили {p} після кількох днів штурмів.",
        "held": "{p} залишається під контролем окупантів, кажуть чиновники.",
        "withdrew": "Російські війська відступили з {p} вночі.",
        "entered": "Українські військові увійшли в {p} зранку.",
        "fighting": "Тривають важкі бої біля {p}.",
        "shelled": "{p} знову обстріляли вночі.",
    },
    "ru": {
        "liberated": "Украинские силы освободили {p}, сообщили в бригаде.",
        "captured": "Российские войска заняли {p} после нескольких дней штурмов.",
        "held": "{p} остаётся под контролем российских войск, заявили чиновники.",
        "withdrew": "Российские войска отошли из {p} ночью.",
        "entered": "Украинские военные вошли в {p} утром.",
        "fighting": "Продолжаются тяжёлые бои у {p}.",
        "shelled": "{p} снова обстреляли ночью.",
    },
}
CONTROLLER = {"liberated": "UA", "captured": "RU", "held": "RU", "withdrew": "unknown",
              "entered": "unknown", "fighting": "unknown", "shelled": "unknown"}
ACTIONS = (["liberated"] * 3 + ["captured"] * 3 + ["held"] * 2 + ["withdrew", "entered"]
           + ["fighting"] * 4 + ["shelled"] * 3)
SYLLABLES = {
    "en": "ar bel cor den el fa gor hin ist ja kel lom mer nor op pra quin ros sta tur",
    "uk": "ба ві ги ді жу зо ки ли ма ні оп ра сі ту фе хо ці чи ше ю як єн їж",
    "ru": "бы ва го де жи за ки ло му не оп ру сы то фа хе цо чу ша щи эл юр я",
}
EQUIPMENT = ["T-72B3", "T-80BVM", "BMP-2", "BTR-82A", "2S19 Msta-S", "Ka-52", "Tor-M2",
             "BMD-4M", "MT-LB", "T-90M", "2S1 Gvozdika", "BM-21 Grad"]
SPEAKERS = ["Volodymyr Zelensky", "Dmitry Peskov", "Oleksii Reznikov", "Sergei Shoigu",
            "Hanna Maliar", "Igor Konashenkov"]
OUTLETS = ["Reuters", "TASS", "Ukrinform", "ISW", "Rybar", "DeepState", "BBC", "RIA Novosti",
           "General Staff of the Armed Forces of Ukraine", "WarGonzo"]


def places(n: int) -> list[tuple[str, dict[str, str]]]:
    """The n most populous Ukrainian settlements of the bundled gazetteer and two oblasts."""
    import sqlite3

    from frontlens.resolve.gazetteer import DEFAULT_PATH

    con = sqlite3.connect(f"file:{DEFAULT_PATH}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT gid, name, name_uk, name_ru FROM places WHERE country = 'UA' AND fclass IN "
        "('settlement', 'region') AND name_uk IS NOT NULL AND name_ru IS NOT NULL "
        "ORDER BY fclass = 'region' DESC, population DESC LIMIT ?", (n,)).fetchall()
    con.close()
    return [(gid, {"en": en, "uk": uk, "ru": ru}) for gid, en, uk, ru in rows]


class Corpus:
    """Deterministic generator of sources and their records (see the module docstring)."""

    def __init__(self, n: int, seed: int = 7) -> None:
        self.n = n
        self.rnd = random.Random(seed)
        self.places = places(max(50, min(n // 25, 3000)))
        n_outlets = max(12, min(n // 150, 600))
        self.outlets = OUTLETS + [f"channel {i}" for i in range(n_outlets - len(OUTLETS))]
        self.recent: list[dict[str, Any]] = []  # originals that later sources copy
        self.tweets: list[tuple[str, str]] = []  # (handle, status id) of stored tweets

    def words(self, lang: str, k: int) -> str:
        syl = SYLLABLES[lang].split(" ")
        return " ".join("".join(self.rnd.choice(syl) for _ in range(self.rnd.randint(2, 4)))
                        for _ in range(k))

    def original(self, i: int) -> dict[str, Any]:
        rnd = self.rnd
        lang = rnd.choice(["uk", "uk", "ru", "en"])
        when = START + timedelta(minutes=rnd.randrange(DAYS * 24 * 60))
        kind = rnd.choice(["telegram"] * 6 + ["article"] * 2 + ["tweet"])
        claims = []
        for _ in range(rnd.choice([1, 1, 2, 2, 3])):
            gid, names = rnd.choice(self.places)
            action = rnd.choice(ACTIONS)
            r = rnd.random()
            prec = "day" if r < 0.8 else "week" if r < 0.9 else "month" if r < 0.95 else \
                "year" if r < 0.96 else "unknown"
            claims.append({"gid": gid if rnd.random() < 0.9 else None, "names": names,
                           "action": action, "prec": prec,
                           "day": (when - timedelta(days=rnd.randint(0, 2))).date(),
                           "claimed_by": rnd.choice(["UA", "RU", "unknown", "unknown"]),
                           "hedged": rnd.random() < 0.1,
                           "status": "new" if rnd.random() < 0.92 else "recalled",
                           "confidence": round(rnd.random(), 3) if rnd.random() < 0.5 else None})
        equipment = [{"type": rnd.choice(EQUIPMENT), "side": rnd.choice(["UA", "RU"]),
                      "fate": rnd.choice(["destroyed", "damaged", "captured", "abandoned"]),
                      "url": f"https://postimg.cc/{rnd.randrange(10**9):x}"
                      if rnd.random() < 0.5 else None}
                     for _ in range(rnd.choice([0] * 8 + [1, 2]))]
        statement = ({"speaker": rnd.choice(SPEAKERS), "quote": self.words("en", 10),
                      "against": rnd.random() < 0.1} if rnd.random() < 0.08 else None)
        area = ({"value": rnd.choice([300.0, 500.0, 1000.0, 3000.0, 6000.0]),
                 "qualifier": rnd.choice(["exact", "more_than", "about"])}
                if rnd.random() < 0.03 else None)
        doc = {"i": i, "lang": lang, "when": when, "kind": kind, "outlet": rnd.choice(self.outlets),
               "claims": claims, "equipment": equipment, "statement": statement, "area": area}
        doc["text"], doc["spans"] = self.text(doc)
        return doc

    def text(self, doc: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
        """The post, and the span of each claim's sentence (records point into it)."""
        lang, rnd = doc["lang"], self.rnd
        parts: list[str] = [self.words(lang, rnd.randint(6, 14)) + "."]
        spans: list[tuple[int, int]] = []
        pos = len(parts[0]) + 1
        items: list[str] = [SENTENCES[lang][c["action"]].format(p=c["names"][lang])
                            for c in doc["claims"]]
        items += [f"{e['type']} {e['fate']}." for e in doc["equipment"]]
        if doc["statement"]:
            items.append(f"{doc['statement']['speaker']}: \"{doc['statement']['quote']}\".")
        if doc["area"]:
            items.append(f"{doc['area']['value']:g} km2.")
        for s in items:
            spans.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s) + 1
        target = rnd.randint(300, 800)
        while pos < target:
            filler = self.words(lang, rnd.randint(5, 12)) + "."
            parts.append(filler)
            pos += len(filler) + 1
        if doc["kind"] != "tweet" and self.tweets and rnd.random() < 0.02:
            handle, status = rnd.choice(self.tweets)
            parts.append(f"https://x.com/{handle}/status/{status}")
        return " ".join(parts), spans

    def copy(self, i: int) -> dict[str, Any]:
        """A later source that copies a recent original: repost, rewrite, forward, translation."""
        rnd = self.rnd
        orig = rnd.choice(self.recent)
        doc = {**orig, "i": i, "when": orig["when"] + timedelta(minutes=rnd.randint(5, 2800)),
               "outlet": rnd.choice(self.outlets), "forwarded_from": None}
        how = rnd.choice(["exact", "exact", "rewrite", "rewrite", "rewrite", "forward",
                          "forward", "forward_unstored", "translation"])
        if how == "rewrite":
            doc["text"] = orig["text"] + " " + self.words(orig["lang"], rnd.randint(2, 8)) + "."
        elif how in ("forward", "forward_unstored"):
            doc["kind"] = "telegram"
            doc["forwarded_from"] = (orig["outlet"] if how == "forward"
                                     else f"unstored channel {rnd.randrange(50)}")
            doc["text"] = orig["text"] + " " + self.words(orig["lang"], 2)
        elif how == "translation":
            doc["lang"] = rnd.choice([x for x in ("uk", "ru", "en") if x != orig["lang"]])
            doc["when"] = orig["when"] + timedelta(minutes=rnd.randint(5, 1800))
            doc["text"], doc["spans"] = self.text(doc)
        return doc

    def documents(self) -> Any:
        for i in range(self.n):
            if self.recent and self.rnd.random() < 0.33:
                yield self.copy(i)
                continue
            doc = self.original(i)
            if len(doc["equipment"]) < 2 and self.rnd.random() < 0.04:  # fit for translation
                doc["equipment"] = [{"type": t, "side": "RU", "fate": "destroyed", "url": None}
                                    for t in self.rnd.sample(EQUIPMENT, 2)]
                doc["text"], doc["spans"] = self.text(doc)
            self.recent = [*self.recent[-399:], doc]
            if doc["kind"] == "tweet":
                self.tweets.append((doc["outlet"].replace(" ", "_"), str(10**12 + i)))
            yield doc


def records(doc: dict[str, Any]) -> list[Any]:
    """The source and its extracted records."""
    from frontlens.model import AreaClaim, ControlEvent, EquipmentLoss, Source, Statement

    ext = f"{doc['outlet']}/{doc['i']}"
    src = Source(kind=doc["kind"], origin="bench", external_id=str(10**12 + doc["i"]),
                 url=f"https://t.me/{ext}" if doc["kind"] == "telegram" else None,
                 outlet=doc["outlet"], language=doc["lang"], published_at=doc["when"],
                 text=doc["text"], forwarded_from=doc.get("forwarded_from"),
                 media=["photo.jpg"] if doc["i"] % 9 == 0 else [])
    common = {"source_id": src.id, "extractor": "bench", "extractor_version": "0"}
    out: list[Any] = [src]
    spans = iter(doc["spans"])
    lang = doc["lang"]
    for c in doc["claims"]:
        start, end = next(spans)
        name = c["names"][lang] if c["gid"] else c["names"][lang].upper()
        dated = c["prec"] != "unknown"
        out.append(ControlEvent(**common, start=start, end=end, place_id=c["gid"],
                                place_name=name, action=c["action"],
                                new_controller=CONTROLLER[c["action"]],
                                claimed_by=c["claimed_by"], hedged=c["hedged"],
                                event_date=c["day"] if dated else None,
                                time_precision=c["prec"], status=c["status"],
                                confidence=c["confidence"]))
    for e in doc["equipment"]:
        start, end = next(spans)
        out.append(EquipmentLoss(**common, start=start, end=end, catalog_type=e["type"],
                                 model_text=e["type"], side=e["side"], fate=e["fate"],
                                 evidence_urls=[e["url"]] if e["url"] else []))
    if doc["statement"]:
        start, end = next(spans)
        st = doc["statement"]
        out.append(Statement(**common, start=start, end=end, speaker=st["speaker"],
                             side="UA", quote=st["quote"], against_interest=st["against"]))
    if doc["area"]:
        start, end = next(spans)
        a = doc["area"]
        out.append(AreaClaim(**common, start=start, end=end, value_km2=a["value"],
                             raw_value=a["value"], raw_unit="km2", qualifier=a["qualifier"]))
    return out


def insert(store: Any, docs: Iterable[dict[str, Any]]) -> None:
    """Store the documents' records in transactions of 5,000."""
    batch: list[Any] = []
    for doc in docs:
        batch.extend(records(doc))
        if len(batch) >= 5000:
            with store.transaction() as conn:
                store.insert_new(conn, batch)
            batch = []
    with store.transaction() as conn:
        store.insert_new(conn, batch)


def build_store(url: str, n: int) -> dict[str, int]:
    """Write n generated sources and their records; returns the row counts."""
    from frontlens.store.db import Store

    corpus = Corpus(n)
    with Store(url) as store:
        insert(store, corpus.documents())
        counts = store.counts()
    return {k: counts[k] for k in ("sources", "control_events", "equipment_losses",
                                   "statements", "area_claims")}


# -- measuring ----------------------------------------------------------------------------------

CHILD = """
import hashlib, json, re, sys, time
from sqlalchemy import select, text
import frontlens
from frontlens.fuse.picture import run_fusion
from frontlens.store import schema
from frontlens.store.db import Store

def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))

store = Store(sys.argv[1], migrate=False)
before = hwm()
t0 = time.perf_counter()
rep = run_fusion(store)
dt = time.perf_counter() - t0
peak = hwm()
digest = {}
with store.engine.connect() as conn:
    for name in sys.argv[2].split(","):
        t = schema.metadata.tables[name]
        h = hashlib.sha256()
        n = 0
        for r in conn.execute(select(t).order_by(*t.primary_key.columns)):
            h.update(repr(tuple(r)).encode())
            n += 1
        digest[name] = [n, h.hexdigest()[:16]]
print(json.dumps({"seconds": dt, "peak_kb": peak, "start_kb": before, "digest": digest,
                  "module": frontlens.__file__}))
"""


def measure(url: str, pythonpath: str | None) -> dict[str, Any]:
    """Fuse the store in a child process; its own peak RSS, never the parent's."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", CHILD, url, ",".join(FUSED)], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def unpack(rev: str, into: Path) -> str:
    """The ``src`` folder of a git revision, unpacked (the repository is only read)."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev, "src"],
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return str(into / "src")


def warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--baseline", default=BASELINE,
                    help="git revision to compare with ('none': only the shipped fusion)")
    ap.add_argument("--keep", default=None, help="folder for the stores (kept)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        impls: dict[str, str | None] = {"streaming": None}
        if args.baseline != "none":
            impls = {f"baseline {args.baseline}": unpack(args.baseline, Path(tmp) / "base"),
                     **impls}
        res: dict[str, dict[int, dict[str, Any]]] = {k: {} for k in impls}
        for n in sizes:
            db = folder / f"fuse_{n}.db"
            url = f"sqlite:///{db}"
            if not db.exists():
                t0 = time.perf_counter()
                counts = build_store(url, n)
                print(f"store {n:,} sources: {counts} (built in {time.perf_counter() - t0:.0f} s)",
                      flush=True)
            for name, path in impls.items():
                warm(db)
                r = measure(url, path)
                res[name][n] = r
                print(f"  {name:>18}: {r['seconds']:7.2f} s, peak RSS {r['peak_kb'] / 1024:7.0f} MB"
                      f"  ({r['module']})", flush=True)
            digests = {json.dumps(res[k][n]["digest"], sort_keys=True) for k in impls}
            rows = res["streaming"][n]["digest"]
            print(f"  fused rows: {', '.join(f'{t} {v[0]:,}' for t, v in rows.items())}; "
                  f"same tables: {'yes' if len(digests) == 1 else 'NO'}", flush=True)
        print()
        print(f"{'implementation':>22} " + " ".join(f"{n:>16,}" for n in sizes)
              + "   RSS growth  time exponent")
        for name in impls:
            r = res[name]
            cells = " ".join(f"{r[n]['seconds']:6.1f}s {r[n]['peak_kb'] / 1024:5.0f}MB"
                             for n in sizes)
            a, b = sizes[-2:] if len(sizes) > 1 else (sizes[0], sizes[0])
            growth = r[b]["peak_kb"] / r[a]["peak_kb"]
            expo = (r[b]["seconds"] / r[a]["seconds"]) / (b / a) if b != a else 1.0
            print(f"{name:>22} {cells}   x{growth:.2f} {a:,}→{b:,}  {expo:.2f}")


if __name__ == "__main__":
    main()
