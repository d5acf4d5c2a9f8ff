"""Measure the equipment component on the news dev sets (measurement only; no tuning data).

Runs ``sentences`` + ``equipment`` over news/dev.jsonl and news/dev_ukru.jsonl and prints P/R/F
on normalised models overall and per language, attribute accuracy on matched items, timing, and
(with -v) every error.

Usage: python scripts/eval_equipment.py [--data ../shared/data/news] [-v]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import date
from pathlib import Path

import frontlens.extract.sentences  # noqa: F401  (registers "sentences")
from frontlens.evaluate.common import Score
from frontlens.evaluate.equipment import RULES, score_equipment
from frontlens.extract.doc import COMPONENTS, Doc
from frontlens.extract.equipment import catalog

ROOT = Path(__file__).resolve().parents[1]


def _date(v: str | None) -> date | None:
    if not v:
        return None
    parts = [int(p) for p in v.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "news")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--rules", action="store_true", help="print the scoring rules")
    args = ap.parse_args()
    if args.rules:
        print(RULES)
    catalog()  # load once, outside the timing
    pipeline = [COMPONENTS["sentences"], COMPONENTS["equipment"]]
    per_lang: dict[str, Score] = {}
    attr: dict[str, Counter[str]] = {}
    total = Score()
    elapsed = 0.0
    n_docs = 0
    for name in ("dev.jsonl", "dev_ukru.jsonl"):
        path = args.data / name
        if not path.exists():
            continue
        for line in path.open(encoding="utf-8"):
            g = json.loads(line)
            lang = g.get("lang") or "en"
            doc = Doc(text=g["text"], lang=lang, published=_date(g.get("date")), source_id=g["id"])
            t0 = time.perf_counter()
            for comp in pipeline:
                doc = comp(doc)
            elapsed += time.perf_counter() - t0
            n_docs += 1
            sc = score_equipment(g, doc)
            per_lang.setdefault(lang, Score())
            per_lang[lang] += sc
            total += sc
            for f, c in doc.user.get("equipment_attr", {}).items():
                attr.setdefault(f, Counter()).update(c)
            if args.verbose:
                for e in sc.errors:
                    print("  ", json.dumps(e, ensure_ascii=False))
    print(f"{'set':<8}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}{'pred':>6}")
    for lang, sc in [*sorted(per_lang.items()), ("all", total)]:
        d = sc.as_dict()
        print(
            f"{lang:<8}{d['precision']:>7.3f}{d['recall']:>7.3f}{d['f1']:>7.3f}"
            f"{d['n_gold']:>6}{d['n_pred']:>6}"
        )
    print("attribute accuracy on matched items:")
    for f, c in attr.items():
        n = c["ok"] + c["bad"]
        print(f"  {f:<9}{c['ok']}/{n}" + (f" = {c['ok'] / n:.2f}" if n else ""))
    print(
        f"{n_docs} docs, sentences+equipment {elapsed * 1000:.1f} ms "
        f"({elapsed * 1000 / max(n_docs, 1):.2f} ms/doc)"
    )


if __name__ == "__main__":
    main()
