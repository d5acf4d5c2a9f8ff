"""``frontlens eval``: score the extractor against a gold file in the news JSON Lines schema.

Each document's text goes through the same pipeline ``frontlens extract`` runs; each section is
scored by its own module (``evaluate/<section>.py``), which also states its matching rules. The
result has one entry per section (precision, recall, f1, n_gold, n_pred), geocoding accuracy,
the same per language, and every error with its text for the Markdown report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from frontlens.evaluate import area, control, equipment, places, statements
from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.extract.pipeline import SUPPORTED, run_components
from frontlens.ingest.lang import detect_language

SECTIONS: dict[str, tuple[Callable[[dict[str, Any], Doc], Score], str]] = {
    "control_events": (control.score_control, control.__doc__ or ""),
    "equipment": (equipment.score_equipment, equipment.RULES),
    "statements": (statements.score_statements, statements.__doc__ or ""),
    "area_claims": (area.score_area, area.__doc__ or ""),
}


def load_gold(path: Path) -> list[dict[str, Any]]:
    docs = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    return docs


def doc_for(gold: dict[str, Any]) -> Doc:
    text = gold["text"]
    lang = gold.get("lang") or detect_language(text)[0] or "en"
    published = None
    if gold.get("date") and len(str(gold["date"])) == 10:
        published = date.fromisoformat(gold["date"])
    return Doc(text=text, lang=lang if lang in SUPPORTED else "en", published=published,
               source_id=str(gold["id"]), user={"media": [], "title": gold.get("title")})


def evaluate(path: Path, *, learned: bool = True) -> dict[str, Any]:
    """Run and score every document; returns the JSON report (errors under "errors").
    ``learned=False`` scores the rules alone (the decision layer is switched off)."""
    totals: dict[str, Score] = {}
    by_lang: dict[str, dict[str, Score]] = {}
    geo_all = places.GeoStats()
    geo_lang: dict[str, places.GeoStats] = {}
    for gold in load_gold(path):
        doc = doc_for(gold)
        doc.user["decide"] = learned
        doc = run_components(doc)
        lang = doc.lang or "en"
        place_score, geo = places.score_places(gold, doc)
        scores = {"places": place_score,
                  **{k: fn(gold, doc) for k, (fn, _) in SECTIONS.items()}}
        geo_all += geo
        geo_lang.setdefault(lang, places.GeoStats())
        geo_lang[lang] += geo
        for key, sc in scores.items():
            totals.setdefault(key, Score())
            totals[key] += sc
            by_lang.setdefault(lang, {}).setdefault(key, Score())
            by_lang[lang][key] += sc
    report: dict[str, Any] = {key: _section(key, sc) for key, sc in totals.items()}
    report["geocoding"] = _geo(geo_all)
    report["by_language"] = {
        lang: {**{k: _section(k, sc) for k, sc in secs.items()}, "geocoding": _geo(geo_lang[lang])}
        for lang, secs in by_lang.items()
    }
    report["dataset"] = str(path)
    report["decisions"] = "learned" if learned else "rules"
    report["errors"] = {key: sc.errors for key, sc in totals.items()}
    report["errors"]["geocoding"] = [{"kind": "wrongly resolved", **w} for w in geo_all.wrong]
    return report


DETAILS: dict[str, Callable[[Score], dict[str, Any]]] = {
    "places": places.detail, "control_events": control.detail,
    "equipment": equipment.detail, "statements": statements.detail,
}


def _section(key: str, sc: Score) -> dict[str, Any]:
    """P/R/F1 and counts, then the section's own details under "detail"."""
    out = sc.as_dict()
    if key in DETAILS:
        out["detail"] = DETAILS[key](sc)
    return out


def _geo(stats: places.GeoStats) -> dict[str, Any]:
    """acc@161 km, median km and n over all matched toponyms, then the same for Ukrainian
    settlements alone (the brief's target), and kind/usage agreement."""
    d = stats.as_dict()
    return {**d["all"], "ua_settlements": d["ua_settlements"],
            "kind_agreement": d["kind_agreement"], "usage_agreement": d["usage_agreement"]}


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# frontlens evaluation: {report['dataset']}", "", "| section | P | R | F1 | gold | "
             "pred |", "|---|---|---|---|---|---|"]
    for key in ("places", "control_events", "equipment", "statements", "area_claims"):
        s = report[key]
        lines.append(f"| {key} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
                     f"{s['n_gold']} | {s['n_pred']} |")
    g = report["geocoding"]
    lines += ["", f"Geocoding: acc@161km {g.get('acc_161km')}, median {g.get('median_km')} km, "
              f"n {g.get('n')}", ""]
    if len(report["by_language"]) > 1:
        lines += ["## By language", "", "| lang | places F1 | control F1 | equipment F1 | "
                  "statements F1 | area F1 | acc@161 |", "|---|---|---|---|---|---|---|"]
        for lang, secs in sorted(report["by_language"].items()):
            lines.append(
                f"| {lang} | " + " | ".join(
                    f"{secs[k]['f1']:.3f}" for k in
                    ("places", "control_events", "equipment", "statements", "area_claims"))
                + f" | {secs['geocoding'].get('acc_161km')} |")
        lines.append("")
    lines += ["## Matching rules", ""]
    lines += [f"### places\n\n{places.RULES}\n"]
    lines += [f"### {key}\n\n{rules}\n" for key, (_, rules) in SECTIONS.items()]
    lines += ["## Errors", ""]
    for key, errs in report["errors"].items():
        lines.append(f"### {key} ({len(errs)})\n")
        for e in errs:
            extra = {k: v for k, v in e.items() if k not in ("kind", "doc", "text")}
            tail = f" — {json.dumps(extra, ensure_ascii=False)}" if extra else ""
            lines.append(f"- **{e['kind']}** `{e['doc']}`: {e['text']}{tail}")
        lines.append("")
    return "\n".join(lines)
