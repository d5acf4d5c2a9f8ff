"""Scoring control events against the gold ``control_claims`` of one document.

RULES
- A predicted ``ControlEvent`` matches a gold claim of the same document when the actions are
  equal and the place agrees: the predicted ``place_name`` (the resolved name, or the surface
  when unresolved), or the surface of a mention of that place inside the record's span, equals
  the gold ``place`` or ``place_surface`` after normalisation (case, apostrophes, hyphens) or
  up to an inflectional ending (shared stem of 4+ letters, at most 3 letters left on either
  side: "Балаклеи" ~ "Балаклеей", "Kharkiv region" ~ "kharkiv region"). A predicted name's
  parenthetical qualifier may be dropped ("Kholodnohirskyi District (Kharkiv)" ~ surface
  "Kholodnohirskyi district"); the gold name's never is.
- Matching is one-to-one: each gold claim and each prediction is used at most once, so two
  predictions for one (place, action) count one hit and one spurious record.
- ``new_controller`` is reported on matches only: gold null and "contested" both compare as
  "unknown" (the model's ``Side`` has no "contested"; ``fighting`` implies it). A mismatch is
  kept in ``Score.errors`` with kind ``wrong_controller``; use :func:`controller_accuracy`.
- Actor, claimant, date and hedging are not part of the match.
"""

from __future__ import annotations

import re
from typing import Any

from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.model import ControlEvent

_PAREN = re.compile(r"\s*\([^)]*\)")
_NORM = re.compile(r"[\s'’ʼ`\-‐–]+")


def norm_name(name: str) -> str:
    return _NORM.sub(" ", name.lower().replace("ё", "е")).strip()


def same_place(a: str, b: str) -> bool:
    """Equal names, or equal up to an inflectional ending of at most three letters."""
    a, b = norm_name(a), norm_name(b)
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= 4 and len(a) - n <= 3 and len(b) - n <= 3 and " " not in a[n:] + b[n:]


def _gold_side(value: str | None) -> str:
    return value if value in ("UA", "RU", "US", "other") else "unknown"


def match_claims(
    gold_doc: dict[str, Any], doc: Doc
) -> tuple[list[tuple[dict[str, Any], ControlEvent]], list[dict[str, Any]], list[ControlEvent]]:
    """(matched (gold claim, prediction) pairs, missed gold claims, spurious predictions)."""
    preds = [r for r in doc.records if isinstance(r, ControlEvent)]
    used: set[int] = set()
    # the surfaces behind each prediction: mentions of its place inside its supporting span
    surfaces = {
        k: [pm.surface for pm in doc.places
            if ev.start <= pm.start < ev.end and pm.name == ev.place_name]
        for k, ev in enumerate(preds)
    }
    matched: list[tuple[dict[str, Any], ControlEvent]] = []
    missed: list[dict[str, Any]] = []
    for claim in gold_doc.get("gold", {}).get("control_claims", []):
        names = [claim.get("place") or "", claim.get("place_surface") or ""]
        hit = None
        for k, ev in enumerate(preds):
            if k in used or ev.action != claim["action"]:
                continue
            mine = [ev.place_name, _PAREN.sub("", ev.place_name), *surfaces.get(k, [])]
            if any(n and same_place(m, n) for n in names for m in mine):
                hit = k
                break
        if hit is None:
            missed.append(claim)
        else:
            used.add(hit)
            matched.append((claim, preds[hit]))
    return matched, missed, [ev for k, ev in enumerate(preds) if k not in used]


def score_control(gold_doc: dict[str, Any], doc: Doc) -> Score:
    """Score one document's control events (see RULES in the module docstring)."""
    score = Score()
    doc_id = str(gold_doc.get("id", ""))
    matched, missed, spurious = match_claims(gold_doc, doc)
    for claim in missed:
        score.miss(doc_id, claim.get("place_surface", ""), action=claim["action"],
                   place=claim.get("place"), actor=claim.get("actor"))
    for claim, ev in matched:
        score.hit()
        if ev.new_controller != _gold_side(claim.get("new_controller")):
            score.errors.append({
                "kind": "wrong_controller", "doc": doc_id, "text": ev.place_name,
                "action": ev.action, "gold": claim.get("new_controller"),
                "pred": ev.new_controller,
            })
    for ev in spurious:
        score.spurious(doc_id, doc.text[ev.start:ev.end][:200], place=ev.place_name,
                       action=ev.action, new_controller=ev.new_controller)
    return score


def controller_accuracy(score: Score) -> tuple[int, int]:
    """(correct, matched) new_controller values among a score's hits."""
    wrong = sum(1 for e in score.errors if e["kind"] == "wrong_controller")
    return score.tp - wrong, score.tp
