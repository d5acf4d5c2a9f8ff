"""Event fusion: many mentions of one real-world event → one graded :class:`Event`.

Control events are fused by **place** (gazetteer id, else the normalised name), **claim
family** and **time window**:

* family: who holds the place afterwards. ``liberated``/``captured``/``held`` with a known side
  give "UA" or "RU". The extractor leaves ``new_controller`` unknown for ``withdrew`` and
  ``entered`` (the gold convention), so fusion reads the side cues of the cited sentence
  (``data/lexicon/control_sides.txt``): "Russian troops withdrew from Izium" → UA holds,
  "Ukrainian forces entered Balakliia" → UA holds; with no cue or cues of both sides the
  mention stays in an event of its own that never enters the control timeline. Activity
  (``fighting``, ``shelled``, ``encircled``, ``advanced_toward``) is fused per action.
* window, from ``time_precision``: day → the day, week → ±3 days, month → the calendar month,
  year → the year (the extractor's date is taken as lying inside that period). Day/week
  mentions are swept in date order and chained while they are at most ``GAP_DAYS`` apart and
  the event spans at most ``MAX_SPAN_DAYS``; month/year mentions then join the overlapping
  event with most mentions (a vague date should not glue two distinct events together).
* mentions without a date (or without a place) are kept in events of their own, graded
  "unknown".

Opposing families (UA vs RU) at one place whose windows overlap or lie within ``GAP_DAYS``
contradict each other: each event lists the other's mentions as contradicting evidence, and a
:class:`Contradiction` names the strongest pair ("denial" when one side says it still holds the
place). Equipment losses fuse by catalog type, fate, place and publication day, or by a shared
photo (the same link, or dHashes within 4 bits); statements by speaker and quote.

Work is blocked by place key and sorted by date inside each block, so fusion is
``O(n log n)`` with no all-pairs comparison.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from frontlens.fuse import confidence as conf
from frontlens.fuse.dedup import Links, SourceInfo, groups_of, outlet_key
from frontlens.model import TimePrecision
from frontlens.store.evidence import near_photos

GAP_DAYS = 2
MAX_SPAN_DAYS = 10
EQUIPMENT_GAP_DAYS = 3
STATEMENT_GAP_DAYS = 3
MAX_CONTRADICTION_PAIRS = 3

SIDED = {"liberated", "captured", "held", "withdrew", "entered"}
UNSIDED_CHANGE = {"withdrew", "entered"}
CHANGE = {"liberated", "captured", "withdrew", "entered"}
PRECISION_ORDER = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_APOS = re.compile(r"['’ʼ`´]")


def place_key(place_id: str | None, place_name: str | None) -> str:
    """Gazetteer id when resolved, else the case-folded name without apostrophes/hyphens."""
    if place_id:
        return place_id
    if not place_name or not place_name.strip():
        return ""
    name = _APOS.sub("", place_name.casefold()).replace("ё", "е").replace("-", " ")
    return "name:" + _SPACE.sub(" ", name).strip()


def window(d: date | None, precision: str) -> tuple[int, int]:
    """Ordinal [lo, hi] of the days the event may have happened on."""
    if d is None:
        return (0, -1)
    o = d.toordinal()
    if precision == "day":
        return (o, o)
    if precision == "month":
        last = calendar.monthrange(d.year, d.month)[1]
        return (date(d.year, d.month, 1).toordinal(), date(d.year, d.month, last).toordinal())
    if precision == "year":
        return (date(d.year, 1, 1).toordinal(), date(d.year, 12, 31).toordinal())
    return (o - 3, o + 3)  # week, and a date of unknown precision


@dataclass(slots=True)
class Claim:
    """A light, hashable-free view of one ControlEvent (pydantic objects are too slow at 1M)."""

    id: str
    source_id: str
    start: int
    end: int
    key: str
    place_id: str | None
    place_name: str
    action: str
    controller: str
    claimed_by: str
    hedged: bool
    day: date | None
    precision: str
    lo: int = 0
    hi: int = -1
    family: str = ""
    status: str = "new"  # only "new" claims enter fusion (not recalled/denied/hypothetical)
    confidence: float | None = None  # the decision layer's probability that the claim is made

    def __post_init__(self) -> None:
        prec = self.precision if self.day is not None else "unknown"
        self.precision = prec
        self.lo, self.hi = window(self.day, prec)
        if self.action in SIDED and self.controller in ("UA", "RU"):
            self.family = self.controller
        elif self.action in SIDED or self.action in UNSIDED_CHANGE:
            self.family = "?"
        else:
            self.family = "act:" + self.action


def claim_from_row(r: Any, sentence: str | None = None, side: str | None = None) -> Claim:
    """From a ControlEvent record or a row with the same fields; ``sentence`` is its span, or
    ``side`` what :func:`side_after` already read from it."""
    controller = r.new_controller
    if controller not in ("UA", "RU") and r.action in UNSIDED_CHANGE:
        if side is not None:
            controller = side
        elif sentence:
            controller = side_after(r.action, sentence)
    return Claim(r.id, r.source_id, r.start, r.end, place_key(r.place_id, r.place_name),
                 r.place_id, r.place_name, r.action, controller, r.claimed_by,
                 bool(r.hedged), r.event_date, r.time_precision,
                 status=getattr(r, "status", None) or "new",
                 confidence=getattr(r, "confidence", None))


@cache
def _side_cues() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Single-word side cues from the extractor's lexicon: exact words and prefixes."""
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    text = (files("frontlens") / "data" / "lexicon" / "control_sides.txt").read_text("utf-8")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2 or line.startswith("#") or parts[0] not in ("UA", "RU"):
            continue
        side, item = parts
        if item.endswith("*"):
            prefixes.append((item[:-1].casefold(), side))
        else:
            exact[item.casefold()] = side
    return exact, tuple(prefixes)


