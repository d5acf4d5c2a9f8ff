"""Statement speaker F1 on the dev splits: ``python scripts/eval_statements.py [-v] [--data DIR]``.

Runs sentences + ner.<lang> + statements over news/dev.jsonl (English) and dev_ukru.jsonl
(Ukrainian, Russian) and prints P/R/F overall and per language, with direct/reported and side
accuracy on matched statements. ``-v`` lists every miss and spurious record.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import frontlens.extract.ner
import frontlens.extract.sentences
import frontlens.extract.statements  # noqa: F401  (registers the components)
from frontlens.evaluate.common import Score
from frontlens.evaluate.statements import score_statements
from frontlens.extract.doc import COMPONENTS, Doc

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    scores: dict[str, Score] = {}
    seconds = 0.0
    for name in ("dev.jsonl", "dev_ukru.jsonl"):
        for line in (args.data / name).read_text(encoding="utf-8").splitlines():
            g = json.loads(line)
            lang = g.get("lang", "en")
            doc = Doc(text=g["text"], lang=lang, published=_published(g.get("date")),
                      source_id=g["id"])
            t0 = time.perf_counter()
            for comp in ("sentences", f"ner.{lang}", "statements"):
                doc = COMPONENTS[comp](doc)
            seconds += time.perf_counter() - t0
            sc = score_statements(g, doc)
            scores.setdefault(lang, _new())
            scores[lang] += sc
            for k in ("matched", "direct_ok", "side_ok"):
                setattr(scores[lang], k, getattr(scores[lang], k) + getattr(sc, k))
    total = _new()
    for sc in scores.values():
        total += sc
        for k in ("matched", "direct_ok", "side_ok"):
            setattr(total, k, getattr(total, k) + getattr(sc, k))
    for lang, sc in [*sorted(scores.items()), ("all", total)]:
        d = sc.as_dict()
        m = max(1, sc.matched)  # type: ignore[attr-defined]
        print(f"{lang:4} P={d['precision']:.3f} R={d['recall']:.3f} F1={d['f1']:.3f} "
              f"gold={d['n_gold']} pred={d['n_pred']} "
              f"direct_acc={sc.direct_ok / m:.3f} side_acc={sc.side_ok / m:.3f}")  # type: ignore[attr-defined]
    print(f"pipeline time {seconds:.2f}s (incl. model loading)")
    if args.verbose:
        for e in total.errors:
            print(json.dumps(e, ensure_ascii=False))


def _new() -> Score:
    sc = Score()
    sc.matched = sc.direct_ok = sc.side_ok = 0  # type: ignore[attr-defined]
    return sc


if __name__ == "__main__":
    main()
