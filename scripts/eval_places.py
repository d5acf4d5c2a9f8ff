"""Run the places component on the news dev sets and print recognition/geocoding figures.

Usage: .venv/bin/python scripts/eval_places.py [--data DIR] [--no-ner] [--errors]
Each document: Doc(text, lang, published=date) → sentences → ner.<lang> (when registered and
not --no-ner) → places; scored with frontlens.evaluate.places.score_places.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from datetime import date
from pathlib import Path

import frontlens.extract.places
import frontlens.extract.sentences
from frontlens.evaluate.common import Score
from frontlens.evaluate.places import GeoStats, score_places
from frontlens.extract.doc import COMPONENTS, Doc

with contextlib.suppress(Exception):  # NER components are optional
    import frontlens.extract.ner  # noqa: F401


def _published(v: str | None) -> date | None:
    if not v:
        return None
    parts = [int(x) for x in v.split("-")]
    return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def run(path: Path, use_ner: bool, show: bool) -> None:
    by_lang: dict[str, tuple[Score, GeoStats]] = {}
    t0 = time.perf_counter()
    t_places = 0.0
    for line in path.open(encoding="utf-8"):
        g = json.loads(line)
        lang = g.get("lang", "en")
        doc = Doc(text=g["text"], lang=lang, published=_published(g.get("date")),
                  source_id=g["id"])
        doc = COMPONENTS["sentences"](doc)
        if use_ner and f"ner.{lang}" in COMPONENTS:
            doc = COMPONENTS[f"ner.{lang}"](doc)
        t = time.perf_counter()
        doc = COMPONENTS["places"](doc)
        t_places += time.perf_counter() - t
        sc, geo = score_places(g, doc)
        acc = by_lang.setdefault(lang, (Score(), GeoStats()))
        acc[0].__iadd__(sc)
        acc[1].__iadd__(geo)
    for lang, (sc, geo) in sorted(by_lang.items()):
        print(f"{path.name} [{lang}] places: {json.dumps(sc.as_dict())}")
        print(f"{path.name} [{lang}] geocoding: {json.dumps(geo.as_dict())}")
        if show:
            for e in sc.errors:
                print("   ", e)
            for w in geo.wrong:
                print("    geo", w)
    print(f"{path.name}: {time.perf_counter() - t0:.2f} s total, places {t_places:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/news")
    ap.add_argument("--no-ner", action="store_true")
    ap.add_argument("--errors", action="store_true")
    a = ap.parse_args()
    for name in ("dev.jsonl", "dev_ukru.jsonl"):
        run(Path(a.data) / name, not a.no_ner, a.errors)


if __name__ == "__main__":
    main()
