"""Time expressions in en/uk/ru news, resolved against the publication date (``doc.published``).

Control events need a date, and news states it relative to the day of writing ("on Friday",
"вчора", "минулого тижня"). Rules find candidate spans; weekdays and relative words are resolved
with small tables rather than dateparser, which gets news usage wrong: with a Friday base and
PREFER_DATES_FROM="past", "Friday" becomes the previous week's Friday (news means the same day),
Ukrainian phrases with a preposition ("у п'ятницю", "в четвер") return None, and "10 сентября"
on 2022-09-09 becomes 2021-09-10. Every candidate span the rules find is read by the tables, so
dateparser is not called at all (it was also the slowest part).

Results are ``TimeRef`` (a ``TimeExpr`` subclass) so existing readers keep working while callers
that follow the gold convention can see ``year_inferred`` (a date written without a year, given
the publication year) and ``kind`` ("date" or "duration"; durations have value None).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal

from frontlens.extract.doc import Doc, TimeExpr, component
from frontlens.extract.lang import available, get_pack, has_pack
from frontlens.model import TimePrecision


@dataclass
class TimeRef(TimeExpr):
    """A ``TimeExpr`` that also says whether its year was inferred and what kind it is."""

    year_inferred: bool = False
    kind: Literal["date", "duration", "dateline"] = "date"


_AP = "['’ʼ`]"
_WORD_END = r"(?![\w'’ʼ])"


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _phrase_rx(phrase: str) -> str:
    """A table phrase as a pattern: words literal, any whitespace between them."""
    return r"\s+".join(re.escape(w) for w in phrase.split())


def _alts(phrases: Iterable[str]) -> str:
    return "|".join(_phrase_rx(p) for p in phrases)


def _merged_list(tables: list[Mapping[str, Any]], key: str) -> list[str]:
    out: dict[str, None] = {}
    for t in tables:
        for v in t.get(key, []):
            out[v] = None
    return list(out)


def _merged_frag(tables: list[Mapping[str, Any]], key: str) -> str:
    """Regular-expression fragments of several packs as one alternation (duplicates once)."""
    frags = dict.fromkeys(t[key] for t in tables if t.get(key))
    return "|".join(frags)


def _merged_map(tables: list[Mapping[str, Any]], key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in tables:
        for k, v in t.get(key, {}).items():
            out.setdefault(_norm(k), v)
    return out


@dataclass(frozen=True)
class _Grammar:
    """The time tables of one or more language packs, compiled."""

    regex: re.Pattern[str]
    modifiers: dict[str, str]  # "last friday" modifier → last | next | this
    days: dict[str, int]
    weeks: dict[str, int | str]
    months: dict[str, int]
    numbers: dict[str, int]
    units: tuple[tuple[str, re.Pattern[str]], ...]
    ago: re.Pattern[str] | None
    apposition: re.Pattern[str]
    dateline: re.Pattern[str]


@cache
def grammar(codes: tuple[str, ...]) -> _Grammar:
    """Compile the ``[timex]`` tables of the packs ``codes`` (in that order) into one regex."""
    tabs = [get_pack(c).timex for c in codes]
    months = ["|".join(dict.fromkeys(t["months"][i] for t in tabs if t.get("months")))
              for i in range(12)]
    weekdays = ["|".join(dict.fromkeys(t["weekdays"][i] for t in tabs if t.get("weekdays")))
                for i in range(7)]
    wd_re = "|".join(f"(?P<wd{i}>{rx})" for i, rx in enumerate(weekdays))

    def mon(tag: str) -> str:
        return "|".join(f"(?P<mo{tag}_{i}>{rx})" for i, rx in enumerate(months, 1))

    def opt_suffix(key: str) -> str:
        frag = _merged_frag(tabs, key)
        return rf"(?:\s*(?:{frag}))?" if frag else ""

    day_suffix = _merged_frag(tabs, "day_suffix")

    def year(tag: str) -> str:
        return rf"(?P<year{tag}>(?:19|20)\d\d)" + opt_suffix("year_suffix")

    def day(tag: str) -> str:
        return rf"(?P<day{tag}>[0-3]?\d)" + (f"(?:{day_suffix})?" if day_suffix else "")

    def opt_words(key: str, group: str = "") -> str:
        words = _merged_list(tabs, key)
        if not words:
            return ""
        name = f"?P<{group}>" if group else "?:"
        return rf"(?:({name}{_alts(words)})\s+)?"

    joiner = list(dict.fromkeys(t["day_month_joiner"] for t in tabs
                                if t.get("day_month_joiner")))
    mods: dict[str, str] = {}
    for t in tabs:
        for direction, phrases in t.get("weekday_modifiers", {}).items():
            for ph in phrases:
                mods.setdefault(_norm(ph), direction)
    days, weeks, rel_months = (_merged_map(tabs, k) for k in
                               ("relative_days", "relative_weeks", "relative_months"))
    durations = [t["durations"] for t in tabs if t.get("durations")]
    numbers: dict[str, int] = {}
    units: dict[str, str] = {}
    quants: list[str] = []
    agos: list[str] = []
    for d in durations:
        numbers.update({k: v for k, v in d.get("numbers", {}).items() if k not in numbers})
        units.update({k: v for k, v in d.get("units", {}).items() if k not in units})
        quants += [q for q in d.get("quantifiers", []) if q not in quants]
        if d.get("ago"):
            agos.append(d["ago"])
    patterns: list[tuple[str, str]] = [
        ("iso", r"(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?![\d-])"),
        ("dmy_num", r"(?P<nd>[0-3]?\d)\.(?P<nm>[01]\d)\.(?P<ny>(?:19|20)\d\d)(?!\d)"),
        ("slash", r"(?P<s1>[0-3]?\d)/(?P<s2>[0-3]?\d)/(?P<sy>(?:19|20)\d\d)(?!\d)"),
        ("md", rf"(?:{mon('a')})\s+{day('a')}(?:,?\s+{year('a')})?{_WORD_END}"),
        ("dm", rf"{day('b')}" + (rf"(?:\s+(?:{_alts(joiner)}))?" if joiner else "")
               + rf"\s+(?:{mon('b')})(?:,?\s+{year('b')})?{_WORD_END}"),
        ("my", opt_words("month_year_prepositions") + rf"(?:{mon('c')})\s+(?P<myear>(?:19|20)\d\d)"
               + opt_suffix("month_year_suffix") + r"(?!\d)"),
        ("wd", (rf"(?:(?P<wdmod>{_alts(mods)})\s+)?" if mods else "")
               + opt_words("weekday_prepositions") + rf"(?:{wd_re})(?:{_AP}s)?{_WORD_END}"),
    ]
    month_preps = _merged_list(tabs, "month_only_prepositions")
    if month_preps:  # "in early March", "на початку березня": the last such month
        patterns.append(("mo", rf"(?:{_alts(month_preps)})\s+(?:{mon('d')}){_WORD_END}"))
    for kind, group, table in (("rel", "rel", days), ("week", "week", weeks),
                               ("month", "month", rel_months)):
        if table:
            patterns.append((kind, rf"(?P<{group}>{_alts(table)}){_WORD_END}"))
    year_preps = _merged_list(tabs, "year_prepositions")
    if year_preps:
        patterns.append(("year", rf"(?:(?:{_alts(year_preps)})\s+)(?P<yonly>(?:19|20)\d\d)"
                                 + opt_suffix("year_only_suffix") + r"(?![\d,.]\d)"))
    if units:
        count = "|".join([r"\d+", *(_phrase_rx(w) for w in [*numbers, *quants])])
        ago = rf"(?:\s+(?:{_alts(agos)}))?" if agos else ""
        patterns.append(("duration", rf"(?P<dur>(?:{count})\s+(?:{'|'.join(units.values())})"
                                     rf"{ago})(?![\w])"))
    # every pattern starts a word: the lookbehind fails fast inside words (about 3x faster)
    regex = re.compile(
        r"(?<![\w'’ʼ])(?:" + "|".join(f"(?P<p_{n}>{rx})" for n, rx in patterns) + ")",
        re.IGNORECASE,
    )
    appos = _merged_list(tabs, "apposition")
    # a dateline: "KYIV, Sept 10 (Reuters) —", "Nov. 11 (UPI) --", "10 вересня —" at a line start
    month_any = "|".join(f"(?:{rx})" for rx in months)
    day_any = r"[0-3]?\d" + (f"(?:{day_suffix})?" if day_suffix else "")
    of = rf"(?:\s+(?:{_alts(joiner)}))?" if joiner else ""
    dl_date = (rf"(?:(?:{month_any})\s+{day_any}|{day_any}{of}\s+(?:{month_any}))"
               rf"(?:,?\s+(?:19|20)\d\d{opt_suffix('year_suffix')})?")
    dateline = re.compile(
        rf"^[ \t]*(?:[^\W\d_][^,\n()]{{0,40}},\s*){{0,2}}(?P<dl>{dl_date}){_WORD_END}\s*"
        r"(?:\([^()\n]{2,40}\)\s*)?(?:—|–|--|-)(?=\s)",
        re.IGNORECASE | re.MULTILINE,
    )
    return _Grammar(
        regex=regex, modifiers=mods, days=days, weeks=weeks, months=rel_months,
        numbers={_norm(k): v for k, v in numbers.items()},
        units=tuple((u, re.compile(rx, re.IGNORECASE)) for u, rx in units.items()),
        ago=re.compile(rf"\b(?:{_alts(agos)})$", re.IGNORECASE) if agos else None,
        apposition=re.compile(rf"^\s*,?\s*(?:(?:{_alts(appos)})\s+)?$" if appos
                              else r"^\s*,?\s*$", re.IGNORECASE),
        dateline=dateline,
    )


def _codes(lang: str | None) -> tuple[str, ...]:
    """The packs whose tables read a text: its language's, or every pack when it has none."""
    return (lang,) if lang and has_pack(lang) else available()


