"""Tools for building the annotated corpus (corpus/): exclusion check, gazetteer look-up,
validation and mention filling, blind copies for a second pass, agreement, the split.

    python scripts/corpus.py exclude FILE.jsonl [--drop]
    python scripts/corpus.py gaz NAME [NAME ...]
    python scripts/corpus.py finalize FILE.jsonl
    python scripts/corpus.py blind FILE.jsonl --ids a,b,c -o OUT.jsonl
    python scripts/corpus.py agree --first A.jsonl... --second B.jsonl... [--json OUT]
    python scripts/corpus.py split [--write]

Run from the repository root; `../shared/data/news/exclude/` must be beside the checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
EXCLUDE = ROOT.parent / "shared" / "data" / "news" / "exclude"
CORPUS = ROOT / "corpus"

LANGS = {"en", "uk", "ru"}
GENRES = {"news", "official", "analysis", "post"}
PLACE_KINDS = {"settlement", "oblast-or-region", "country", "river-or-other",
               "street-or-building"}
USAGES = {"literal", "metonymic"}
ACTIONS = {"liberated", "captured", "withdrew", "entered", "advanced_toward", "encircled",
           "shelled", "held", "fighting"}
SIDES = {"UA", "RU", None}
CONTROLLERS = {"UA", "RU", "contested", None}
STATUSES = {"new", "recalled", "denied", "hypothetical"}
PRECISIONS = {"day", "month", "year", None}
CATEGORIES = {"tank", "IFV", "APC", "MRAP", "SPG", "towed artillery", "artillery", "MLRS", "SAM",
              "SPAAG", "radar", "truck", "helicopter", "aircraft", "drone", "ship", "other"}
FATES = {"destroyed", "damaged", "abandoned", "captured", "delivered", None}
STATEMENT_SIDES = {"UA", "RU", "US", "other", None}
NON_PLACE_KINDS = {"weapon", "vehicle", "organisation", "unit", "person", "word"}
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


# ---------------------------------------------------------------- exclusion (shared/README)

def norm_url(url: str) -> str:
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    path = parts.path.rstrip("/")
    path = path.removesuffix("/amp").rstrip("/")
    return host + path


def shingles(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {hashlib.sha256(" ".join(words[i:i + n]).encode()).hexdigest()[:16]
            for i in range(len(words) - n + 1)}


def _load_exclusions() -> tuple[set[str], set[str]]:
    urls = set((EXCLUDE / "urls.sha256").read_text().split())
    sh = set((EXCLUDE / "shingles8.sha256").read_text().split())
    return urls, sh


def exclusion_hit(doc: dict[str, Any], urls: set[str], sh: set[str]) -> str | None:
    """Why the document is reserved for independent testing, or None."""
    if doc.get("url") and hashlib.sha256(norm_url(doc["url"]).encode()).hexdigest() in urls:
        return "URL is on the reserved list"
    shared = len(shingles(doc.get("text") or "") & sh)
    if shared >= 3:
        return f"shares {shared} 8-word shingles with reserved texts"
    return None


# ---------------------------------------------------------------- io

def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The gold loader ``frontlens eval`` uses (errors name the file and line)."""
    from frontlens.evaluate.news import load_gold

    try:
        return load_gold(path)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc


def write_jsonl(path: Path, docs: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")


# ---------------------------------------------------------------- finalize

def _whole_word_spans(text: str, surface: str) -> list[list[int]]:
    spans = []
    for m in re.finditer(re.escape(surface), text):
        a, b = m.start(), m.end()
        if (a > 0 and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum()):
            continue
        spans.append([a, b])
    return spans


def fill_mentions(doc: dict[str, Any]) -> None:
    """Every whole-word occurrence of each surface, minus spans inside a longer surface's."""
    places = doc["gold"].get("places", [])
    text = doc["text"]
    found = {id(p): (p["mentions"] if p.get("mentions") else _whole_word_spans(text, p["surface"]))
             for p in places}
    for p in places:
        mine = found[id(p)]
        others = [s for q in places if q is not p for s in found[id(q)]]
        p["mentions"] = [s for s in mine
                         if not any(o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0])
                                    for o in others)]


