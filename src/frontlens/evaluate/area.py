"""Scoring of area claims against the news gold (``gold.area_claims``).

RULES
- Gold value is converted to km² by its unit (sq km 1, sq mi 2.589988, ha 0.01); a ``[min, max]``
  gold value is a range.
- A predicted ``AreaClaim`` matches a gold entry when (a) its span overlaps an occurrence of the
  gold ``surface`` in the text and (b) its ``value_km2`` is within 1% of the gold km² value. For a
  gold range, the predicted range (``doc.user["area_ranges"]``) must match both bounds within 1%;
  a prediction without a range matches when its value lies inside the range (±1%).
- One-to-one: each gold entry and each prediction is used at most once (greedy, in text order).
- ``strict=True`` also requires the qualifier (gold null → exact, "more than" → more_than; the
  gold "range" qualifier is not checked) and the conversion flag (``doc.user["area_conversions"]``)
  to agree; a pair that matches only loosely then counts as one miss and one spurious.
- Unmatched gold → ``fn``; unmatched predictions → ``fp``. Claimant is not scored here.
"""

from __future__ import annotations

from typing import Any

from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.model import AreaClaim

UNIT_KM2 = {"sq km": 1.0, "km2": 1.0, "sq mi": 2.589988, "ha": 0.01, "hectares": 0.01}
TOLERANCE = 0.01


def _occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    out, i = [], text.find(surface)
    while i >= 0 and surface:
        out.append((i, i + len(surface)))
        i = text.find(surface, i + 1)
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-9)


def _gold_qualifier(q: str | None) -> str | None:
    if q in (None, "", "exact"):
        return "exact"
    if q == "range":
        return None
    return q.replace(" ", "_")


def _value_ok(gold: dict[str, Any], pred: AreaClaim, ranges: dict[str, Any]) -> bool:
    factor = UNIT_KM2.get(gold["unit"], 1.0)
    value = gold["value"]
    if isinstance(value, list):
        lo, hi = value[0] * factor, value[1] * factor
        if pred.id in ranges:
            plo, phi = ranges[pred.id]
            return _close(lo, plo) and _close(hi, phi)
        return lo * (1 - TOLERANCE) <= pred.value_km2 <= hi * (1 + TOLERANCE)
    return _close(value * factor, pred.value_km2)


def score_area(gold_doc: dict[str, Any], doc: Doc, *, strict: bool = False) -> Score:
    """Score one document's ``AreaClaim`` records against its gold ``area_claims``."""
    score = Score()
    doc_id = gold_doc.get("id", doc.source_id)
    text = gold_doc["text"]
    preds = [r for r in doc.records if isinstance(r, AreaClaim)]
    conversions: set[str] = doc.user.get("area_conversions", set())
    ranges: dict[str, Any] = doc.user.get("area_ranges", {})
    used: set[int] = set()
    for gold in gold_doc.get("gold", {}).get("area_claims", []):
        spans = _occurrences(text, gold["surface"])
        found = None
        for i, p in enumerate(preds):
            if i in used or not any(p.start < e and s < p.end for s, e in spans):
                continue
            if _value_ok(gold, p, ranges):
                found = i
                break
        if found is None:
            score.miss(doc_id, gold["surface"], gold=gold)
            continue
        used.add(found)
        p = preds[found]
        if strict:
            gq = _gold_qualifier(gold.get("qualifier"))
            conv_ok = bool(gold.get("is_conversion")) == (p.id in conversions)
            if (gq is not None and gq != p.qualifier) or not conv_ok:
                score.miss(doc_id, gold["surface"], gold=gold, pred_qualifier=p.qualifier,
                           pred_conversion=p.id in conversions)
                score.spurious(doc_id, text[p.start : p.end], value_km2=p.value_km2)
                continue
        score.hit()
    for i, p in enumerate(preds):
        if i not in used:
            score.spurious(doc_id, text[p.start : p.end], value_km2=p.value_km2,
                           qualifier=p.qualifier)
    return score