def resolve_weekday(weekday: int, published: date, modifier: str = "") -> date:
    """News usage: the publication weekday is the publication day; others the last such day.

    "last <weekday>" on that weekday means a week back; "next <weekday>" looks forward. The
    modifier is looked up in the packs' ``weekday_modifiers`` (any language).
    """
    direction = grammar(available()).modifiers.get(_norm(modifier), "")
    if direction == "next":
        return published + timedelta(days=(weekday - published.weekday() - 1) % 7 + 1)
    back = (published.weekday() - weekday) % 7
    if back == 0 and direction == "last":
        back = 7
    return published - timedelta(days=back)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _group_index(m: re.Match[str], prefix: str) -> int | None:
    """Index ``i`` of the matched alternative named ``<prefix><i>`` or ``<prefix><tag>_<i>``."""
    for k, v in m.groupdict().items():
        if v and k.startswith(prefix):
            tail = k[len(prefix) :].rsplit("_", 1)[-1]
            if tail.isdigit():
                return int(tail)
    return None


def _first(m: re.Match[str], prefix: str) -> str | None:
    return next((v for k, v in m.groupdict().items() if v and k.startswith(prefix)), None)


def _safe_date(y: int, mth: int, d: int) -> date | None:
    if not (1 <= mth <= 12) or not (1 <= d <= calendar.monthrange(y, mth)[1]):
        return None
    return date(y, mth, d)


