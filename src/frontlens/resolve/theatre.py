"""The theatre of the war: where a claim about who holds a place can be about.

Control of ground changes hands in Ukraine and in the Russian oblasts on its border (Kursk,
Belgorod, Bryansk); nowhere else. A control claim whose place resolved elsewhere is a namesake
picked wrongly — Krasnoarmeysk in Saratov for the old name of Pokrovsk, Spornoye in Magadan
for Spirne — or a capital read as its government ("before Moscow launched its offensive").
Long-range strikes do reach cities far inside Russia, so shelling keeps a large city.
"""

from __future__ import annotations

from frontlens.model import Place

BORDER_OBLASTS = frozenset({"bryansk", "kursk", "belgorod", "voronezh", "rostov"})
"""Russian regions bordering Ukraine (the gazetteer writes 'Kursk' or 'Kursk Oblast')."""
STRIKE_CITY_POP = 100_000
"""A place outside the theatre may still be struck: a city of at least this many people."""


def in_theatre(country: str | None, admin1: str | None) -> bool:
    """Ukraine, or a Russian oblast on its border."""
    region = (admin1 or "").lower().removesuffix(" oblast").strip()
    return country == "UA" or (country == "RU" and region in BORDER_OBLASTS)


def place_in_theatre(p: Place) -> bool:
    return in_theatre(p.country, p.admin1)


def strike_target(p: Place) -> bool:
    """Outside the theatre, a place a reported strike can plausibly be about."""
    return p.feature_class == "region" or (p.population or 0) >= STRIKE_CITY_POP
