"""Time expressions: news weekday usage, Cyrillic prepositions, inferred years, durations."""

from __future__ import annotations

from datetime import date

import pytest

from frontlens.extract.doc import Doc
from frontlens.extract.sentences import sentences
from frontlens.extract.timex import TimeRef, date_for_span, find_times, resolve_weekday, time

FRIDAY = date(2022, 9, 9)


def _one(text: str, published: date | None = FRIDAY) -> TimeRef:
    found = find_times(text, published)
    assert len(found) == 1, found
    return found[0]


def test_dateparser_pitfall_same_weekday_is_publication_day() -> None:
    # dateparser with PREFER_DATES_FROM="past" would give 2022-09-02 here
    t = _one("Zelensky said on Friday that troops advanced.")
    assert (t.text, t.value, t.precision) == ("on Friday", FRIDAY, "day")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("у п'ятницю", FRIDAY), ("у п’ятницю", FRIDAY), ("в четвер", date(2022, 9, 8)),
     ("в пятницу", FRIDAY), ("в среду", date(2022, 9, 7)), ("у неділю", date(2022, 9, 4))],
)
def test_dateparser_pitfall_cyrillic_weekday_with_preposition(text: str, expected: date) -> None:
    t = _one(f"Про це повідомили {text}.")
    assert t.value == expected
    assert t.text == text


def test_other_weekdays_are_most_recent_past() -> None:
    assert _one("Thursday's nightly address").value == date(2022, 9, 8)
    assert _one("on Saturday").value == date(2022, 9, 3)
    assert _one("last Friday").value == date(2022, 9, 2)
    assert resolve_weekday(0, FRIDAY, "next") == date(2022, 9, 12)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [("yesterday", date(2022, 9, 8), "day"), ("вчора", date(2022, 9, 8), "day"),
     ("вчера", date(2022, 9, 8), "day"), ("накануне", date(2022, 9, 8), "day"),
     ("last week", date(2022, 8, 29), "week"), ("минулого тижня", date(2022, 8, 29), "week"),
     ("earlier this month", date(2022, 9, 1), "month"), ("2022-09-10", date(2022, 9, 10), "day"),
     ("since 2014", date(2014, 1, 1), "year"), ("in September 2022", date(2022, 9, 1), "month")],
)
def test_relative_and_absolute(text: str, value: date, precision: str) -> None:
    t = _one(text)
    assert (t.value, t.precision) == (value, precision)


@pytest.mark.parametrize("text", ["September 9", "9 вересня", "10 сентября", "10 September"])
def test_date_without_year_is_flagged(text: str) -> None:
    t = _one(f"It happened on {text}.")
    assert t.year_inferred
    assert t.value is not None and t.value.year == 2022


def test_date_with_year_is_not_flagged() -> None:
    t = _one("Updated September 9, 2022 at noon")
    assert (t.value, t.year_inferred) == (date(2022, 9, 9), False)
    assert _one("9 вересня 2022 року").value == date(2022, 9, 9)


def test_weekday_confirms_yearless_date() -> None:
    t = _one("On Friday, August 23, troops advanced.", date(2024, 8, 24))
    assert (t.value, t.year_inferred) == (date(2024, 8, 23), False)
    t = _one("у суботу, 17 лютого", date(2024, 2, 19))
    assert t.value == date(2024, 2, 17)


def test_duration_is_not_a_date() -> None:
    t = _one("liberated after six months of fighting")
    assert (t.kind, t.value) == ("duration", None)


def test_no_publication_date_leaves_relative_unresolved() -> None:
    assert _one("on Friday", None).value is None
    assert _one("September 10", None).value is None


def test_not_dates() -> None:
    assert find_times("they may 10 times refuse", FRIDAY) == []
    assert find_times("2 жовті танки серед військових", FRIDAY) == []


def test_component_and_date_for_span() -> None:
    text = "Troops entered Kupiansk on Friday. Izium was shelled on 7 September."
    doc = time(sentences(Doc(text=text, lang="en", published=FRIDAY)))
    assert [t.text for t in doc.times] == ["on Friday", "7 September"]
    i = text.index("Kupiansk")
    assert date_for_span(doc, i, i + 8) == (FRIDAY, "day")
    j = text.index("Izium")
    assert date_for_span(doc, j, j + 5) == (date(2022, 9, 7), "day")
    assert date_for_span(doc, j, j + 5, allow_inferred_year=False) == (None, "unknown")
    doc2 = time(sentences(Doc(text="Nothing dated here.", published=FRIDAY)))
    assert date_for_span(doc2, 0, 7) == (None, "unknown")


def test_a_month_without_a_year_is_the_latest_one_before_the_report() -> None:
    # "окупували на початку березня" in a September report is March of that year, month
    # precision: a recollection, not a capture on the publication day
    pub = date(2022, 9, 16)
    [t] = find_times("Місто окупували на початку березня.", pub, "uk")
    assert (t.value, t.precision) == (date(2022, 3, 1), "month")
    [t] = find_times("Troops entered it in early December.", date(2023, 1, 10), "en")
    assert (t.value, t.precision) == (date(2022, 12, 1), "month")
    [t] = find_times("Бои идут с сентября.", pub, "ru")
    assert (t.value, t.precision) == (date(2022, 9, 1), "month")
    # a month with its year keeps the year
    [t] = find_times("in March 2021", pub, "en")
    assert t.value == date(2021, 3, 1)