def _kind(m: re.Match[str]) -> str:
    return next(k[2:] for k, v in m.groupdict().items() if k.startswith("p_") and v)


def _resolve(m: re.Match[str], published: date | None, gr: _Grammar) -> TimeRef | None:
    kind = _kind(m)
    s, e, text = m.start(), m.end(), m.group()
    g = m.groupdict()

    def ref(value: date | None, prec: TimePrecision, **kw: object) -> TimeRef:
        return TimeRef(s, e, text, value, prec, **kw)  # type: ignore[arg-type]

    if kind == "iso":
        return ref(_safe_date(int(g["iy"]), int(g["im"]), int(g["id"])), "day")
    if kind == "dmy_num":
        return ref(_safe_date(int(g["ny"]), int(g["nm"]), int(g["nd"])), "day")
    if kind == "slash":  # "5/20/2023" (US order) unless the first part cannot be a month
        a, b, y = int(g["s1"]), int(g["s2"]), int(g["sy"])
        return ref(_safe_date(y, b, a) if a > 12 else _safe_date(y, a, b), "day")
    if kind in ("md", "dm"):
        month = _group_index(m, "mo")
        day_s, year_s = _first(m, "day"), _first(m, "year")
        if month is None or day_s is None:
            return None
        day = int(day_s)
        if year_s:
            return ref(_safe_date(int(year_s), month, day), "day")
        if published is None:
            return ref(None, "day", year_inferred=True)
        value = _safe_date(published.year, month, day)
        if value and value > published + timedelta(days=31):
            value = _safe_date(published.year - 1, month, day)  # "December 30" in a January report
        return ref(value, "day", year_inferred=True)
    if kind == "my":
        month = _group_index(m, "mo")
        return ref(date(int(g["myear"]), month, 1) if month else None, "month")
    if kind == "year":
        return ref(date(int(g["yonly"]), 1, 1), "year")
    if kind == "duration":
        words = text.split()
        if gr.ago is not None and gr.ago.search(text) and published is not None:
            n_s = words[0].lower()
            n = int(n_s) if n_s.isdigit() else gr.numbers.get(n_s)
            unit = next((u for u, rx in gr.units if rx.fullmatch(words[1])), None)
            if n is not None and unit == "day":
                return ref(published - timedelta(days=n), "day")
            if n is not None and unit == "week":
                return ref(_monday(published - timedelta(weeks=n)), "week")
        return ref(None, "unknown", kind="duration")
    if published is None:
        return ref(None, "unknown")
    if kind == "mo":  # a month without a year: the latest one at or before the text's date
        month = _group_index(m, "mo")
        if month is None:
            return None
        year = published.year if month <= published.month else published.year - 1
        return ref(date(year, month, 1), "month", year_inferred=True)
    if kind == "wd":
        wd = _group_index(m, "wd")
        if wd is None:
            return None
        return ref(resolve_weekday(wd, published, g.get("wdmod") or ""), "day")
    if kind == "rel":
        return ref(published + timedelta(days=gr.days[_norm(g["rel"])]), "day")
    if kind == "week":
        weeks = gr.weeks[_norm(g["week"])]
        if weeks == "rolling":
            return ref(published - timedelta(days=7), "week")  # a rolling seven days
        return ref(_monday(published) + timedelta(weeks=int(weeks)), "week")
    if kind == "month":
        first = published.replace(day=1)
        for _ in range(-gr.months[_norm(g["month"])]):
            first = (first - timedelta(days=1)).replace(day=1)
        return ref(first, "month")
    return None


