"""Area-claim P/R/F on the news dev sets (English, Ukrainian, Russian), loose and strict.

Usage: ``.venv/bin/python scripts/eval_area.py [--data DIR] [--errors]``
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from frontlens.evaluate.area import score_area
from frontlens.evaluate.common import Score
from frontlens.extract import quantities, sentences, timex
from frontlens.extract.doc import Doc

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
FILES = ("dev.jsonl", "dev_ukru.jsonl")


def _published(value: str | None) -> date | None:
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--errors", action="store_true", help="print every miss and spurious claim")
    args = ap.parse_args()
    loose: dict[str, Score] = defaultdict(Score)
    strict: dict[str, Score] = defaultdict(Score)
    n_docs, t0 = 0, time.perf_counter()
    for name in FILES:
        path = args.data / name
        if not path.exists():
            continue
        for line in path.open(encoding="utf-8"):
            g = json.loads(line)
            lang = g.get("lang", "en")
            doc = Doc(text=g["text"], lang=lang, published=_published(g.get("date")),
                      source_id=g["id"])
            for comp in (sentences.sentences, timex.time, quantities.area):
                doc = comp(doc)
            n_docs += 1
            for key in ("all", lang):
                loose[key] += score_area(g, doc)
                strict[key] += score_area(g, doc, strict=True)
    elapsed = time.perf_counter() - t0
    print(f"{n_docs} docs in {elapsed:.2f}s (sentences + time + area)")
    print(f"{'set':<5} {'mode':<7} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}")
    for key in ["all", *sorted(k for k in loose if k != "all")]:
        for mode, sc in (("loose", loose[key]), ("strict", strict[key])):
            d = sc.as_dict()
            print(f"{key:<5} {mode:<7} {d['precision']:>6.3f} {d['recall']:>6.3f} "
                  f"{d['f1']:>6.3f} {d['n_gold']:>5} {d['n_pred']:>5}")
    if args.errors:
        for err in strict["all"].errors:
            print(json.dumps(err, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
