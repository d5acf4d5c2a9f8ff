"""Keep control claims in the theatre of the war: the last word on where a claim is placed.

Runs after ``control`` (and ``decide`` where a language has it), so the rules alone, the
learned layer and every language pack share it. Training reads the rules' own output before
this step (``doc.user["theatre"] = False``), as the decision layer sees it at run time.
"""

from __future__ import annotations

from typing import Any

from frontlens.extract.doc import Doc, component
from frontlens.model import ControlEvent, Place
from frontlens.resolve.theatre import place_in_theatre, strike_target


@component("theatre")
def theatre(doc: Doc) -> Doc:
    if not doc.user.get("theatre", True):
        return doc
    return keep_in_theatre(doc)


def keep_in_theatre(doc: Doc) -> Doc:
    """A control claim is about a place in the theatre (``resolve.theatre``): one resolved
    outside it moves, with its mentions, to the best-scored reading inside it the resolver
    kept; with none, it is dropped (a note says so) unless it is a strike on a city."""
    ids = {r.place_id for r in doc.records if isinstance(r, ControlEvent) and r.place_id}
    outside: dict[str, Place] = {}
    moved: dict[str, Place | None] = {}
    for pm in doc.places:
        pl = pm.place
        if pl is None or pl.id not in ids or place_in_theatre(pl):
            continue
        outside[pl.id] = pl
        alt = next((c for c in pm.candidates if c.lat is not None and place_in_theatre(c)),
                   None)
        moved[pl.id] = moved.get(pl.id) or alt
    if not outside:
        return doc
    for pm in doc.places:
        if pm.place is not None and moved.get(pm.place.id) is not None:
            pm.place = moved[pm.place.id]
    records: list[Any] = []
    for r in doc.records:
        if not isinstance(r, ControlEvent) or r.place_id not in outside:
            records.append(r)
            continue
        alt = moved[r.place_id]
        if alt is not None:
            records.append(ControlEvent.model_validate({**r.model_dump(), "id": "",
                                                        "place_id": alt.id,
                                                        "place_name": alt.name}))
        elif r.action == "shelled" and strike_target(outside[r.place_id]):
            records.append(r)
        else:
            pl = outside[r.place_id]
            doc.notes.append(f"control claim '{r.action}' about {pl.name} ({pl.country}, "
                             f"{pl.admin1}) dropped: outside the theatre of the war")
    doc.records = records
    return doc