def side_after(action: str, sentence: str) -> str:
    """Who holds the place after a withdrawal/entry, from the side cues of its sentence.

    One side named → that side entered, or the other side took over after it withdrew. No cue
    or both sides → "unknown" (never guessed).
    """
    exact, prefixes = _side_cues()
    sides = set()
    for w in _WORD.findall(sentence.casefold()):
        side = exact.get(w) or next((s for p, s in prefixes if w.startswith(p)), None)
        if side:
            sides.add(side)
    if len(sides) != 1:
        return "unknown"
    actor = sides.pop()
    if action == "withdrew":
        return "UA" if actor == "RU" else "RU"
    return actor


@dataclass(slots=True)
class Group:
    """An event under construction: its supporting and contradicting claims."""

    kind: str
    key: str
    family: str
    claims: list[Any] = field(default_factory=list)
    lo: int = 0
    hi: int = -1
    contra: list[Any] = field(default_factory=list)
    dated: bool = True
    id: str = ""
    contra_ids: list[str] = field(default_factory=list)

    def add(self, c: Any) -> None:
        if not self.claims:
            self.lo, self.hi = c.lo, c.hi
        else:
            self.lo, self.hi = min(self.lo, c.lo), max(self.hi, c.hi)
        self.claims.append(c)

    def make_id(self) -> str:
        first = min(c.id for c in self.claims)
        ident = f"{self.kind}|{self.key}|{self.family}|{first}"
        self.id = "ev-" + hashlib.sha256(ident.encode()).hexdigest()[:20]
        return self.id


# -- control events -----------------------------------------------------------------------------


def group_control(claims: Iterable[Claim]) -> list[Group]:
    """Block by place, sweep by date inside each family, attach vague and side-less mentions."""
    by_place: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
    for c in claims:
        by_place[c.key][c.family].append(c)
    out: list[Group] = []
    for key, families in by_place.items():
        sided: dict[str, list[Group]] = {}
        unsided = families.pop("?", [])
        for fam, cs in families.items():
            groups = _sweep("control", key, fam, cs, GAP_DAYS)
            out.extend(groups)
            if fam in ("UA", "RU"):
                sided[fam] = sorted((g for g in groups if g.dated), key=lambda g: g.lo)
        if unsided:
            out.extend(_sweep("control", key, "?", unsided, GAP_DAYS))
        if "UA" in sided and "RU" in sided:
            for g in sided["UA"]:
                for h in _overlapping(sided["RU"], g.lo, g.hi):
                    g.contra.append(h)
                    h.contra.append(g)
    return out


