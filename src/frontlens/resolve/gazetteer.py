"""Read-only access to the bundled gazetteer (``data/gazetteer.sqlite``).

The file is opened read-only with mmap, so loading costs a few milliseconds and memory stays
small: names are looked up through the SQLite index on demand and cached, never loaded whole.
Keys are ``translit.norm_key`` of a name; uk/ru relational-adjective stems are stored as
``"<stem> #obl"`` / ``"<stem> #raion"`` so "Харківської області" finds the oblast.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from frontlens.model import Place
from frontlens.resolve.translit import norm_key

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "gazetteer.sqlite"

_FCLASS = {"settlement": "settlement", "region": "region", "country": "country", "other": "other"}


class Candidate:
    """A gazetteer place plus the fields the resolver scores (kept light: no pydantic here)."""

    __slots__ = ("admin1", "admin2", "country", "fclass", "gid", "lang", "lat", "lon", "name",
                 "name_ru", "name_uk", "pid", "population", "prior", "subtype")

    def __init__(self, row: tuple, lang: str) -> None:
        (self.pid, self.gid, self.name, self.name_uk, self.name_ru, self.fclass, self.subtype,
         self.lat, self.lon, self.admin1, self.admin2, self.country, self.population,
         self.prior) = row
        self.lang = lang

    def to_place(self) -> Place:
        names = [n for n in (self.name_uk, self.name_ru) if n]
        return Place(id=self.gid, name=self.name, names=names, lat=self.lat, lon=self.lon,
                     admin1=self.admin1, admin2=self.admin2, country=self.country,
                     feature_class=_FCLASS.get(self.fclass, "other"),
                     population=self.population or None,
                     precision="region" if self.fclass in ("region", "country")
                     else "hromada" if (self.subtype or "").endswith("~hromada") else "point")

    def __repr__(self) -> str:
        return f"<{self.gid} {self.name} {self.country}/{self.admin1} pop={self.population}>"


class Gazetteer:
    """Name → candidate places; thread-safe for reading (one connection per thread)."""

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path} missing: run scripts/build_gazetteer.py")
        self._local = threading.local()
        self.lookup_key = lru_cache(maxsize=200_000)(self._lookup_key)
        self.has_key = lru_cache(maxsize=400_000)(self._has_key)
        self.has_prefix = lru_cache(maxsize=200_000)(self._has_prefix)

    @property
    def con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                  check_same_thread=False)
            con.execute("PRAGMA mmap_size = 268435456")
            con.execute("PRAGMA cache_size = -16000")
            self._local.con = con
        return con

    def _lookup_key(self, key: str) -> tuple[Candidate, ...]:
        rows = self.con.execute(
            "SELECT p.pid, gid, name, name_uk, name_ru, fclass, subtype, lat, lon, admin1, "
            "admin2, country, population, prior, n.lang FROM names n JOIN places p "
            "ON p.pid = n.pid WHERE n.key = ?", (key,)).fetchall()
        return tuple(Candidate(r[:-1], r[-1]) for r in rows)

    def _has_key(self, key: str) -> bool:
        return self.con.execute("SELECT 1 FROM names WHERE key = ? LIMIT 1",
                                (key,)).fetchone() is not None

    def _has_prefix(self, prefix: str) -> bool:
        """Whether some name starts with ``prefix + ' '`` (n-gram extension is worth trying)."""
        lo = prefix + " "
        return self.con.execute("SELECT 1 FROM names WHERE key >= ? AND key < ? LIMIT 1",
                                (lo, prefix + "!")).fetchone() is not None

    def lookup(self, name: str, demonyms: bool = False) -> list[Candidate]:
        """Candidates whose some name normalises like ``name`` (any language).

        Demonyms ("Irish" → Ireland) and state/province abbreviations ("Calif.", "BC") are
        names only when the caller already knows the span is a toponym (gold-toponym
        evaluation); text matching never uses abbreviations, and demonyms only on request.
        """
        return [c for c in self.lookup_key(norm_key(name))
                if demonyms or c.lang not in ("dem", "abbr")]

    def names_for(self, key: str, demonyms: bool = False) -> tuple[Candidate, ...]:
        """Text-matching candidates for a normalised key (demonym-only entries left out unless
        ``demonyms``; abbreviations such as "Calif." / "BC", language ``abbr``, always)."""
        return tuple(c for c in self.lookup_key(key)
                     if c.lang != "abbr" and (demonyms or c.lang != "dem"))

    def get(self, gid: str) -> Candidate | None:
        row = self.con.execute(
            "SELECT pid, gid, name, name_uk, name_ru, fclass, subtype, lat, lon, admin1, "
            "admin2, country, population, prior FROM places WHERE gid = ? LIMIT 1",
            (gid,)).fetchone()
        return Candidate(row, "und") if row else None

    def get_many(self, gids: Iterable[str]) -> dict[str, Candidate]:
        """Entries by gazetteer id, in batches of indexed look-ups (ids the build dropped are
        simply absent)."""
        ids = sorted(set(gids))
        out: dict[str, Candidate] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.con.execute(
                "SELECT pid, gid, name, name_uk, name_ru, fclass, subtype, lat, lon, admin1, "
                "admin2, country, population, prior FROM places WHERE gid IN "
                f"({','.join('?' * len(chunk))})", chunk)
            for row in rows:
                out.setdefault(row[1], Candidate(row, "und"))
        return out

    def admin3(self, gid: str) -> str | None:
        """The hromada of a Ukrainian settlement (KATOTTH), in KMU Latin; None elsewhere or
        in a gazetteer built before the table existed."""
        try:
            row = self.con.execute("SELECT a.name FROM admin3 a JOIN places p ON p.pid = a.pid "
                                   "WHERE p.gid = ?", (gid,)).fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT k, v FROM meta").fetchall())


_DEFAULT: Gazetteer | None = None


def default_gazetteer() -> Gazetteer:
    """The shared bundled gazetteer (opened once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Gazetteer()
    return _DEFAULT


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
