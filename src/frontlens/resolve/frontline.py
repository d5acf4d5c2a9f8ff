"""The front line on a day, as a weak prior for choosing among namesakes (issue 14).

Ukraine has dozens of villages called Novomykhailivka or Blahodatne; a war post dated D that
names one without an oblast usually means the one where the fighting is around D. This module
reads control-map layers (DeepState style or explicit statuses, classified by
``fuse.maps.classify_feature``) and answers one question for a point and a day: how far is it
from the fighting?

- **Contact line**: the boundary of the Russian-held area (occupied since 2022 or before) on the
  layer of D (else the nearest earlier, else the earliest), kept only where Ukrainian-held
  settlements lie within ``FREE_KM`` of it. That drops the coast and the state border, which
  also bound the occupied area but are not a front (Skadovsk on the Black Sea is not "at the
  front" because the sea bounds the occupied area).
- **Contested** polygons count as on the line.
- **Changed hands around D**: land that is Russian-held on one of the two layers around D (the
  last before and the first after, within ``CHANGE_DAYS``; without a later one, the last two
  before) and not on the other counts as on the line: Blahodatne, liberated on 11 June 2023,
  lies in such an area between the layers of May and November 2023.

Nothing is bundled: DeepState's maps carry no open licence (see
``../shared/data/control/deepstate/PROVENANCE.md``), so a front only comes from layers the user
ingested (``Front.from_store``) or points at (``Front.from_geojson``). Without a front the
resolver behaves exactly as before. Distances use an equirectangular plane at 48.5° N (a few %
error over Ukraine, far below the 25 km scale of the prior).
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

KX = 111.32 * math.cos(math.radians(48.5))
KY = 110.57
"""km per degree of longitude / latitude at 48.5° N (the plane all distances here use)."""
FREE_KM = 10.0
"""A stretch of the occupied area's boundary is front when a Ukrainian-held settlement lies
within this distance of it (villages are 2–5 km apart in the east)."""
SAMPLE_KM = 2.0
CHANGE_DAYS = 180
"""Layers further than this from D are not used to say what changed hands around D."""


def _km_xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.column_stack([np.asarray(lon) * KX, np.asarray(lat) * KY])


@lru_cache(maxsize=1)
def _ua_settlements() -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of every Ukrainian settlement in the gazetteer (the land the front can touch)."""
    from frontlens.resolve.gazetteer import default_gazetteer

    rows = default_gazetteer().con.execute(
        "SELECT lon, lat FROM places WHERE country = 'UA' AND fclass = 'settlement' "
        "AND lat IS NOT NULL AND lon IS NOT NULL").fetchall()
    arr = np.array(rows, dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


@dataclass
class FrontLayer:
    """One dated layer: the Russian-held area (lon/lat) and the front in the km plane."""

    day: date
    held: BaseGeometry
    front: BaseGeometry
    _tree: shapely.STRtree | None = None
    _parts: np.ndarray | None = None

    def km(self, lat: float, lon: float, extra: BaseGeometry | None = None) -> float:
        """km from the point to the front (0 on a contested or ``extra`` (changed) area)."""
        if extra is not None and not extra.is_empty and extra.contains(shapely.Point(lon, lat)):
            return 0.0
        if self.front.is_empty:
            return 1e9
        if self._tree is None:
            self._parts = shapely.get_parts(self.front)
            self._tree = shapely.STRtree(self._parts)
        pt = shapely.Point(lon * KX, lat * KY)
        _, dist = self._tree.query_nearest(pt, return_distance=True)
        return float(dist[0]) if len(dist) else 1e9


def layer_from_features(day: date, features: Iterable[Any]) -> FrontLayer:
    """A FrontLayer from ``MapFeature``-like objects (status/name/geometry/properties)."""
    from frontlens.fuse.maps import CONTESTED, RU_HELD, classify_feature, feature_geometry

    held: list[BaseGeometry] = []
    contested: list[BaseGeometry] = []
    for f in features:
        m = classify_feature(f)
        if m is None or (m.status not in RU_HELD and m.status != CONTESTED):
            continue
        g = feature_geometry(f)
        if g is not None:
            (held if m.status in RU_HELD else contested).append(g)
    ru = shapely.make_valid(shapely.union_all(held)) if held else shapely.Polygon()
    lon, lat = _ua_settlements()
    free = ~shapely.contains_xy(ru, lon, lat) if not ru.is_empty else np.ones(len(lon), bool)
    parts: list[BaseGeometry] = []
    if not ru.is_empty and free.any():
        line = shapely.transform(ru.boundary, lambda xy: xy * np.array([KX, KY]))
        xy = shapely.get_coordinates(shapely.segmentize(line, SAMPLE_KM))
        samples = shapely.points(xy)
        free_pts: np.ndarray = np.asarray(shapely.points(_km_xy(lon[free], lat[free])))
        tree = shapely.STRtree(free_pts)
        hit = np.unique(tree.query(samples, predicate="dwithin", distance=FREE_KM)[0])
        if len(hit):
            parts.append(shapely.multipoints(xy[hit]))
    parts += [shapely.transform(g, lambda xy: xy * np.array([KX, KY])) for g in contested]
    front = shapely.union_all(parts) if parts else shapely.Polygon()
    return FrontLayer(day, ru, front)


class Front:
    """Dated front layers; ``km_for(day)`` gives the distance function of the post's day.

    Layers are given built (``layers``) or as days with a ``build(day)`` that makes the
    layer of that day on first use and keeps it (``from_store``: a run that only sees posts of
    one month builds the layers around that month only).
    """

    def __init__(self, layers: Iterable[FrontLayer] = (), *, days: Iterable[date] = (),
                 build: Callable[[date], FrontLayer] | None = None) -> None:
        self._built = {x.day: x for x in sorted(layers, key=lambda x: x.day)}
        self._days = sorted(set(self._built) | set(days))
        self._build = build
        self._changed: dict[tuple[date, date], BaseGeometry] = {}
        self.key: tuple[tuple[str, str], ...] = ()
        """What the layers are (day, layer id), for callers that cache a front per store."""

    def __len__(self) -> int:
        return len(self._days)

    @property
    def days(self) -> list[date]:
        return list(self._days)

    @property
    def layers(self) -> list[FrontLayer]:
        return [self._layer(i) for i in range(len(self._days))]

    def _layer(self, i: int) -> FrontLayer:
        day = self._days[i]
        layer = self._built.get(day)
        if layer is None:
            assert self._build is not None
            layer = self._built[day] = self._build(day)
        return layer

    def layer_for(self, day: date) -> FrontLayer | None:
        """The layer of ``day``, else the nearest earlier one, else the earliest."""
        if not self._days:
            return None
        i = bisect.bisect_right(self._days, day)
        return self._layer(i - 1 if i else 0)

    def changed_around(self, day: date) -> BaseGeometry | None:
        """Land that changed hands between the layers around ``day`` (lon/lat), or None."""
        i = bisect.bisect_right(self._days, day)
        if 0 < i < len(self._days):
            ia, ib = i - 1, i
        elif i >= 2:
            ia, ib = i - 2, i - 1
        else:
            return None
        da, db = self._days[ia], self._days[ib]
        if abs((day - da).days) > CHANGE_DAYS or abs((db - day).days) > CHANGE_DAYS:
            return None
        key = (da, db)
        if key not in self._changed:
            a, b = self._layer(ia), self._layer(ib)
            diff = shapely.symmetric_difference(a.held, b.held)
            # slivers along a redrawn but unmoved line are not a change of hands
            self._changed[key] = shapely.buffer(shapely.buffer(diff, -0.01), 0.03)
            shapely.prepare(self._changed[key])
        return self._changed[key]

    def km_for(self, day: date) -> Any:
        """A function (lat, lon) → km from the fighting around ``day``; None without layers."""
        layer = self.layer_for(day)
        if layer is None:
            return None
        changed = self.changed_around(day)
        cache: dict[tuple[float, float], float] = {}

        def km(lat: float, lon: float) -> float:
            k = (lat, lon)
            if k not in cache:
                cache[k] = layer.km(lat, lon, changed)
            return cache[k]

        return km

    @classmethod
    def from_geojson(cls, paths: Iterable[Path]) -> Front:
        """Layers from GeoJSON files whose name carries their date (YYYY-MM-DD)."""
        from frontlens.model import MapFeature

        out = []
        for p in sorted(paths):
            m = re.search(r"(\d{4}-\d{2}-\d{2})", p.name)
            if not m:
                continue
            data = json.loads(p.read_text(encoding="utf-8"))
            feats = []
            for i, f in enumerate(data.get("features") or []):
                geom = f.get("geometry")
                if not isinstance(geom, dict):
                    continue
                props = f.get("properties") or {}
                feats.append(MapFeature(layer_id=p.name, idx=i, name=props.get("name"),
                                        geometry=geom, properties=props))
            out.append(layer_from_features(date.fromisoformat(m.group(1)), feats))
        return cls(out)

    @classmethod
    def from_store(cls, store: Any) -> Front | None:
        """The control maps ingested into ``store`` (dated ones only), or None when there are
        none. Only the layer list is read here; a layer's features are read and its front built
        the first time a text of its days asks (several layers of one day: the one retrieved
        last, as ``fuse.maps.layer_for`` picks)."""
        from frontlens.fuse.maps import list_layers, load_features

        by_day = {x.layer_date: x.id for x in list_layers(store) if x.layer_date is not None}
        if not by_day:
            return None

        def build(day: date) -> FrontLayer:
            return layer_from_features(day, load_features(store, by_day[day]))

        front = cls(days=by_day, build=build)
        front.key = tuple(sorted((d.isoformat(), i) for d, i in by_day.items()))
        return front


_ACTIVE: Front | None = None


def use(front: Front | None) -> None:
    """Make ``front`` the prior every later ``find_places`` call uses (None: no prior)."""
    global _ACTIVE
    _ACTIVE = front


def active() -> Front | None:
    return _ACTIVE

