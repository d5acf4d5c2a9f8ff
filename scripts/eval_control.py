"""Evaluate the control-event extractor on the news dev splits (measurement only).

Modes:
- ``oracle-places``: ``doc.places`` is built from the gold place mentions (ORACLE — an upper
  bound for linking and actions, not a system figure);
- ``real-places``: the ``places`` component, when it is registered.

Usage: ``python scripts/eval_control.py [--data DIR] [--errors N] [--mode oracle|real|both]``
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from frontlens.evaluate.common import Score
from frontlens.evaluate.control import controller_accuracy, score_control
from frontlens.extract import control as _control  # noqa: F401  (registers "control")
from frontlens.extract import ner as _ner  # noqa: F401
from frontlens.extract import sentences as _sentences  # noqa: F401
from frontlens.extract.doc import COMPONENTS, Doc, PlaceMention
from frontlens.model import Place

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
BROKEN: set[str] = set()
OPTIONAL = ("frontlens.extract.places", "frontlens.extract.timex", "frontlens.extract.statements")


def _load_optional() -> None:
    for mod in OPTIONAL:
        with contextlib.suppress(ImportError):
            importlib.import_module(mod)


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def oracle_places(gold_doc: dict[str, Any]) -> list[PlaceMention]:
    """ORACLE: place mentions and names straight from the gold annotation."""
    out = []
    for p in gold_doc["gold"].get("places", []):
        place = Place(id=f"gold:{p['name']}", name=p["name"])
        for s, e in p.get("mentions", []):
            out.append(PlaceMention(s, e, gold_doc["text"][s:e], p.get("kind", "settlement"),
                                    place, usage=p.get("usage", "literal"), via="oracle"))
    return sorted(out, key=lambda m: m.start)


TIMES: dict[str, float] = defaultdict(float)


def _timed(name: str, doc: Doc) -> Doc:
    t0 = time.perf_counter()
    doc = COMPONENTS[name](doc)
    TIMES[name] += time.perf_counter() - t0
    return doc


def run(gold_doc: dict[str, Any], mode: str) -> Doc:
    lang = gold_doc.get("lang", "en")
    doc = Doc(gold_doc["text"], lang=lang, published=_published(gold_doc.get("date")),
              source_id=gold_doc["id"])
    for name in ("sentences", f"ner.{lang}"):
        doc = _timed(name, doc)
    if mode == "oracle":
        doc.places = oracle_places(gold_doc)
    else:
        doc = _timed("places", doc)
    for name in ("time", "statements"):
        if name in COMPONENTS and name not in BROKEN:
            try:
                doc = _timed(name, doc)
            except Exception as exc:  # a component still being written must not stop the eval
                BROKEN.add(name)
                print(f"note: optional component {name!r} failed ({exc!r}); run without it")
    return _timed("control", doc)


def evaluate(docs: list[dict[str, Any]], mode: str, n_errors: int) -> None:
    per_lang: dict[str, Score] = defaultdict(Score)
    total = Score()
    t0 = time.perf_counter()
    for g in docs:
        sc = score_control(g, run(g, mode))
        per_lang[g.get("lang", "en")] += sc
        total += sc
    dt = time.perf_counter() - t0
    label = "ORACLE places (gold mentions)" if mode == "oracle" else "real places component"
    print(f"\n== control events, {label}  ({len(docs)} docs, {dt:.1f}s)")
    print(f"{'split':6} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}  new_controller")
    for name, sc in [*sorted(per_lang.items()), ("all", total)]:
        d = sc.as_dict()
        ok, n = controller_accuracy(sc)
        print(f"{name:6} {d['precision']:6.3f} {d['recall']:6.3f} {d['f1']:6.3f} "
              f"{d['n_gold']:5d} {d['n_pred']:5d}  {ok}/{n}")
    print("seconds per component:", ", ".join(f"{k} {v:.2f}" for k, v in sorted(TIMES.items())))
    TIMES.clear()
    if n_errors:
        for e in total.errors[:n_errors]:
            print("  ", json.dumps(e, ensure_ascii=False)[:300])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--errors", type=int, default=0)
    ap.add_argument("--mode", choices=["oracle", "real", "both"], default="both")
    args = ap.parse_args()
    _load_optional()
    docs = []
    for name in ("dev.jsonl", "dev_ukru.jsonl"):
        with open(args.data / name, encoding="utf-8") as fh:
            docs.extend(json.loads(line) for line in fh if line.strip())
    print("components:", ", ".join(sorted(COMPONENTS)))
    modes = ["oracle", "real"] if args.mode == "both" else [args.mode]
    for mode in modes:
        if mode == "real" and "places" not in COMPONENTS:
            print("\n== real places: component 'places' not registered yet; skipped")
            continue
        evaluate(docs, mode, args.errors)


if __name__ == "__main__":
    main()