def _overlapping(groups: list[Group], lo: int, hi: int) -> list[Group]:
    """Groups (sorted by lo, about disjoint) whose window is within GAP_DAYS of [lo, hi]."""
    los = [g.lo for g in groups]
    i = bisect_left(los, lo - MAX_SPAN_DAYS - 400)  # coarse (year) windows start early
    hits = []
    for g in groups[i:]:
        if g.lo > hi + GAP_DAYS:
            break
        if g.hi >= lo - GAP_DAYS:
            hits.append(g)
    return hits


def _sweep(kind: str, key: str, family: str, cs: list[Any], gap: int) -> list[Group]:
    """Chain day/week mentions in date order; attach month/year ones; undated apart.

    A mention dated only by its report (precision "unknown" with a day: the publication date or
    dateline) chains like a week mention, over the few days around the report."""
    fine = sorted((c for c in cs if c.precision in ("day", "week") or (
        c.precision == "unknown" and c.hi >= c.lo)), key=lambda c: (c.lo, c.id))
    coarse = [c for c in cs if c.precision in ("month", "year")]
    undated = [c for c in cs if c.precision == "unknown" and c.hi < c.lo]
    groups: list[Group] = []
    cur: Group | None = None
    for c in fine:
        if cur is not None and c.lo <= cur.hi + gap and c.hi - cur.lo <= MAX_SPAN_DAYS:
            cur.add(c)
        else:
            cur = Group(kind, key, family)
            cur.add(c)
            groups.append(cur)
    if coarse:
        own: dict[tuple[int, int], Group] = {}
        for c in sorted(coarse, key=lambda c: (c.lo, c.id)):
            hits = [g for g in groups if g.lo <= c.hi and g.hi >= c.lo] if groups else []
            if hits:
                g = max(hits, key=lambda g: len(g.claims))
                g.claims.append(c)  # keeps the fine window: a vague date must not widen it
            else:
                if (c.lo, c.hi) not in own:
                    own[(c.lo, c.hi)] = Group(kind, key, family)
                g = own[(c.lo, c.hi)]
                g.add(c)
        groups.extend(own.values())
    if undated:
        g = Group(kind, key, family, dated=False)
        for c in undated:
            g.claims.append(c)
        groups.append(g)
    return groups


