"""Scoring place recognition and geocoding against the news gold (``gold.places``)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.resolve.gazetteer import haversine_km

RULES = """\
Place mentions are scored per mention span, as news/README.md annotates them:
1. Gold spans are every [start, end) in gold.places[].mentions; a gold span contained in a
   longer gold span is dropped (the longest annotated surface wins: "Kharkiv Oblast" is not
   also "Kharkiv").
2. A predicted span counts only if it is whole-word (no letter or digit just outside it);
   predicted spans contained in a longer predicted span are dropped the same way.
3. A prediction is a true positive when its (start, end) equals a gold span exactly; each
   gold span matches at most once. Everything else is a false positive / false negative.
4. Geocoding is measured on true positives whose gold entry has coordinates: great-circle
   error in km between the predicted place and the gold point; acc@161km is the share within
   161 km. Reported overall and for Ukrainian settlements (kind settlement, country UA).
   A true positive without predicted coordinates counts as an error of 20,039 km.
Kind and usage are reported as agreement rates on true positives, not folded into F1.
5. Place precision of what reaches the map: of the predicted spans resolved to coordinates, the
   share that are gold place mentions. Resolved false positives that overlap a gold equipment
   surface or a gold ``non_places`` entry of kind weapon/vehicle are counted apart
   (``weapons_as_places``): a weapon drawn as a town is the worst error a map can show.
"""

MAX_KM = 20039.0


@dataclass
class GeoStats:
    errors: list[float] = field(default_factory=list)
    errors_ua: list[float] = field(default_factory=list)
    kind_agree: int = 0
    usage_agree: int = 0
    n_tp: int = 0
    wrong: list[dict[str, Any]] = field(default_factory=list)

    def __iadd__(self, o: GeoStats) -> GeoStats:
        self.errors += o.errors
        self.errors_ua += o.errors_ua
        self.kind_agree += o.kind_agree
        self.usage_agree += o.usage_agree
        self.n_tp += o.n_tp
        self.wrong += o.wrong
        return self

    @staticmethod
    def _summ(errs: list[float]) -> dict[str, Any]:
        if not errs:
            return {"n": 0, "acc_161km": None, "median_km": None}
        return {"n": len(errs), "acc_161km": round(sum(e <= 161 for e in errs) / len(errs), 4),
                "median_km": round(statistics.median(errs), 1)}

    def as_dict(self) -> dict[str, Any]:
        return {"all": self._summ(self.errors), "ua_settlements": self._summ(self.errors_ua),
                "kind_agreement": round(self.kind_agree / self.n_tp, 4) if self.n_tp else None,
                "usage_agreement": round(self.usage_agree / self.n_tp, 4) if self.n_tp else None}


def _drop_nested(spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    out = set()
    for s in set(spans):
        if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans):
            out.add(s)
    return out


def _whole_word(text: str, s: int, e: int) -> bool:
    return (s == 0 or not text[s - 1].isalnum()) and (e >= len(text) or not text[e].isalnum())


def _find_all(text: str, needle: str) -> list[int]:
    out, k = [], text.find(needle)
    while k >= 0:
        out.append(k)
        k = text.find(needle, k + 1)
    return out


def detail(score: Score) -> dict[str, Any]:
    return {"resolved_precision": score.ratio("resolved_tp", "resolved"),
            "n_resolved": score.counts["resolved"],
            "weapons_as_places": score.counts["weapons_as_places"]}


def score_places(gold_doc: dict[str, Any], doc: Doc) -> tuple[Score, GeoStats]:
    """Recognition Score and geocoding GeoStats of ``doc.places`` against one gold document."""
    doc_id = gold_doc.get("id", "")
    text = doc.text
    gold: dict[tuple[int, int], dict[str, Any]] = {}
    for p in gold_doc.get("gold", {}).get("places", []):
        for s, e in p.get("mentions", []):
            gold[(s, e)] = p
    gold_spans = _drop_nested(list(gold))
    preds = {(m.start, m.end): m for m in doc.places if _whole_word(text, m.start, m.end)}
    pred_spans = _drop_nested(list(preds))
    sc, geo = Score(), GeoStats()
    g_all = gold_doc.get("gold", {})
    weapon_spans = [(s, s + len(w)) for w in
                    [e.get("surface") or "" for e in g_all.get("equipment", [])]
                    + [n.get("surface") or "" for n in g_all.get("non_places", [])
                       if n.get("kind") in ("weapon", "vehicle")]
                    if w for s in _find_all(text, w)]
    for span in sorted(pred_spans):
        resolved = (pl := preds[span].place) is not None and pl.lat is not None
        sc.counts["resolved"] += resolved
        if span in gold_spans:
            sc.counts["resolved_tp"] += resolved
            sc.hit()
            g, m = gold[span], preds[span]
            geo.n_tp += 1
            geo.kind_agree += g.get("kind") == m.kind
            geo.usage_agree += g.get("usage", "literal") == m.usage
            if g.get("lat") is None or g.get("lon") is None:
                continue
            pl = m.place
            err = (haversine_km(g["lat"], g["lon"], pl.lat, pl.lon)
                   if pl and pl.lat is not None and pl.lon is not None else MAX_KM)
            geo.errors.append(err)
            if g.get("kind") == "settlement" and g.get("country") == "UA":
                geo.errors_ua.append(err)
            if err > 161:
                geo.wrong.append({"doc": doc_id, "text": text[span[0]:span[1]],
                                  "gold": g.get("name"), "pred": pl.name if pl else None,
                                  "pred_id": pl.id if pl else None, "km": round(err)})
        else:
            weapon = resolved and any(a < span[1] and span[0] < b for a, b in weapon_spans)
            sc.counts["weapons_as_places"] += weapon
            sc.spurious(doc_id, text[span[0]:span[1]], span=span, resolved=resolved,
                        weapon=weapon)
    for span in sorted(gold_spans - pred_spans):
        sc.miss(doc_id, text[span[0]:span[1]], span=span, name=gold[span].get("name"))
    return sc, geo
