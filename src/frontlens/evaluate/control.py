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
- Details (``detail()``): precision and recall per action; on matched claims the share with
  the right ``new_controller``, ``actor`` (gold null = "unknown") and ``status`` (gold without a
  status = "new"); of matched claims whose gold has an event date, the share whose predicted
  date was read from the text (not the publication date) and equals it at the gold precision.
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
    c = score.counts
    for claim in missed:
        c[f"gold:{claim['action']}"] += 1
        score.miss(doc_id, claim.get("place_surface", ""), action=claim["action"],
                   place=claim.get("place"), actor=claim.get("actor"))
    for claim, ev in matched:
        score.hit()
        c[f"gold:{ev.action}"] += 1
        c[f"pred:{ev.action}"] += 1
        c[f"tp:{ev.action}"] += 1
        c["controller_ok"] += ev.new_controller == _gold_side(claim.get("new_controller"))
        if "actor" in claim:
            c["actor_n"] += 1
            c["actor_ok"] += ev.actor == _gold_side(claim.get("actor"))
        c["status_n"] += 1
        c["status_ok"] += ev.status == (claim.get("status") or "new")
        if claim.get("date"):
            c["date_n"] += 1
            c["date_ok"] += _same_date(claim, ev)
        if ev.new_controller != _gold_side(claim.get("new_controller")):
            score.errors.append({
                "kind": "wrong_controller", "doc": doc_id, "text": ev.place_name,
                "action": ev.action, "gold": claim.get("new_controller"),
                "pred": ev.new_controller,
            })
    for ev in spurious:
        c[f"pred:{ev.action}"] += 1
        score.spurious(doc_id, doc.text[ev.start:ev.end][:200], place=ev.place_name,
                       action=ev.action, new_controller=ev.new_controller)
    return score


def _same_date(claim: dict[str, Any], ev: ControlEvent) -> bool:
    if ev.event_date is None or ev.date_source not in ("text", "dateline"):
        return False
    gold = str(claim["date"])
    return ev.event_date.isoformat()[:len(gold)] == gold


def detail(score: Score) -> dict[str, Any]:
    """Per-action P/R and attribute accuracies on matched claims (see RULES)."""
    c = score.counts
    actions = sorted({k.split(":", 1)[1] for k in c if k.startswith(("gold:", "pred:"))})
    core = ("liberated", "captured", "withdrew", "entered")
    core_gold = sum(c[f"gold:{a}"] for a in core)
    return {
        "per_action": {a: {"precision": score.ratio(f"tp:{a}", f"pred:{a}"),
                           "recall": score.ratio(f"tp:{a}", f"gold:{a}"),
                           "n_gold": c[f"gold:{a}"], "n_pred": c[f"pred:{a}"]}
                       for a in actions},
        "recall_change_of_hands": (round(sum(c[f"tp:{a}"] for a in core) / core_gold, 4)
                                   if core_gold else None),
        "new_controller_accuracy": round(c["controller_ok"] / score.tp, 4) if score.tp else None,
        "actor_accuracy": score.ratio("actor_ok", "actor_n"),
        "status_accuracy": score.ratio("status_ok", "status_n"),
        "event_date_accuracy": score.ratio("date_ok", "date_n"),
        "n_matched": score.tp,
    }


def controller_accuracy(score: Score) -> tuple[int, int]:
    """(correct, matched) new_controller values among a score's hits."""
    wrong = sum(1 for e in score.errors if e["kind"] == "wrong_controller")
    return score.tp - wrong, score.tp