# -- grading ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Fused:
    """Fusion output as plain dicts shaped like the storage rows (cheap to write in bulk)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def group_letters(reps: dict[str, str], sources: dict[str, SourceInfo]) -> list[str]:
    """One reliability letter per independence group: the best letter among the group's
    members that carry the claim (``reps``: member → representative, for this event's sources).

    Why the best member and not the representative (the earliest published member): grouping
    exists so that copies, reposts and one photo shown twice never count as corroboration,
    which is the digit's business; it is no reason to rate the report by whichever copy happened
    to come first. Each member carries the claim under its own outlet's name, and an outlet's
    letter rates what it publishes, copies included: a wire service repeating a post vouches for
    it to its usual standard. The representative is only a tie-break by date (a copy missing
    its date or outlet, F, would otherwise mask the rated original), and the best-of rule does
    not depend on it, so the letter is the same in any ingest order and on both fusion paths.
    Still one letter per group: several copies never add up.
    """
    best: dict[str, int] = {}
    for sid, rep in reps.items():
        s = sources.get(sid)
        rank = conf.LETTERS.index(s.letter if s is not None else "F")
        if rank < best.get(rep, len(conf.LETTERS)):
            best[rep] = rank
    return [conf.LETTERS[best[rep]] for rep in sorted(best)]


def _date(o: int) -> date:
    return date.fromordinal(o)


def grade_group(
    g: Group,
    record_type: str,
    sources: dict[str, SourceInfo],
    links: Links,
    against: dict[str, set[str]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One event row and its evidence rows; ``against``: source id → sides conceding there."""
    supp = {c.source_id for c in g.claims}
    reps = groups_of(supp, sources, links)
    contra_claims = [c for h in g.contra for c in h.claims]
    contra_reps = groups_of({c.source_id for c in contra_claims}, sources, links)
    contra_reps = {s: r for s, r in contra_reps.items() if s not in supp}
    ev = conf.Evidence(
        letters=group_letters(reps, sources),
        contra_letters=group_letters(contra_reps, sources),
        n_mentions=len(g.claims),
        dated=g.dated,
        placed=bool(g.key) or g.kind != "control",
    )
    sides: set[str] = set()
    loser = {"UA": "RU", "RU": "UA"}.get(g.family)
    # a source that also reports the opposite here contradicts itself (often a misread actor):
    # what it says cannot be a concession
    torn = {c.source_id for c in contra_claims}
    hedged = 0
    for c in g.claims:
        cb = getattr(c, "claimed_by", "unknown")
        src = sources.get(c.source_id)
        if cb in ("UA", "RU"):
            sides.add(cb)
        elif src is not None and src.side in ("UA", "RU"):
            sides.add(src.side)
        if loser and c.source_id not in torn and (
                cb == loser or (cb == "unknown" and src is not None and src.side == loser)):
            ev.concession = True
        if getattr(c, "hedged", False):
            hedged += 1
        if (src is not None and src.media) or getattr(c, "urls", None):
            ev.photo = True
    if loser and against:
        ev.concession = ev.concession or any(loser in against.get(s, ()) for s in supp)
    if g.kind == "equipment":
        owner = g.claims[0].side
        ev.concession = owner in ("UA", "RU") and owner in sides
    ev.both_sides = {"UA", "RU"} <= sides
    ev.hedged_share = round(hedged / len(g.claims), 3) if g.claims else 0.0
    probs = [p for c in g.claims if (p := getattr(c, "confidence", None)) is not None]
    ev.extraction_confidence = max(probs) if probs else None
    grade, letter, digit, score, why = conf.grade(ev)
    dated = [c.day for c in g.claims if c.day is not None]
    precision: TimePrecision = min(
        (c.precision for c in g.claims), key=lambda p: PRECISION_ORDER.get(p, 4)
    )
    actions: dict[str, int] = defaultdict(int)
    for c in g.claims:
        actions[c.action] += 1
    action = max(actions.items(), key=lambda kv: (kv[0] in CHANGE, kv[1], kv[0]))[0]
    first = g.claims[0]
    controller = g.family if g.family in ("UA", "RU") else "unknown"
    if g.kind == "equipment":
        controller = first.capturer
    event_id = g.id or g.make_id()
    row = {
        "id": event_id,
        "kind": g.kind,
        "place_id": getattr(first, "place_id", None),
        "place_name": getattr(first, "place_name", None),
        "subject": getattr(first, "subject", None),
        "action": action,
        "new_controller": controller,
        "first_date": min(dated) if dated else None,
        "last_date": max(dated) if dated else None,
        "time_precision": precision,
        "grade": grade,
        "reliability": letter,
        "credibility": digit,
        "score": score,
        "n_sources_independent": len(set(reps.values())),
        "n_mentions": len(g.claims),
        "both_sides": ev.both_sides,
        "concession": ev.concession,
        "photo": ev.photo,
        "hedged_share": ev.hedged_share,
        "contradicted": bool(contra_claims),
        "explanation": {
            "reasons": why,
            "extraction_confidence": ev.extraction_confidence,
            "letters": sorted(ev.letters),
            "contra_letters": sorted(ev.contra_letters),
            "contradicting_events": [h.id or h.make_id() for h in g.contra],
            "place_key": g.key,
            "family": g.family,
            "window": [str(_date(g.lo)), str(_date(g.hi))] if g.dated and g.hi >= g.lo else None,
        },
    }
    evidence = [
        {"event_id": event_id, "record_id": c.id, "record_type": record_type,
         "source_id": c.source_id, "role": "supporting",
         "duplicate_of": reps[c.source_id] if reps[c.source_id] != c.source_id else None,
         "start": c.start, "end": c.end}
        for c in g.claims
    ]
    evidence += [
        {"event_id": event_id, "record_id": c.id, "record_type": record_type,
         "source_id": c.source_id, "role": "contradicting",
         "duplicate_of": (contra_reps.get(c.source_id) if contra_reps.get(c.source_id)
                          != c.source_id else None),
         "start": c.start, "end": c.end}
        for c in contra_claims if c.source_id not in supp
    ]
    return row, evidence


def contradiction_rows(groups: list[Group], sources: dict[str, SourceInfo]
                       ) -> list[dict[str, Any]]:
    """For each opposing pair of control events, up to three strongest pairs of mentions."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def strength(c: Claim) -> tuple[int, int, str]:
        letter = sources[c.source_id].letter if c.source_id in sources else "F"
        return (conf.LETTERS.index(letter), int(c.hedged), c.id)

    for g in groups:
        for h in g.contra:
            a, b = sorted((g, h), key=lambda x: x.family)  # "RU" < "UA": stable orientation
            pair = (a.id, b.id)
            if pair in seen:
                continue
            seen.add(pair)
            denial = any(c.action == "held" and _voice(c, sources) == x.family
                         for x in (a, b) for c in x.claims)
            kind = "denial" if denial else "control_conflict"
            best_a = sorted(a.claims, key=strength)[:MAX_CONTRADICTION_PAIRS]
            best_b = sorted(b.claims, key=strength)[:MAX_CONTRADICTION_PAIRS]
            for ca, cb in zip(best_a, best_b, strict=False):
                if ca.source_id == cb.source_id:
                    continue
                ident = f"{ca.id}|{cb.id}"
                out.append({
                    "id": "ctr-" + hashlib.sha256(ident.encode()).hexdigest()[:20],
                    "kind": kind,
                    "a_record_id": ca.id, "a_source_id": ca.source_id,
                    "b_record_id": cb.id, "b_source_id": cb.source_id,
                    "a_event_id": a.id, "b_event_id": b.id,
                    "place_id": ca.place_id or cb.place_id,
                    "place_name": ca.place_name,
                    "a_date": ca.day, "b_date": cb.day,
                    "reason": (f"{ca.place_name}: {ca.action} ({a.family} holds) vs "
                               f"{cb.action} ({b.family} holds) on overlapping days "
                               f"{ca.day or '?'} / {cb.day or '?'}"),
                })
    return out


def _voice(c: Claim, sources: dict[str, SourceInfo]) -> str:
    """Who makes the claim: its claimant's side, else the outlet's side."""
    if c.claimed_by in ("UA", "RU"):
        return c.claimed_by
    src = sources.get(c.source_id)
    return src.side if src is not None else "unknown"


def _held_by_voice(c: Claim, sources: dict[str, SourceInfo]) -> Claim:
    """"X is under control" with no holder named is said by one side about itself: the
    holder is the claimant's side, else the outlet's (the source table); unknown otherwise."""
    if c.action != "held" or c.controller in ("UA", "RU"):
        return c
    voice = _voice(c, sources)
    if voice not in ("UA", "RU"):
        return c
    return replace(c, controller=voice)


def fuse_control(
    claims: Iterable[Claim],
    sources: dict[str, SourceInfo],
    links: Links,
    against: dict[str, set[str]] | None = None,
) -> Fused:
    """Group, grade and cite control events (in memory; the bench times exactly this).

    Only claims with status "new" make events, timelines and contradictions: a recollection
    ("captured in May 2022" in a 2023 text), a denial or a plan is no claim about the day."""
    groups = group_control(_held_by_voice(c, sources) for c in claims if c.status == "new")
    for g in groups:
        g.make_id()
    fused = Fused(groups=groups)
    for g in groups:
        row, ev = grade_group(g, "ControlEvent", sources, links, against)
        fused.events.append(row)
        fused.evidence.extend(ev)
    fused.contradictions = contradiction_rows(groups, sources)
    return fused


# -- equipment and statements -------------------------------------------------------------------


@dataclass(slots=True)
class EqClaim:
    id: str
    source_id: str
    start: int
    end: int
    subject: str
    fate: str
    side: str
    place_id: str | None
    urls: list[str]
    day: date | None
    action: str = ""
    place_name: str | None = None
    capturer: str = "unknown"
    precision: str = "day"
    lo: int = 0
    hi: int = -1
    hedged: bool = False
    claimed_by: str = "unknown"

    def __post_init__(self) -> None:
        self.action = self.fate
        if self.day is None:
            self.precision = "unknown"
        else:
            self.lo = self.hi = self.day.toordinal()
        if self.fate == "captured" and self.side in ("UA", "RU"):
            self.capturer = "RU" if self.side == "UA" else "UA"


def _near(a: EqClaim, b: EqClaim) -> bool:
    if a.day is None or b.day is None:
        return a.day is None and b.day is None
    return b.lo - a.hi <= EQUIPMENT_GAP_DAYS


def equipment_key(catalog_type: str | None, model_text: str) -> str:
    return " ".join(_WORD.findall((catalog_type or model_text).casefold()))


def fuse_equipment(claims: list[EqClaim], sources: dict[str, SourceInfo], links: Links) -> Fused:
    """Same type + fate + place within a few days of publication, or the same type shown by the
    same photo: the same link, or photos whose dHashes are within ``DHASH_SAME_BITS`` (a repost
    re-encoded or resized under another name, whatever its date). A tally post links one photo
    per item, so a link alone joins nothing."""
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_url: dict[tuple[str, str], int] = {}
    shown: dict[str, list[tuple[str, str]]] = defaultdict(list)  # type → (claim, dHash)
    for i, c in enumerate(claims):
        for u in c.urls:
            j = by_url.setdefault((c.subject, u), i)
            parent[find(i)] = find(j)
        src = sources.get(c.source_id)
        if src is not None and src.photos and c.urls:
            named = dict(src.photos)
            shown[c.subject] += [(str(i), named[u]) for u in c.urls if u in named]
    for pairs in shown.values():
        for a, b in near_photos(pairs):
            parent[find(int(a))] = find(int(b))
    blocks: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(claims):  # an unresolved place keeps its name: Verbivka ≠ no place
        blocks[(c.subject, c.fate, place_key(c.place_id, c.place_name))].append(i)
    for idx in blocks.values():
        idx.sort(key=lambda i: (claims[i].lo, claims[i].id))
        prev = None
        for i in idx:
            c = claims[i]
            if prev is not None and _near(claims[prev], c):
                parent[find(i)] = find(prev)
            prev = i
    comps: dict[int, Group] = {}
    for i, c in enumerate(claims):
        r = find(i)
        g = comps.get(r)
        if g is None:
            g = comps[r] = Group("equipment", c.subject, c.fate)
        g.add(c)
    fused = Fused(groups=list(comps.values()))
    for g in fused.groups:
        g.dated = any(c.day is not None for c in g.claims)  # over all members, once grouped
        row, ev = grade_group(g, "EquipmentLoss", sources, links)
        fused.events.append(row)
        fused.evidence.extend(ev)
    return fused


@dataclass(slots=True)
class StClaim:
    id: str
    source_id: str
    start: int
    end: int
    subject: str
    quote_key: str
    day: date | None
    against_interest: bool
    side: str
    action: str = "said"
    place_id: str | None = None
    place_name: str | None = None
    precision: str = "day"
    lo: int = 0
    hi: int = -1
    hedged: bool = False
    claimed_by: str = "unknown"

    def __post_init__(self) -> None:
        if self.day is None:
            self.precision = "unknown"
        else:
            self.lo = self.hi = self.day.toordinal()
        self.claimed_by = self.side


def quote_key(quote: str) -> str:
    return " ".join(_WORD.findall(quote.casefold())[:12])


def fuse_statements(claims: list[StClaim], sources: dict[str, SourceInfo], links: Links
                    ) -> Fused:
    """The same speaker and the same quote (first 12 words) within a few days → one event."""
    blocks: dict[tuple[str, str], list[StClaim]] = defaultdict(list)
    for c in claims:
        if c.quote_key:
            blocks[(c.subject, c.quote_key)].append(c)
    fused = Fused()
    for (speaker, qk), cs in blocks.items():
        fused.groups.extend(_sweep("statement", f"{speaker}|{qk}", "said", cs,
                                   STATEMENT_GAP_DAYS))
    for g in fused.groups:
        row, ev = grade_group(g, "Statement", sources, links)
        row["concession"] = any(c.against_interest for c in g.claims)
        fused.events.append(row)
        fused.evidence.extend(ev)
    return fused


# -- area figures -------------------------------------------------------------------------------


@dataclass(slots=True)
class AreaItem:
    id: str
    source_id: str
    value: float
    qualifier: str
    place_id: str | None
    day: date | None

    def bounds(self) -> tuple[float, float]:
        v = self.value
        if self.qualifier == "more_than":
            return (v, float("inf"))
        if self.qualifier in ("less_than", "up_to"):
            return (0.0, v)
        if self.qualifier == "about":
            return (v * 0.85, v * 1.15)
        return (v * 0.95, v * 1.05)


def area_contradictions(items: list[AreaItem]) -> list[dict[str, Any]]:
    """Figures for the same place published the same day whose ranges cannot both hold."""
    blocks: dict[tuple[str, date], list[AreaItem]] = defaultdict(list)
    for it in items:
        if it.day is not None:
            blocks[(it.place_id or "", it.day)].append(it)
    out = []
    for (_, day), its in blocks.items():
        if len(its) < 2:
            continue
        low = min(its, key=lambda it: it.bounds()[1])
        high = max(its, key=lambda it: it.bounds()[0])
        if low.source_id == high.source_id or low.bounds()[1] >= high.bounds()[0]:
            continue
        ident = f"{low.id}|{high.id}"
        out.append({
            "id": "ctr-" + hashlib.sha256(ident.encode()).hexdigest()[:20],
            "kind": "area_figures",
            "a_record_id": low.id, "a_source_id": low.source_id,
            "b_record_id": high.id, "b_source_id": high.source_id,
            "a_event_id": None, "b_event_id": None,
            "place_id": low.place_id, "place_name": None,
            "a_date": day, "b_date": day,
            "reason": (f"area figures published {day} disagree: {low.qualifier} "
                       f"{low.value:g} km² vs {high.qualifier} {high.value:g} km²"),
        })
    return out


def day_of(dt: datetime | None) -> date | None:
    return dt.date() if dt is not None else None


def item_facts(x: Claim | EqClaim | StClaim | AreaItem) -> list[str]:
    """The language-independent facts one record gives its source, for cross-language copy
    detection: place, place+action and date of a control claim, equipment type+fate, speaker,
    rounded area figure."""
    if isinstance(x, Claim):
        out = [f"p:{x.key}", f"a:{x.key}:{x.action}"] if x.key else []
        if x.day is not None:
            out.append(f"d:{x.day}")
        return out
    if isinstance(x, EqClaim):
        return [f"e:{x.subject}:{x.fate}"]
    if isinstance(x, StClaim):
        return [f"s:{x.subject}"] if x.subject else []
    return [f"q:{round(x.value)}"]


def speaker_key(speaker_id: str | None, speaker: str | None) -> str:
    return speaker_id or outlet_key(speaker)