def find_times(text: str, published: date | None, lang: str | None = None) -> list[TimeRef]:
    """Resolved time expressions, read with the tables of ``lang``'s pack (every pack's when
    the language has none); "у суботу, 17 лютого" is merged into one (the date wins)."""
    gr = grammar(_codes(lang))
    out: list[TimeRef] = []
    prev_kind = ""
    for m in gr.regex.finditer(text):
        t = _resolve(m, published, gr)
        if t is None:
            continue
        kind = _kind(m)
        if out and prev_kind == "wd" and kind in ("md", "dm") and \
                gr.apposition.match(text[out[-1].end : t.start]):
            prev = out[-1]
            value, inferred = t.value, t.year_inferred
            if inferred and value and prev.value and \
                    (prev.value.month, prev.value.day) == (value.month, value.day):
                # the weekday, resolved against the publication date, confirms the day: the
                # year is known, not guessed ("On Friday, August 23" in a Saturday report)
                value, inferred = prev.value, False
            elif inferred and value and prev.value and published:
                # the weekday picks the year: "у суботу, 17 лютого" in a later report
                for y in (value.year, value.year - 1, value.year + 1):
                    cand = _safe_date(y, value.month, value.day)
                    if cand and cand.weekday() == prev.value.weekday() and \
                            cand <= published + timedelta(days=7):
                        value = cand
                        break
            out[-1] = TimeRef(prev.start, t.end, text[prev.start : t.end], value, t.precision,
                              inferred)
            prev_kind = kind
            continue
        out.append(t)
        prev_kind = kind
    return out


