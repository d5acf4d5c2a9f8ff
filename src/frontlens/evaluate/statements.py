"""Statement speaker F1: a predicted statement counts when it covers a gold statement's text and
names the same speaker.

RULES (why: the gold records claims by span and speaker; wording of roles varies freely):

1. Spans. Each gold ``text`` is located in the document text (every occurrence; the one that
   overlaps the prediction most is used). A prediction overlaps a gold statement when the shared
   characters are at least 50% of the shorter of the two spans.
2. Speakers. Names are compared after transliterating Cyrillic to Latin and lowercasing. They
   match when (a) a surname matches: the last word of a gold speaker (each of "A; B") is within
   0.8 string similarity of a word of the predicted speaker; or (b) the content words of the gold
   speaker, or of the gold role, and of the predicted speaker + role share a non-nationality word
   (stemmed to 5 letters, "defense" = "defence"), or one side is only a nationality word that the
   other has ("Ukraine" vs "Ukraine (government/military)").
3. One-to-one, greedy in gold order, preferring the largest overlap. Unmatched predictions are
   false positives, unmatched gold are misses. A prediction overlapping a gold span with the
   wrong speaker is both (counted in ``errors`` with ``kind`` "spurious" and detail).
4. On matched pairs: direct/reported accuracy (``is_direct_quote`` vs ``direct``) and side
   accuracy (gold null = "unknown") are reported (``detail()``).
5. Speaker precision: of the predictions that overlap a gold statement's span, the share whose
   speaker matches (a place name, a headline fragment or the wrong person as speaker lowers it).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from frontlens.evaluate.common import Score
from frontlens.extract.doc import Doc
from frontlens.model import Statement

_TR = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщъыьэюяё'’",
        ["a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i", "i", "i", "k", "l", "m",
         "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
         "iu", "ia", "e", "", ""],
        strict=True,
    )
)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    ["the", "of", "a", "an", "and", "in", "on", "at", "for", "to", "by", "via", "its", "his",
     "her", "their", "s", "us", "based"]
)
_NATION = frozenset({"ukrai", "russi", "ameri", "briti"})
_SYN = {"defen": "defen", "minis": "minis", "kyiv": "ukrai", "kiev": "ukrai", "mosco": "russi",
        "krem": "russi", "rf": "russi", "ua": "ukrai"}


def translit(text: str) -> str:
    """Cyrillic (uk/ru) → Latin, lowercased: names compare across scripts."""
    out = []
    for ch in text.lower():
        out.append(_TR.get(ch, ch))
    return "".join(out)


def _keys(text: str | None) -> set[str]:
    if not text:
        return set()
    out = set()
    for w in _WORD.findall(translit(text)):
        if w in _STOP:
            continue
        k = w[:5]
        out.add(_SYN.get(k, k))
    return out


def _surname_match(gold: str, pred: str) -> bool:
    pw = _WORD.findall(translit(pred))
    for g in gold.split(";"):
        gw = _WORD.findall(translit(g))
        if not gw or len(gw) > 4:
            continue
        last = gw[-1]
        if len(last) < 3:
            continue
        if any(SequenceMatcher(None, last, w).ratio() >= 0.8 for w in pw):
            return True
    return False


def _key_match(g: set[str], p: set[str]) -> bool:
    if not g or not p:
        return False
    inter = g & p
    if inter - _NATION:
        return True
    return bool(inter) and (g <= _NATION or p <= _NATION)


def speaker_match(gold: dict[str, Any], pred: Statement) -> bool:
    """Rule 2 above."""
    ptxt = " ".join(x for x in (pred.speaker, pred.role) if x)
    if gold.get("speaker") and pred.speaker and _surname_match(gold["speaker"], pred.speaker):
        return True
    pk = _keys(ptxt)
    return _key_match(_keys(gold.get("speaker")), pk) or _key_match(_keys(gold.get("role")), pk)


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    out, i = [], text.find(needle)
    while i >= 0 and needle:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / max(1, min(a[1] - a[0], b[1] - b[0])) if inter > 0 else 0.0


def score_statements(gold_doc: dict[str, Any], doc: Doc) -> Score:
    """Score ``doc``'s Statement records against ``gold_doc["gold"]["statements"]``."""
    sc = Score()
    doc_id = gold_doc.get("id", "")
    preds = [r for r in doc.records if isinstance(r, Statement)]
    used: set[int] = set()
    for g in gold_doc["gold"].get("statements", []):
        gspans = _spans(doc.text, g["text"]) or [(-1, -1)]
        best: tuple[float, int] | None = None
        wrong: Statement | None = None
        for i, p in enumerate(preds):
            if i in used or p.quote_start is None or p.quote_end is None:
                continue
            ov = max(_overlap(s, (p.quote_start, p.quote_end)) for s in gspans)
            if ov < 0.5:
                continue
            if not speaker_match(g, p):
                wrong = wrong or p
                continue
            if best is None or ov > best[0]:
                best = (ov, i)
        if best is None:
            detail: dict[str, Any] = {"speaker": g.get("speaker"), "role": g.get("role")}
            if wrong is not None:
                detail["pred_speaker"] = wrong.speaker
                detail["pred_role"] = wrong.role
            sc.miss(doc_id, g["text"], **detail)
            continue
        used.add(best[1])
        p = preds[best[1]]
        sc.hit()
        sc.counts["direct_ok"] += bool(g.get("is_direct_quote")) == p.direct
        sc.counts["side_ok"] += (g.get("side") or "unknown") == p.side
        if (g.get("side") or "unknown") != p.side or bool(g.get("is_direct_quote")) != p.direct:
            sc.errors.append({"kind": "attr", "doc": doc_id, "text": g["text"],
                              "gold_side": g.get("side"), "pred_side": p.side,
                              "gold_direct": g.get("is_direct_quote"), "pred_direct": p.direct})
    gold_spans = [s for g in gold_doc["gold"].get("statements", [])
                  for s in _spans(doc.text, g["text"])]
    for i, p in enumerate(preds):
        if i not in used:
            if (p.quote_start is not None and p.quote_end is not None
                    and any(_overlap(s, (p.quote_start, p.quote_end)) >= 0.5
                            for s in gold_spans)):
                sc.counts["wrong_speaker"] += 1
            sc.spurious(doc_id, p.quote, speaker=p.speaker, role=p.role)
    return sc


def detail(score: Score) -> dict[str, Any]:
    c = score.counts
    on_span = score.tp + c["wrong_speaker"]
    return {"speaker_precision": round(score.tp / on_span, 4) if on_span else None,
            "direct_accuracy": round(c["direct_ok"] / score.tp, 4) if score.tp else None,
            "side_accuracy": round(c["side_ok"] / score.tp, 4) if score.tp else None}
