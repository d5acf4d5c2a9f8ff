"""Confidence: an Admiralty grade (letter + digit) and a 0–1 score per fused event.

The two halves of the grade are judged separately, as the Admiralty code asks
(``shared/data/schemas/admiralty.md``):

* **Letter, source reliability A–F**: looked up per outlet in the versioned table
  ``data/source_reliability.csv`` (first matching glob wins). An outlet the table does not know
  gets F, "cannot be judged", never a default that would raise confidence. The event's letter
  is the best letter among its *independent* supporting groups; a group's letter is the best
  letter among its members that carry the claim (see ``fuse.events.group_letters`` for why),
  so it depends neither on ingest order nor on which copy is the group's representative.
* **Digit, information credibility 1–6**: from what corroborates *this* event, see
  :func:`credibility`. Copies never count twice; a concession by the side that lost the place
  counts most, then both sides agreeing, photo/video evidence and a wide independent
  corroboration; hedged wording ("reportedly") and contradicting reports count against.
  6 is kept for events that cannot be judged at all (no date or no place): their grade is
  "unknown".

The score ranks events and picks the winner when reports conflict; it combines the same
inputs as independent pieces of evidence (``1 - Π(1 - p)``), see :func:`score`.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

LETTERS = "ABCDEF"
CATEGORIES = frozenset({
    "official_ua", "official_ru", "wire", "media", "analyst", "osint_tracker",
    "anonymous_channel", "frontlens_sample", "unknown",
})
SIDES = frozenset({"UA", "RU", "US", "other", "unknown"})
UNKNOWN_GRADE = "unknown"

# p(report is right) per reliability letter: F ("cannot be judged") sits below C on purpose,
# so an unknown outlet never outweighs a fairly reliable one.
LETTER_P = {"A": 0.9, "B": 0.8, "C": 0.65, "D": 0.45, "E": 0.2, "F": 0.3}


class ReliabilityTableError(ValueError):
    """The reliability table has a bad row; the message names the file, line and row."""


@dataclass(frozen=True, slots=True)
class Reliability:
    letter: str
    category: str
    side: str
    pattern: str
    note: str = ""


DEFAULT = Reliability("F", "unknown", "unknown", "*", "no row matched: cannot be judged")


class ReliabilityTable:
    """Outlet → reliability, from a CSV with columns pattern, reliability, category, side, note."""

    def __init__(self, rows: list[Reliability], origin: str = "<rows>") -> None:
        self.rows = rows
        self.origin = origin
        self._exact = {r.pattern: r for r in reversed(rows) if not _is_glob(r.pattern)}
        self._globs = [(i, r) for i, r in enumerate(rows) if _is_glob(r.pattern)]
        self._order = {id(r): i for i, r in enumerate(rows)}
        self._by_host = lru_cache(maxsize=100_000)(self._lookup)

    def lookup(self, outlet: str | None, url: str | None = None) -> Reliability:
        """First row (in file order) matching the outlet or the URL host; else F. Cached by
        outlet and host: a cache keyed by whole URLs held one entry per post."""
        return self._by_host(outlet, _host(url))

    @classmethod
    def load(cls, path: Path | str | None = None) -> ReliabilityTable:
        """Read and validate the table; any bad row raises :class:`ReliabilityTableError`."""
        if path is None:
            text = (files("frontlens") / "data" / "source_reliability.csv").read_text("utf-8")
            origin = "data/source_reliability.csv"
        else:
            text = Path(path).read_text(encoding="utf-8")
            origin = str(path)
        return cls.parse(text, origin)

    @classmethod
    def parse(cls, text: str, origin: str = "<text>") -> ReliabilityTable:
        lines = [(n, ln) for n, ln in enumerate(text.splitlines(), 1)
                 if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            raise ReliabilityTableError(f"{origin}: empty reliability table")
        reader = csv.reader(io.StringIO("\n".join(ln for _, ln in lines)))
        header = [h.strip() for h in next(reader)]
        need = ["pattern", "reliability", "category", "side", "note"]
        if header != need:
            raise ReliabilityTableError(
                f"{origin}, line {lines[0][0]}: header {header!r}, expected {need!r}")
        rows: list[Reliability] = []
        for (lineno, raw), cells in zip(lines[1:], reader, strict=True):
            where = f"{origin}, line {lineno}: row {raw.strip()!r}"
            if len(cells) != len(need):
                raise ReliabilityTableError(f"{where}: {len(cells)} cells, expected {len(need)}")
            pattern, letter, category, side, note = (c.strip() for c in cells)
            if not pattern:
                raise ReliabilityTableError(f"{where}: empty pattern")
            if len(letter) != 1 or letter.upper() not in LETTERS:
                raise ReliabilityTableError(
                    f"{where}: reliability {letter!r} is not one of A B C D E F")
            if category not in CATEGORIES:
                raise ReliabilityTableError(
                    f"{where}: unknown category {category!r}; one of {sorted(CATEGORIES)}")
            if side not in SIDES:
                raise ReliabilityTableError(
                    f"{where}: unknown side {side!r}; one of {sorted(SIDES)}")
            if pattern == "*" and letter.upper() != "F":
                raise ReliabilityTableError(
                    f"{where}: the catch-all '*' must be F (cannot be judged), not {letter!r}")
            rows.append(Reliability(letter.upper(), category, side, pattern.casefold(), note))
        return cls(rows, origin)

    def _lookup(self, outlet: str | None, host: str) -> Reliability:
        keys = [k for k in (_norm(outlet), host) if k]
        best: tuple[int, Reliability] | None = None
        for key in keys:
            hit = self._exact.get(key) or self._exact.get(key.lstrip("@"))
            if hit is not None:
                i = self._order[id(hit)]
                best = min(best, (i, hit), key=lambda t: t[0]) if best else (i, hit)
            for i, row in self._globs:
                if best is not None and i >= best[0]:
                    break
                if row.pattern != "*" and fnmatch.fnmatchcase(key, row.pattern):
                    best = (i, row)
                    break
        if best is not None:
            return best[1]
        catch_all = next((r for r in self.rows if r.pattern == "*"), None)
        return catch_all or DEFAULT


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _norm(outlet: str | None) -> str:
    return " ".join(outlet.casefold().split()) if outlet else ""


def _host(url: str | None) -> str:
    if not url or "://" not in url:
        return ""
    host = (urlsplit(url).hostname or "").casefold()
    return host.removeprefix("www.")


@lru_cache(maxsize=1)
def default_table() -> ReliabilityTable:
    return ReliabilityTable.load()


@dataclass(slots=True)
class Evidence:
    """What the grade is computed from; filled by fusion, kept in Event.explanation."""

    letters: list[str] = field(default_factory=list)  # one per independent supporting group
    contra_letters: list[str] = field(default_factory=list)  # per independent contradicting group
    n_mentions: int = 0
    both_sides: bool = False
    concession: bool = False
    photo: bool = False
    hedged_share: float = 0.0
    dated: bool = True
    placed: bool = True
    extraction_confidence: float | None = None  # best calibrated p(claim is made) of a mention


def reliability_letter(ev: Evidence) -> str:
    """Best letter among independent supporting groups (F when none is known)."""
    return min(ev.letters, key=LETTERS.index) if ev.letters else "F"


def credibility(ev: Evidence) -> tuple[int, list[str]]:
    """Admiralty digit 1–6 and the reasons, in the order they were applied.

    Base from independent corroboration: one group → 3 (possibly true), two or more → 2
    (probably true). Steps down (better): a concession by the losing side −2; both sides
    agreeing −1 (when not already a concession); photo/video −1; four or more groups −1.
    1 ("confirmed") needs at least two independent groups, or a photo. Steps up (worse): hedged
    wording in half the mentions +1, in all of them +2, capped at 4 (doubtful); contradicting
    reports +1, or +2 when they weigh at least as much as the support (``1 - Π(1 - p)`` over
    the reliability letters of the independent groups), capped at 5 (improbable). When the
    learned decision layer gives every mention a probability below 0.5 that the text makes the
    claim at all, +1 (capped at 4). No date or
    no place → 6, cannot be judged.
    """
    if not ev.dated or not ev.placed or not ev.letters:
        gap = "no date" if not ev.dated else "no place" if not ev.placed else "no support"
        return 6, [f"{gap}: truth cannot be judged"]
    n = len(ev.letters)
    c = 3 if n == 1 else 2
    why = [f"{n} independent source group(s) → {c}"]
    if ev.concession:
        c -= 2
        why.append("concession by the losing side −2")
    elif ev.both_sides:
        c -= 1
        why.append("both sides agree −1")
    if ev.photo:
        c -= 1
        why.append("photo/video evidence −1")
    if n >= 4:
        c -= 1
        why.append("four or more independent groups −1")
    floor = 1 if (n >= 2 or ev.photo) else 2
    if c < floor:
        c = floor
        if floor == 2:
            why.append("a single source group cannot be 'confirmed' → 2")
    if ev.hedged_share >= 0.5:
        c2 = max(c, min(c + (2 if ev.hedged_share >= 1.0 else 1), 4))
        if c2 != c:
            why.append(f"hedged in {ev.hedged_share:.0%} of mentions +{c2 - c}")
        c = c2
    if ev.extraction_confidence is not None and ev.extraction_confidence < 0.5:
        c2 = max(c, min(c + 1, 4))
        if c2 != c:
            why.append(f"the extractor is unsure the text makes this claim "
                       f"(p {ev.extraction_confidence:.2f}) +1")
        c = c2
    if ev.contra_letters:
        stronger = _weight(ev.contra_letters) >= _weight(ev.letters)
        c2 = min(c + (2 if stronger else 1), 5)
        why.append(f"contradicted by {len(ev.contra_letters)} independent group(s)"
                   f"{' at least as reliable' if stronger else ''} +{c2 - c}")
        c = c2
    return max(1, min(c, 5)), why


def _combine(ps: list[float]) -> float:
    q = 1.0
    for p in ps:
        q *= 1.0 - p
    return 1.0 - q


def _weight(letters: list[str]) -> float:
    return _combine([LETTER_P[x] for x in letters])


def score(ev: Evidence) -> float:
    """0–1: independent groups combined as ``1 - Π(1 - p_letter)``, then the modifiers.

    Concession adds p=0.8, photo p=0.4, both sides p=0.3; hedging multiplies by
    ``1 - 0.4·hedged_share``; contradiction multiplies by ``1 - 0.6·s_contra`` where
    ``s_contra`` combines the contradicting groups the same way; the extractor's best
    confidence p multiplies by ``0.5 + 0.5·p``. Undated/unplaced events get
    their score but the grade "unknown".
    """
    s = _combine([LETTER_P[x] for x in ev.letters])
    extra = []
    if ev.concession:
        extra.append(0.8)
    if ev.photo:
        extra.append(0.4)
    if ev.both_sides and not ev.concession:
        extra.append(0.3)
    if extra and ev.letters:
        s = _combine([s, *extra])
    s *= 1.0 - 0.4 * ev.hedged_share
    if ev.extraction_confidence is not None:
        s *= 0.5 + 0.5 * ev.extraction_confidence
    if ev.contra_letters:
        s *= 1.0 - 0.6 * _combine([LETTER_P[x] for x in ev.contra_letters])
    return round(s, 4)


def grade(ev: Evidence) -> tuple[str, str, int, float, list[str]]:
    """(grade, letter, digit, score, reasons); grade is "unknown" when it cannot be judged."""
    letter = reliability_letter(ev)
    digit, why = credibility(ev)
    g = UNKNOWN_GRADE if digit == 6 else f"{letter}{digit}"
    return g, letter, digit, score(ev), why
