"""Choosing the referent of each toponym: priors plus document context.

War reporting is local: a bare "Lyman" next to "Donetsk" and "Kupiansk" is the Ukrainian town,
not the namesake in South Carolina. Each candidate gets a score from (a) a population /
feature-class prior, (b) the country focus of the document (Ukrainian/Russian places are preferred
when the text is about the war), (c) an oblast or region named in the same document, and (d)
spatial coherence with the places already resolved unambiguously. Two passes: confident
mentions first, then the rest scored against them. Unresolvable mentions keep their candidates
and a low score instead of vanishing.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from frontlens.resolve.gazetteer import Candidate, haversine_km
from frontlens.resolve.translit import latin_variants, norm_key

WAR_COUNTRIES = {"UA": 3.0, "RU": 1.6, "BY": 0.8}
NICKNAME_PENALTY = 2.0
LOCAL_CHARS = 200
LOCAL_BONUS = 2.0
NAMESAKES = 3
CLOSE = 2.0
VILLAGE_MAX = 20_000
UNKNOWN_VILLAGE_PRIOR = math.log10(400 + 10)
"""GeoNames lists most Ukrainian villages with population 0 (unknown); scored as 0 they lost
every namesake contest to a village with a census figure (Blahodatne, 1,263 people, beat the
Blahodatne of the news). They count as the 400 the build gives KATOTTH-only villages."""
SAME_PLACE_KM = 30.0
"""Readings this close to the best one are the same place for confidence (two records of one
town: Bakhmut and a WOF record of it 29 km off): the margin is taken against the best reading
further away."""
RAION_KM = 45.0
RAION_BONUS = 1.5
"""A raion named in the text (Pokrovskyi raion) supports namesakes within RAION_KM of its centre
(raions are 40–90 km across): most village rows carry no raion, so a raion cannot filter."""
FRONT_KM = 15.0
FRONT_BONUS = 0.75
CHANGED_BONUS = 1.0
NEAR_KM = 20.0
NEAR_BONUS = 1.0
"""Front-line prior (issue 14, ``resolve.frontline``): with a control map for the post's date, a
UA/RU settlement within FRONT_KM of the contact line gains FRONT_BONUS and counts as supported,
so among near-equal namesakes the one where the fighting is wins; one in land that changed
hands around the date (distance 0) gains CHANGED_BONUS more. Small terms next to the oblast
(+2.5) or a place named beside it (+2.0): they break ties, they do not override the text.
A namesake within NEAR_KM of a place named beside it ("Andriivka, south of Bakhmut") gains
NEAR_BONUS over one 50 km away. Tuned on the train/dev splits of corpus/posts."""
CHANNEL_KM = 40.0
CHANNEL_MIN = 1
CHANNEL_BONUS = 0.5
CHANNEL_SUPPORTS = True
"""Channel prior (issue 14, ``resolve.channel``): a UA/RU settlement gains CHANNEL_BONUS when
at least CHANNEL_MIN distinct earlier posts of the same channel or outlet named a place within
CHANNEL_KM of it (its usual area); with CHANNEL_SUPPORTS it also counts as supported (a
village among near-equal namesakes is then resolved, not left open). Smaller than the front
prior: a channel's area says less about one post than the post's own words. Tuned on the
train/dev splits of corpus/posts."""
"""A place resolved with confidence within LOCAL_CHARS of a mention pulls that mention's
namesakes within 60 km by LOCAL_BONUS (half that within 150 km)."""
"""A settlement reached through an alternate name unlike its own ("Garden City" → Singapore,
"White House" → Casablanca), or through a country's own name ("Mexico" → Mexico City), yields
to places that carry the name as their own."""

ONE_REFERENT = True
"""One referent per name per document (issue 14): the case forms of one village in one text
(Новомихайловку, Новомихайловки: the same candidate places) are one place, so they share one
resolution, scored with the best context any of them has. Without it a genitive two sentences
away from the anchoring town was left open or sent to another namesake. Forms whose
candidate sets differ are not tied (Лиман / Лимана, with Krasnyi Lyman in the text, would
then share a wrong reading). A switch, not a weight; checked on corpus train/dev (dev
geocoding acc@161 0.9695 -> 0.9756) and corpus/posts train/dev (unchanged)."""


def _primary(c: Candidate) -> str:
    return norm_key(c.name.split(",")[0])


@lru_cache(maxsize=100_000)
def _romanised(name_uk: str | None, name_ru: str | None) -> tuple[str, ...]:
    return tuple(norm_key(v) for v in latin_variants(name_uk, name_ru))


def _nickname(key: str, c: Candidate) -> bool:
    """Whether ``key`` is a different name, not a spelling of the place's own names (Kharkov /
    Kharkiv, Kiev / Kyiv, Донецьку / Донецьк are spellings; Oleksandrivka, an old name GeoNames
    lists for Donetsk, is not). Names are compared within one script, a Latin key also with the
    romanised Cyrillic names (Pervomaisk is the Russian name of Sokolohirsk, renamed in 2024,
    not a nickname); none comparable: no."""
    own = [norm_key(n.split(",")[0]) for n in (c.name, c.name_uk, c.name_ru) if n]
    if key.isascii():
        own += _romanised(c.name_uk, c.name_ru)
    same_script = [n for n in own if n.isascii() == key.isascii()]
    if not same_script:
        return False
    return max(SequenceMatcher(None, key, n).ratio() for n in same_script) < 0.5


@dataclass
class Pending:
    """A recognised toponym waiting for resolution."""

    start: int
    end: int
    surface: str
    cands: list[Candidate]
    want: str = "any"  # any | region | settlement | country | other
    via: str = ""
    strong: bool = False  # surface is unambiguous as a place (region suffix, NER LOC, ...)
    best: Candidate | None = None
    score: float = 0.0
    alts: list[Candidate] = field(default_factory=list)


def _base(c: Candidate, want: str) -> float:
    """Prior of a candidate: population, feature class, and what the surface asked for."""
    s = c.prior or 1.0
    if c.fclass == "settlement" and not c.population and c.country in ("UA", "RU"):
        s = max(s, UNKNOWN_VILLAGE_PRIOR)  # size unknown, not zero: a village, like KATOTTH's
    if c.fclass == "country":
        s += 5.0
    elif c.fclass == "region":
        if want == "region":
            s += 4.0
        else:  # a bare name is the city more often than the region named after it
            s += 0.3 if c.subtype in ("oblast", "state", "city-region", "admin1",
                                      "admin2") else -1.0
    elif c.fclass == "other":
        s += 3.0
    else:
        s += {"capital": 2.2, "city": 0.7}.get(c.subtype or "", 0.0)
        if (c.population or 0) >= 1_000_000:
            s += 1.5
    if want == "region" and c.fclass == "settlement":
        s -= 4.0
    if want == "settlement" and c.fclass != "settlement":
        s -= 4.0
    if want == "other":
        s += 12.0 if c.fclass == "other" else 0.0
    return s


def _blind_pick(scored: list[tuple[float, Candidate]], supported: set[int]) -> bool:
    """Whether the top candidate is a village picked among near-equal namesakes (≥ NAMESAKES
    within CLOSE points) with nothing in the text near it: Ukraine has 34 Sosnivkas, and the
    largest of them is not the one a front-line report means."""
    top, best = scored[0]
    if best.fclass != "settlement" or best.country not in ("UA", "RU") or \
            (best.population or 0) >= VILLAGE_MAX or best.pid in supported:
        return False
    close = sum(1 for s, c in scored if c.fclass == "settlement" and s >= top - CLOSE
                and c.country in ("UA", "RU"))  # namesakes abroad are not this confusion
    return close >= NAMESAKES


def _referents(groups: dict[tuple, list[Pending]]) -> list[list[tuple]]:
    """Mention groups that name one place: the same requested kind and the same candidate
    places (Новомихайловку / Новомихайловки / Новомихайловка, every case form of one name,
    reach the same namesakes). With ONE_REFERENT they share one resolution. Groups whose
    candidate sets differ at all are different names and are never tied."""
    by: dict[tuple, list[tuple]] = {}
    for key in groups:
        by.setdefault((key[1], frozenset(key[3])), []).append(key)
    return list(by.values())


def _pool(results: list[tuple[list[tuple[float, Candidate]], set[int], int]]
          ) -> tuple[list[tuple[float, Candidate]], set[int]]:
    """One scoring for the case forms of one name (``results``: each form's scored readings,
    supported readings and number of mentions). Each reading keeps its best score over the
    forms (the context of the best-supported mention decides), a reading supported near any
    form is supported for all (a resolved Новомихайловку lends its support to Новомихайловки),
    and between equal scores the reading supported at more mentions wins."""
    if len(results) == 1:
        scored, supported, _ = results[0]
        return sorted(scored, key=lambda t: (-t[0], t[1].gid)), supported
    best: dict[int, tuple[float, Candidate]] = {}
    votes: dict[int, int] = {}
    supported = set()
    for sc, sup, n in results:
        supported |= sup
        for pid in sup:
            votes[pid] = votes.get(pid, 0) + n
        for s, c in sc:
            if c.pid not in best or s > best[c.pid][0]:
                best[c.pid] = (s, c)
    return sorted(best.values(), key=lambda t: (-round(t[0], 6), -votes.get(t[1].pid, 0),
                                                t[1].gid)), supported


def resolve(pending: list[Pending], lang: str | None, war_focus: bool = True,
            front_km: Callable[[Candidate], float] | None = None,
            channel: Callable[[Candidate], int] | None = None) -> None:
    """Pick ``best`` for each pending mention in place (two passes, context-aware).

    Mentions with the same surface and candidates are scored once (a text repeating a name
    100,000 times costs one resolution), and anchors are distinct places, so this stays linear.
    ``front_km`` (candidate → km from the contact line on the text's date) adds the front prior;
    ``channel`` (candidate → earlier posts of the text's channel near it) the channel prior.
    """
    focus = dict(WAR_COUNTRIES) if war_focus or lang in ("uk", "ru") else {}
    # country focus also from the document's own country mentions
    for p in pending:
        for c in p.cands:
            if c.fclass == "country" and len(p.cands) == 1 and c.country:
                focus[c.country] = max(focus.get(c.country, 0.0), 1.0)
    groups: dict[tuple, list[Pending]] = {}
    for p in pending:
        if p.cands:
            key = (norm_key(p.surface), p.want, p.strong, tuple(c.pid for c in p.cands))
            groups.setdefault(key, []).append(p)
    anchors: dict[int, Candidate] = {}
    admin1s: dict[str, float] = {}
    local: dict[str, list[Candidate]] = {}  # surface key -> places resolved within LOCAL_CHARS
    admin1_by: dict[str, set[int]] = {}  # admin1 -> the anchors that named it
    raions: list[Candidate] = []  # raions named in the text
    referents = _referents(groups) if ONE_REFERENT else [[k] for k in groups]
    for pass_no in (1, 2):
        group_scores: dict[tuple, tuple[list[tuple[float, Candidate]], set[int], int]] = {}
        for gkey, members in groups.items():
            skey = gkey[0]
            p = members[0]
            scored = []
            supported: set[int] = set()
            # this mention's own readings never support one another (Lyman, anchored in pass
            # one through the old name "Krasnyi Lyman", must not pull a village named so)
            own = {c.pid for c in p.cands}
            primaries = [_primary(c) for c in p.cands]
            # "Mexico" is the country, not Mexico City reached through an alias
            country_named = any(c.fclass == "country" and pr == skey
                                for c, pr in zip(p.cands, primaries, strict=True))
            for c, primary in zip(p.cands, primaries, strict=True):
                s = _base(c, p.want) + focus.get(c.country or "", 0.0)
                if primary == skey:
                    s += 1.0  # the surface is the place's primary name, not an old alias
                elif c.fclass == "settlement" and (country_named or _nickname(skey, c)):
                    # no capital / size bonus through a borrowed name
                    s = (c.prior or 1.0) - NICKNAME_PENALTY + focus.get(c.country or "", 0.0)
                if pass_no == 2 and c.fclass in ("settlement", "region") and c.lat is not None:
                    if c.admin1 and c.admin1 in admin1s and admin1_by.get(c.admin1, set()) - own:
                        s += 2.5
                    # a namesake anchored elsewhere in the text is not support (one Sosnivka
                    # must not pull another Sosnivka 60 km away)
                    d = min((haversine_km(c.lat, c.lon, a.lat, a.lon) for a in anchors.values()
                             if a.pid not in own and a.lat is not None
                             and _primary(a) != primary), default=1e9)
                    s += 3.0 if d < 100 else 2.0 if d < 250 else 0.8 if d < 600 else 0.0
                    # the places named beside it (a list of villages, "X near Y") say more
                    # than a place named anywhere in a nationwide summary
                    dl = min((haversine_km(c.lat, c.lon, a.lat, a.lon)
                              for a in local.get(skey, ()) if a.pid not in own
                              and _primary(a) != primary), default=1e9)
                    s += LOCAL_BONUS if dl < 60 else LOCAL_BONUS / 2 if dl < 150 else 0.0
                    if dl < NEAR_KM:
                        s += NEAR_BONUS
                    if c.fclass == "settlement" and any(
                            haversine_km(c.lat, c.lon, r.lat, r.lon) < RAION_KM
                            for r in raions if r.pid not in own):
                        s += RAION_BONUS
                        supported.add(c.pid)
                    # support that survives a nationwide summary: the oblast named, a
                    # place named beside it, or one resolved place very close
                    if (admin1s.get(c.admin1 or "") == 1.0 and admin1_by.get(c.admin1 or "",
                                                                              set()) - own) \
                            or d < 60 or dl < 150:
                        supported.add(c.pid)
                if front_km is not None and c.fclass == "settlement" and c.lat is not None \
                        and c.country in ("UA", "RU"):
                    km = front_km(c)
                    if km <= FRONT_KM:
                        s += FRONT_BONUS + (CHANGED_BONUS if km == 0.0 else 0.0)
                        supported.add(c.pid)
                if channel is not None and c.fclass == "settlement" and c.lat is not None \
                        and c.country in ("UA", "RU") and channel(c) >= CHANNEL_MIN:
                    s += CHANNEL_BONUS
                    if CHANNEL_SUPPORTS:
                        supported.add(c.pid)
                scored.append((s, c))
            group_scores[gkey] = (scored, supported, len(members))
        for keys in referents:
            scored, supported = _pool([group_scores[k] for k in keys])
            top, best = scored[0]
            alts = [c for _, c in scored[:5]]
            if pass_no == 2 and _blind_pick(scored, supported):
                for k in keys:  # left unresolved: shown nowhere rather than on a namesake
                    for m in groups[k]:
                        m.best, m.alts, m.score = None, alts, 0.1
                continue
            rival = next((sc for sc, c in scored[1:] if best.lat is None or c.lat is None
                          or haversine_km(best.lat, best.lon, c.lat, c.lon) > SAME_PLACE_KM),
                         None)
            margin = top - rival if rival is not None else 5.0
            conf = 1 / (1 + math.exp(-(margin - 0.5)))
            for k in keys:
                score = round(min(0.99, 0.35 + 0.6 * conf) if k[2] or margin > 1 else
                              0.2 + 0.5 * conf, 3)
                for m in groups[k]:
                    m.best, m.alts, m.score = best, alts, score
        if pass_no == 1:
            placed: list[tuple[int, Candidate]] = []
            for members in groups.values():
                p = members[0]
                b = p.best
                if b is None or p.score < 0.6:
                    continue
                if b.fclass == "settlement" and b.lat is not None and b.country in focus:
                    placed += [(m.start, b) for m in members]
                if b.fclass == "region" and b.subtype == "raion" and b.lat is not None:
                    raions.append(b)
                if b.fclass == "region" and b.admin1:
                    admin1s[b.admin1] = 1.0
                    admin1_by.setdefault(b.admin1, set()).add(b.pid)
                if b.fclass == "settlement" and b.lat is not None and b.country in focus:
                    anchors[b.pid] = b
                    if b.admin1:
                        admin1s[b.admin1] = max(admin1s.get(b.admin1, 0.0), 0.5)
                        admin1_by.setdefault(b.admin1, set()).add(b.pid)
            placed.sort(key=lambda t: t[0])
            starts = [st for st, _ in placed]
            for (skey, _, _, _), members in groups.items():
                near: dict[str, Candidate] = {}
                for m in members:
                    lo = bisect.bisect_left(starts, m.start - LOCAL_CHARS)
                    hi = bisect.bisect_right(starts, m.end + LOCAL_CHARS)
                    near.update((a.gid, a) for st, a in placed[lo:hi] if st != m.start)
                    if len(near) >= 20:
                        break
                local[skey] = list(near.values())