def _check(cond: bool, problems: list[str], where: str, what: str) -> None:
    if not cond:
        problems.append(f"{where}: {what}")


def validate(doc: dict[str, Any], gaz: Any) -> list[str]:
    p: list[str] = []
    did = doc.get("id", "?")
    for key in ("id", "url", "outlet", "lang", "genre", "text", "licence", "gold"):
        _check(bool(doc.get(key)), p, did, f"missing {key}")
    if p:
        return p
    text = doc["text"]
    _check(doc["lang"] in LANGS, p, did, f"lang {doc['lang']!r}")
    _check(doc["genre"] in GENRES, p, did, f"genre {doc['genre']!r}")
    _check(doc.get("date") is None or bool(DATE_RE.match(str(doc["date"]))), p, did,
           f"date {doc.get('date')!r}")
    _check(100 <= len(text) <= 4000, p, did, f"text length {len(text)}")
    g = doc["gold"]
    for k, pl in enumerate(g.get("places", [])):
        w = f"{did} places[{k}] {pl.get('surface')!r}"
        _check(bool(pl.get("surface")) and pl["surface"] in text, p, w, "surface not in text")
        _check(pl.get("kind") in PLACE_KINDS, p, w, f"kind {pl.get('kind')!r}")
        _check(pl.get("usage", "literal") in USAGES, p, w, f"usage {pl.get('usage')!r}")
        _check(bool(pl.get("mentions")), p, w, "no whole-word mention")
        gid = pl.get("gazetteer")
        if gid:
            c = gaz.get(gid)
            _check(c is not None, p, w, f"gazetteer id {gid} unknown")
            if c is not None and pl.get("lat") is None:
                pl["lat"], pl["lon"] = c.lat, c.lon
    surfaces_places = {pl.get("surface") for pl in g.get("places", [])}
    for k, c in enumerate(g.get("control_claims", [])):
        w = f"{did} control_claims[{k}] {c.get('place_surface')!r}"
        _check(bool(c.get("place_surface")) and c["place_surface"] in text, p, w,
               "place_surface not in text")
        _check(c.get("place_surface") in surfaces_places, p, w, "place_surface is no gold place")
        _check(c.get("action") in ACTIONS, p, w, f"action {c.get('action')!r}")
        _check(c.get("actor") in SIDES, p, w, f"actor {c.get('actor')!r}")
        _check(c.get("new_controller") in CONTROLLERS, p, w,
               f"new_controller {c.get('new_controller')!r}")
        _check(c.get("status") in STATUSES, p, w, f"status {c.get('status')!r}")
        _check(c.get("claimant_side") in STATEMENT_SIDES - {"US"} | {"other"}, p, w,
               f"claimant_side {c.get('claimant_side')!r}")
        _check((c.get("claimed_by") is None) == (c.get("claimant_side") is None), p, w,
               "claimed_by and claimant_side must be null together")
        _check(c.get("date") is None or bool(DATE_RE.match(str(c["date"]))), p, w,
               f"date {c.get('date')!r}")
        ev = c.get("evidence") or ""
        _check(bool(ev) and ev in text, p, w, "evidence not a verbatim substring of text")
        _check(not ev or (c.get("place_surface") or "") in ev, p, w,
               "evidence does not contain place_surface")
        _check(c.get("date_precision") in PRECISIONS, p, w,
               f"date_precision {c.get('date_precision')!r}")
        _check((c.get("date") is None) == (c.get("date_precision") is None), p, w,
               "date and date_precision must be null together")
    for k, e in enumerate(g.get("equipment", [])):
        w = f"{did} equipment[{k}] {e.get('surface')!r}"
        _check(bool(e.get("surface")) and e["surface"] in text, p, w, "surface not in text")
        _check(bool(e.get("model")), p, w, "no model")
        _check(e.get("category") in CATEGORIES, p, w, f"category {e.get('category')!r}")
        _check(e.get("side") in SIDES, p, w, f"side {e.get('side')!r}")
        _check(e.get("fate") in FATES, p, w, f"fate {e.get('fate')!r}")
        _check(isinstance(e.get("count", 1), int) and e.get("count", 1) >= 1, p, w, "count")
    for k, s in enumerate(g.get("statements", [])):
        w = f"{did} statements[{k}]"
        _check(bool(s.get("text")) and s["text"] in text, p, w, "text not verbatim")
        _check(s.get("side") in STATEMENT_SIDES, p, w, f"side {s.get('side')!r}")
        _check(isinstance(s.get("is_direct_quote"), bool), p, w, "is_direct_quote not a bool")
        _check(bool(s.get("speaker") or s.get("role")), p, w, "no speaker or role")
        _check(not s.get("cue") or s["cue"] in text, p, w, "cue not in text")
    for k, a in enumerate(g.get("area_claims", [])):
        w = f"{did} area_claims[{k}]"
        _check(bool(a.get("surface")) and a["surface"] in text, p, w, "surface not in text")
        _check(a.get("unit") in ("sq km", "sq mi", "ha"), p, w, f"unit {a.get('unit')!r}")
    for k, n in enumerate(g.get("non_places", [])):
        w = f"{did} non_places[{k}] {n.get('surface')!r}"
        _check(bool(n.get("surface")) and n["surface"] in text, p, w, "surface not in text")
        _check(n.get("kind") in NON_PLACE_KINDS, p, w, f"kind {n.get('kind')!r}")
    return p


