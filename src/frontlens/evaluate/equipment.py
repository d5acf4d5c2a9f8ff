"""Scoring of extracted equipment items against the gold ``equipment`` list of a news document."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.extract.equipment import catalog, eq_key, ship_key
from frontlens.model import EquipmentLoss

RULES = """\
Equipment scoring rules
- Unit: one item per (document, normalised model). Gold `model` and predicted `catalog_type`
  (else `model_text`) are resolved through the equipment alias table to a catalog model id
  (part before "/" if the whole does not resolve); when the id starts with a designation
  ("2S5 Giatsint-S", "9K332 Tor-M2") that designation is the key, else the whole id; keys are
  eq_key (Cyrillic romanised, case, spaces and punctuation dropped). So "Tor-M2", "TOR-M2" and
  "9K332 Tor-M2" meet, "2S5" and "2S5 Giatsint-S" meet; "T-80" and "T-80BVM" stay different.
  Named ships match on the ship's name, in any order of writing and romanisation: "Project
  1164 (Moskva)" (the shared sets' convention), "Moskva (cruiser)" and "cruiser Moskva" all
  key as the ship "Moskva"; names compare by ``ship_key`` ("Tsezar Kunikov" = "Caesar
  Kunikov").
- Duplicate gold or predicted entries with the same key count once (gold is one entry per item).
- TP: key in both; FP: predicted key not in gold; FN: gold key not predicted.
- On matched items only, attribute accuracy (reported, not part of P/R/F):
  fate: gold destroyed|damaged|abandoned|captured must equal the record's fate; gold null or
        "delivered" counts as right when the record's fate is "unknown" (when the component
        kept the raw cue in doc.user["equipment"], "delivered" must match it exactly);
  side: scored where gold side is not null;
  count: scored where gold count is not null (record count, default 1);
  category: exact label, or the coarse gold label "artillery" for SPG/towed artillery/MLRS and
        "other" for SAM/radar (the d* docs used the coarse labels).
"""

_SHIP = re.compile(r"\(([^)]+)\)\s*$")
_SHIP_TYPE = re.compile(r"ship|cruiser|frigate|corvette|submarine|boat|vessel|destroyer|tug|"
                        r"tanker|minesweeper", re.IGNORECASE)
_TYPED_SHIP = re.compile(r"(?:(?:large|small|landing|patrol|guided|missile|rescue|"
                         r"reconnaissance|amphibious|assault)\s+)*(?:ship|cruiser|frigate|corvette|"
                         r"submarine|boat|vessel|destroyer|tug|tanker|minesweeper)\s+"
                         r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\s*$", re.IGNORECASE)
_COARSE = {
    "SPG": "artillery",
    "towed artillery": "artillery",
    "MLRS": "artillery",
    "SAM": "other",
    "radar": "other",
    "SPAAG": "other",
}


def model_key(text: str | None) -> str:
    """Normalised model: the catalog id it resolves to, as an eq_key."""
    if not text:
        return ""
    ship = _SHIP.search(text)
    if ship and "project" in text.lower():
        return "ship:" + ship_key(ship.group(1))
    if ship and _SHIP_TYPE.search(ship.group(1)):
        return "ship:" + ship_key(text[:ship.start()])
    typed = _TYPED_SHIP.match(text)
    if typed:
        return "ship:" + ship_key(typed.group(1))
    mid = catalog().resolve(text) or catalog().resolve(re.split(r"/", text)[0]) or text
    first = mid.split()[0]
    # "2S5 Giatsint-S" ~ "2S5", "9K332 Tor-M2" ~ "Tor-M2": a leading designation decides
    return eq_key(first if any(c.isdigit() for c in first) else mid)


def _field_counts() -> dict[str, Counter[str]]:
    return {k: Counter() for k in ("fate", "side", "count", "category")}


def score_equipment(gold_doc: dict[str, Any], doc: Doc) -> Score:
    """P/R/F on normalised models; attribute agreement goes to ``score.errors`` entries and to
    ``doc.user['equipment_attr']`` (field → Counter of 'ok'/'bad')."""
    sc = Score()
    did = str(gold_doc.get("id", doc.source_id))
    gold: dict[str, dict[str, Any]] = {}
    for g in (gold_doc.get("gold") or {}).get("equipment") or []:
        gold.setdefault(model_key(g.get("model") or g.get("surface")), g)
    raw = {e["record_id"]: e for e in doc.user.get("equipment", [])}
    pred: dict[str, EquipmentLoss] = {}
    for rec in doc.records:
        if isinstance(rec, EquipmentLoss):
            pred.setdefault(model_key(rec.catalog_type or rec.model_text), rec)
    attr = doc.user.setdefault("equipment_attr", _field_counts())
    for k, g in gold.items():
        r = pred.get(k)
        if r is None:
            sc.miss(did, g.get("surface", ""), model=g.get("model"))
            continue
        sc.hit()
        gf = g.get("fate")
        if gf in (None, "delivered"):
            rf = raw.get(r.id, {}).get("fate_raw") if r.id in raw else None
            ok = r.fate == "unknown" and (gf is None or r.id not in raw or rf == "delivered")
            if gf is None and r.id in raw:
                ok = r.fate == "unknown" and rf in (None, "delivered")
        else:
            ok = r.fate == gf
        attr["fate"]["ok" if ok else "bad"] += 1
        sc.counts["fate_n"] += 1
        sc.counts["fate_ok"] += ok
        if not ok:
            sc.errors.append(
                {"kind": "fate", "doc": did, "text": g["surface"], "gold": gf, "pred": r.fate}
            )
        if g.get("side"):
            ok = r.side == g["side"]
            attr["side"]["ok" if ok else "bad"] += 1
            sc.counts["side_n"] += 1
            sc.counts["side_ok"] += ok
            if not ok:
                sc.errors.append(
                    {
                        "kind": "side",
                        "doc": did,
                        "text": g["surface"],
                        "gold": g["side"],
                        "pred": r.side,
                    }
                )
        if g.get("count") is not None:
            ok = r.count == g["count"]
            attr["count"]["ok" if ok else "bad"] += 1
            sc.counts["count_n"] += 1
            sc.counts["count_ok"] += ok
            if not ok:
                sc.errors.append(
                    {
                        "kind": "count",
                        "doc": did,
                        "text": g["surface"],
                        "gold": g["count"],
                        "pred": r.count,
                    }
                )
        if g.get("category"):
            gc, pc = g["category"], r.category or ""
            ok = gc == pc or _COARSE.get(pc) == gc
            attr["category"]["ok" if ok else "bad"] += 1
            sc.counts["category_n"] += 1
            sc.counts["category_ok"] += ok
            if not ok:
                sc.errors.append(
                    {"kind": "category", "doc": did, "text": g["surface"], "gold": gc, "pred": pc}
                )
    for k, r in pred.items():
        if k not in gold:
            sc.spurious(did, r.model_text, model=r.catalog_type, fate=r.fate)
    return sc


def detail(score: Score) -> dict[str, Any]:
    """Attribute accuracy on matched items (gold attribute present)."""
    return {f"{k}_accuracy": score.ratio(f"{k}_ok", f"{k}_n")
            for k in ("side", "fate", "count", "category")}