DATELINE_WINDOW = 400  # a dateline opens the text (or the paragraph after its title line)


def find_dateline(text: str, published: date | None, lang: str | None = None) -> TimeRef | None:
    """The dateline that opens a text ("KYIV, Sept 10 (Reuters) —", "Nov. 11 (UPI) --",
    "10 вересня —"), as a ``TimeRef`` of kind "dateline" spanning its date. A dateline without
    a year takes it from ``published``; with neither its value is None (not resolved)."""
    gr = grammar(_codes(lang))
    m = gr.dateline.search(text, 0, min(len(text), DATELINE_WINDOW))
    if m is None:
        return None
    inner = gr.regex.match(text, m.start("dl"), m.end("dl"))
    t = _resolve(inner, published, gr) if inner is not None else None
    if t is None:
        return None
    return TimeRef(m.start("dl"), m.end("dl"), m.group("dl"), t.value, "day", t.year_inferred,
                   kind="dateline")


def apply_dateline(doc: Doc) -> TimeRef | None:
    """Date a text that has no publication date by its dateline: ``doc.published`` becomes
    the dateline's date and ``doc.user["date_source"]`` "dateline". Returns the dateline."""
    dl = find_dateline(doc.text, doc.published, doc.lang)
    if dl is not None and doc.published is None and dl.value is not None:
        doc.published = dl.value
        doc.user["date_source"] = "dateline"
    return dl


@component("time")
def time(doc: Doc) -> Doc:
    """Append every resolved time expression (``TimeRef``) to ``doc.times``; a dateline dates
    the text (see ``apply_dateline``) and is marked kind "dateline", not an event's date."""
    dl = apply_dateline(doc)
    found = find_times(doc.text, doc.published, doc.lang)
    if dl is not None:
        found = [replace(t, kind="dateline") if t.start < dl.end and dl.start < t.end else t
                 for t in found]
    doc.times.extend(found)
    doc.times.sort(key=lambda t: t.start)
    return doc


def date_for_span(
    doc: Doc, start: int, end: int, *, allow_inferred_year: bool = True
) -> tuple[date | None, TimePrecision]:
    """The date of the nearest dated time expression in the sentence of ``[start, end)``.

    Durations are skipped. With ``allow_inferred_year=False`` a nearest date written without a
    year gives ``(None, "unknown")`` (the evaluation gold's convention) instead of a guess.
    """
    s0, s1 = doc.sentence_of(start)
    best: TimeExpr | None = None
    best_dist = 1 << 30
    for t in doc.times:
        if t.start < s0 or t.end > s1 or getattr(t, "kind", "date") in ("duration", "dateline"):
            continue
        if t.value is None:
            continue
        dist = 0 if t.start < end and start < t.end else min(abs(t.start - end), abs(start - t.end))
        if dist < best_dist:
            best, best_dist = t, dist
    if best is None:
        return None, "unknown"
    if getattr(best, "year_inferred", False) and not allow_inferred_year:
        return None, "unknown"
    return best.value, best.precision