def cmd_finalize(path: Path) -> int:
    from frontlens.resolve.gazetteer import Gazetteer

    gaz = Gazetteer()
    docs = read_jsonl(path)
    urls, sh = _load_exclusions()
    problems: list[str] = []
    seen: set[str] = set()
    for doc in docs:
        did = doc.get("id", "?")
        if did in seen:
            problems.append(f"{did}: duplicate id")
        seen.add(did)
        doc.setdefault("gold", {})
        for key in ("places", "control_claims", "equipment", "statements", "area_claims"):
            doc["gold"].setdefault(key, [])
        if doc.get("text"):
            fill_mentions(doc)
        hit = exclusion_hit(doc, urls, sh)
        if hit:
            problems.append(f"{did}: reserved for independent testing ({hit}); remove it")
        problems += validate(doc, gaz)
    write_jsonl(path, docs)
    for line in problems:
        print(line)
    print("ok" if not problems else f"{len(problems)} problems in {len(docs)} documents")
    return 1 if problems else 0


def cmd_exclude(path: Path, drop: bool) -> int:
    urls, sh = _load_exclusions()
    docs = read_jsonl(path)
    keep = []
    for doc in docs:
        hit = exclusion_hit(doc, urls, sh)
        if hit:
            print(f"{doc.get('id')}: {hit} ({doc.get('url')})")
        else:
            keep.append(doc)
    if drop and len(keep) != len(docs):
        write_jsonl(path, keep)
    print(f"{len(docs) - len(keep)} of {len(docs)} documents reserved")
    return 0


def cmd_gaz(names: list[str]) -> int:
    from frontlens.resolve.gazetteer import Gazetteer

    gaz = Gazetteer()
    for name in names:
        cands = gaz.lookup(name)
        print(f"{name}: {len(cands)} candidates")
        for c in sorted(cands, key=lambda c: -(c.population or 0))[:25]:
            print(f"  {c.gid:22} {c.name:28} {c.fclass:10} {c.country}/{c.admin1}/{c.admin2} "
                  f"{c.lat:.4f},{c.lon:.4f} pop={c.population}")
    return 0


def cmd_blind(path: Path, ids: list[str], out: Path) -> int:
    docs = {d["id"]: d for d in read_jsonl(path)}
    missing = [i for i in ids if i not in docs]
    if missing:
        print(f"not in {path} (yet): {', '.join(missing)}")
    blind = [{k: v for k, v in docs[i].items() if k not in ("gold", "annotator")}
             for i in ids if i in docs]
    write_jsonl(out, blind)
    print(f"{len(blind)} documents without gold → {out}")
    return 0


# ---------------------------------------------------------------- split

SPLIT_SALT = "frontlens-corpus-split-v1"
SECTIONS = ("places", "control_claims", "equipment", "statements", "area_claims")


def split_of(doc: dict[str, Any]) -> str:
    """train / dev / test by outlet, fixed before any document was collected: the test split
    holds whole outlets (about 22 %), so no test outlet is ever seen in training."""
    outlet = (doc.get("outlet") or norm_url(doc.get("url") or "").split("/")[0]).lower()
    bucket = int(hashlib.sha256(f"{SPLIT_SALT}|{outlet}".encode()).hexdigest(), 16) % 100
    return "test" if bucket < 22 else "dev" if bucket < 37 else "train"


def near_duplicates(docs: list[dict[str, Any]], share: float = 0.2) -> dict[str, str]:
    """id → id of an earlier document it copies (≥ ``share`` of its 8-word shingles, or the
    same URL): a syndicated copy in another split would leak the answer."""
    seen: list[tuple[str, str, set[str]]] = []
    dup = {}
    for d in docs:
        sh = shingles(d["text"])
        url = norm_url(d.get("url") or "")
        for oid, ourl, osh in seen:
            if (url and url == ourl) or (sh and len(sh & osh) >= share * min(len(sh), len(osh))):
                dup[d["id"]] = oid
                break
        else:
            seen.append((d["id"], url, sh))
    return dup


def cmd_dupcheck(path: Path) -> int:
    """Which documents of FILE copy a document of another batch (ids only are printed)."""
    mine = read_jsonl(path)
    others = [d for f in sorted(CORPUS.glob("batches*/*.jsonl")) if f.resolve() != path.resolve()
              for d in read_jsonl(f)]
    n = 0
    for d in mine:
        dup = near_duplicates([*others, d]).get(d["id"])
        if dup:
            n += 1
            print(f"{d['id']}: same story as {dup} in another batch; replace it")
    print(f"{n} of {len(mine)} documents copy another batch")
    return 1 if n else 0


ROUNDS = ("batches", "batches2")
"""Collection rounds, oldest first. test.jsonl was frozen after round 1; a later round's
documents from test outlets go to test_round<N>.jsonl (never trained on), so the frozen file
never changes."""


def cmd_split(write: bool) -> int:
    docs = [(r, d) for r, folder in enumerate(ROUNDS, 1)
            for f in sorted((CORPUS / folder).glob("*.jsonl")) for d in read_jsonl(f)]
    dup = near_duplicates([d for _, d in docs])
    for k, v in dup.items():
        print(f"dropped {k}: copies {v}")
    parts: dict[str, list[dict[str, Any]]] = {"train": [], "dev": [], "test": []}
    for r, d in docs:
        if d["id"] not in dup:
            name = split_of(d)
            if name == "test" and r > 1:
                name = f"test_round{r}"
            parts.setdefault(name, []).append(d)
    for name, ds in parts.items():
        langs = {lang: sum(d["lang"] == lang for d in ds) for lang in sorted(LANGS)}
        outlets = len({d["outlet"] for d in ds})
        print(f"{name:5} {len(ds):4} docs {outlets:3} outlets {langs}")
        if write:
            write_jsonl(CORPUS / f"{name}.jsonl", sorted(ds, key=lambda d: d["id"]))
    if write:
        digest = hashlib.sha256((CORPUS / "test.jsonl").read_bytes()).hexdigest()
        print(f"test.jsonl sha256 {digest}")
    return 0


# ---------------------------------------------------------------- agreement

def _f1(a: int, b: int, both: int) -> dict[str, Any]:
    p = both / b if b else 1.0
    r = both / a if a else 1.0
    return {"first": a, "second": b, "agreed": both,
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def _greedy(xs: list[Any], ys: list[Any], same: Any) -> list[tuple[Any, Any]]:
    used: set[int] = set()
    pairs = []
    for x in xs:
        for k, y in enumerate(ys):
            if k not in used and same(x, y):
                used.add(k)
                pairs.append((x, y))
                break
    return pairs


def _words(s: str | None) -> set[str]:
    return set(re.findall(r"\w+", (s or "").lower()))


def agreement(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-section F1 between two annotators over the documents both annotated, and on
    matched control claims the share with the same actor, new controller and status."""
    sys.path.insert(0, str(ROOT / "src"))
    from frontlens.evaluate.control import same_place

    by_id = {d["id"]: d for d in first}
    # only where both annotated the same text (a first annotator may have replaced a document
    # after the blind copy was made)
    pairs = [(by_id[d["id"]], d) for d in second
             if d["id"] in by_id and by_id[d["id"]]["text"] == d["text"]]
    counts = {k: [0, 0, 0] for k in SECTIONS}
    attr = {"actor": [0, 0], "new_controller": [0, 0], "status": [0, 0]}
    rules = {
        "places": lambda x, y: x == y,
        "control_claims": lambda x, y: x["action"] == y["action"] and any(
            same_place(a, b) for a in (x.get("place") or "", x["place_surface"])
            for b in (y.get("place") or "", y["place_surface"]) if a and b),
        "equipment": lambda x, y: (x.get("model") or "").lower() == (y.get("model") or "").lower()
        and x.get("fate") == y.get("fate"),
        "statements": lambda x, y: len(_words(x["text"]) & _words(y["text"]))
        >= 0.5 * max(1, min(len(_words(x["text"])), len(_words(y["text"])))),
        "area_claims": lambda x, y: x.get("value") == y.get("value"),
    }
    for a, b in pairs:
        for key in SECTIONS:
            if key == "places":
                xs = [tuple(m) for p in a["gold"]["places"] for m in p["mentions"]]
                ys = [tuple(m) for p in b["gold"]["places"] for m in p["mentions"]]
            else:
                xs, ys = a["gold"].get(key, []), b["gold"].get(key, [])
            matched = _greedy(xs, ys, rules[key])
            counts[key][0] += len(xs)
            counts[key][1] += len(ys)
            counts[key][2] += len(matched)
            if key == "control_claims":
                for x, y in matched:
                    for field in attr:
                        attr[field][0] += x.get(field) == y.get(field)
                        attr[field][1] += 1
    out: dict[str, Any] = {"documents": len(pairs)}
    out.update({k: _f1(*v) for k, v in counts.items()})
    out["control_claims_on_matched"] = {
        k: round(v[0] / v[1], 3) if v[1] else None for k, v in attr.items()}
    return out


def cmd_agree(first: list[Path], second: list[Path], out: Path | None) -> int:
    a = [d for f in first for d in read_jsonl(f)]
    b = [d for f in second for d in read_jsonl(f)]
    report = agreement(a, b)
    report["by_language"] = {
        lang: {k: v["f1"] if isinstance(v, dict) and "f1" in v else v
               for k, v in agreement([d for d in a if d.get("lang") == lang],
                                     [d for d in b if d.get("lang") == lang]).items()}
        for lang in sorted(LANGS)}
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("exclude")
    a.add_argument("file", type=Path)
    a.add_argument("--drop", action="store_true")
    a = sub.add_parser("gaz")
    a.add_argument("names", nargs="+")
    a = sub.add_parser("finalize")
    a.add_argument("file", type=Path)
    a = sub.add_parser("blind")
    a.add_argument("file", type=Path)
    a.add_argument("--ids", required=True)
    a.add_argument("-o", "--out", type=Path, required=True)
    a = sub.add_parser("dupcheck")
    a.add_argument("file", type=Path)
    a = sub.add_parser("split")
    a.add_argument("--write", action="store_true")
    a = sub.add_parser("agree")
    a.add_argument("--first", type=Path, nargs="+", required=True)
    a.add_argument("--second", type=Path, nargs="+", required=True)
    a.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "dupcheck":
        return cmd_dupcheck(args.file)
    if args.cmd == "split":
        return cmd_split(args.write)
    if args.cmd == "agree":
        return cmd_agree(args.first, args.second, args.json)
    if args.cmd == "exclude":
        return cmd_exclude(args.file, args.drop)
    if args.cmd == "gaz":
        return cmd_gaz(args.names)
    if args.cmd == "finalize":
        return cmd_finalize(args.file)
    if args.cmd == "blind":
        return cmd_blind(args.file, args.ids.split(","), args.out)
    return 2


if __name__ == "__main__":
    sys.exit(main())
