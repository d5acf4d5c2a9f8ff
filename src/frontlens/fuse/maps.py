"""Control maps as evidence: who holds a point on a day, what changed between two days.

A stored control-map layer (``MapLayer`` + ``MapFeature`` rows, see ``ingest/geojson.py``) is
read as a set of status polygons. Status comes from an explicit property when the layer has one
(the project's own layers), else from the DeepStateMap style (fill colour + bilingual name) as
described, with its changes over time, in ``data/map_styles.toml``.

Everything geometric is vectorised with shapely 2 (an STRtree queried with a whole point array,
``contains_xy`` over arrays); nothing loops over polygons × points in Python. On a PostgreSQL
store with PostGIS (``store.spatial``) the point questions (``control_at``, ``cross_check``,
the picture's evaluation) and the features' statuses are answered in SQL against the stored,
indexed polygons, and the overlays of ``mapdiff`` start from those stored polygons instead of
the GeoJSON; the overlays themselves stay in shapely on both stores (see ``_layer_polygons``).
Areas are computed in a Lambert azimuthal equal-area projection centred on Ukraine (48.5 N,
31.5 E, WGS 84 ellipsoid): through pyproj when it is installed, else through the same
ellipsoidal formulas (Snyder 1987, eqs. 3-12, 24-2..24-20) in numpy, so results do not depend
on that extra package.
"""

from __future__ import annotations

import math
import re
import sqlite3
import tomllib
import unicodedata
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any, Protocol, cast

import numpy as np
import shapely
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from frontlens.config import Settings
from frontlens.model import ControlEvent, MapFeature, MapLayer
from frontlens.store import schema, spatial
from frontlens.store.db import Store

# -- statuses -------------------------------------------------------------------------------

OCCUPIED = "occupied"
OCCUPIED_PRE2022 = "occupied_pre2022"
LIBERATED = "liberated"
CONTESTED = "contested"
OUTSIDE = "outside"
FREE = "free"
"""Points no polygon covers: DeepState leaves Ukrainian-held land unfilled."""

RU_HELD = frozenset({OCCUPIED, OCCUPIED_PRE2022})
UA_HELD = frozenset({LIBERATED, FREE})


class MapError(Exception):
    """A map question that the stored layers cannot answer; the message says why."""


class NoLayerError(MapError):
    """No usable (dated) layer on or before the requested day."""


# -- style rules (data/map_styles.toml) ------------------------------------------------------


@dataclass(frozen=True)
class StyleRule:
    status: str
    fills: frozenset[str]
    names: tuple[str, ...]


@dataclass(frozen=True)
class StyleRules:
    """The parsed ``map_styles.toml``: what each colour and wording means."""

    held_by: dict[str, str]
    precedence: dict[str, int]
    aliases: dict[str, str]
    deepstate: tuple[StyleRule, ...]
    bbox: tuple[float, float, float, float]

    def by_fill(self, fill: str) -> StyleRule | None:
        return next((r for r in self.deepstate if fill in r.fills), None)

    def by_name(self, norm_name: str) -> StyleRule | None:
        return next((r for r in self.deepstate if any(n in norm_name for n in r.names)), None)


def parse_rules(text: str) -> StyleRules:
    """Parse rules from TOML text (tests pass their own; production reads the bundled file)."""
    raw = tomllib.loads(text)
    statuses = raw["statuses"]
    aliases = {
        alias.strip().lower(): status
        for status, names in raw.get("aliases", {}).items()
        for alias in names
    }
    rules = tuple(
        StyleRule(
            status=r["status"],
            fills=frozenset(f.lower() for f in r.get("fills", [])),
            names=tuple(normalise_name(n) for n in r.get("names", [])),
        )
        for r in raw.get("deepstate", [])
    )
    unknown = {r.status for r in rules} - set(statuses)
    if unknown:
        raise ValueError(f"map style rules name unknown statuses: {sorted(unknown)}")
    bb = raw["ukraine"]["bbox"]
    return StyleRules(
        held_by={k: v["held_by"] for k, v in statuses.items()},
        precedence={k: int(v["precedence"]) for k, v in statuses.items()},
        aliases=aliases,
        deepstate=rules,
        bbox=(float(bb[0]), float(bb[1]), float(bb[2]), float(bb[3])),
    )


@lru_cache(maxsize=1)
def default_rules() -> StyleRules:
    return parse_rules((files("frontlens") / "data" / "map_styles.toml").read_text("utf-8"))


_SPACE = re.compile(r"\s+")


def normalise_name(name: str | None) -> str:
    """Lower-cased, NFKC, NBSP-free, single-spaced: DeepState names vary in all of these."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).replace("\xa0", " ").lower()
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class StyleMatch:
    """How a feature's status was decided (kept so evaluation can count weak decisions)."""

    status: str
    by: str  # "property" | "fill+name" | "fill" | "name"
    conflict: bool = False  # fill and name point to different statuses (the fill won)


_POLYGONAL = ("Polygon", "MultiPolygon", "GeometryCollection")


def classify_feature(
    feature: MapFeature, layer: MapLayer | None = None, rules: StyleRules | None = None
) -> StyleMatch | None:
    """Status of one feature including ``outside``; None for points, lines and unknown styles.

    ``layer`` is accepted so that a layer-level style family can be honoured later; today the
    rules are chosen per feature (an explicit status wins, else the DeepState style).
    """
    rules = rules or default_rules()
    if feature.geometry.get("type") not in _POLYGONAL:
        return None
    explicit = feature.status or next(
        (
            str(feature.properties[k])
            for k in ("status", "control", "controller", "state")
            if feature.properties.get(k)
        ),
        None,
    )
    if explicit is not None:
        status = rules.aliases.get(explicit.strip().lower())
        if status is not None:
            return StyleMatch(status, "property")
    fill = str(feature.properties.get("fill") or "").strip().lower()
    name = normalise_name(feature.name or feature.properties.get("name"))
    by_fill = rules.by_fill(fill) if fill else None
    by_name = rules.by_name(name) if name else None
    if by_fill is not None:
        if by_name is None:
            return StyleMatch(by_fill.status, "fill")
        return StyleMatch(by_fill.status, "fill+name", conflict=by_name.status != by_fill.status)
    if by_name is not None:
        return StyleMatch(by_name.status, "name")
    return None


def feature_geometry(
    feature: MapFeature, rules: StyleRules | None = None
) -> BaseGeometry | None:
    """The feature's polygons in 2-D lon/lat, made valid, without parts outside Ukraine's box.

    GeometryCollections (DeepState 2022-2023) are reduced to their polygons; a part wholly
    outside the box (a stray ring at 64 E 14 N on 2023-05-21) is dropped, a part crossing it is
    kept whole, so a polygon drawn a little over the border is not cut in a made-up place.
    """
    rules = rules or default_rules()
    try:
        geom = shapely.force_2d(shape(feature.geometry))
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]  # Polygon, MultiPolygon
    if len(parts) == 0:
        return None
    parts = shapely.get_parts(shapely.make_valid(parts))
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    parts = parts[shapely.intersects(parts, box(*rules.bbox)) & ~shapely.is_empty(parts)]
    if len(parts) == 0:
        return None
    return shapely.union_all(parts)


def feature_status(feature: MapFeature, layer: MapLayer | None = None) -> str | None:
    """The control status of a polygon, or None when it is not about Ukraine's front.

    Explicit ``status``-like property first (aliases in map_styles.toml), else DeepState fill +
    name. None for non-polygons, unknown styles, ``outside`` territories (Transnistria...) and
    polygons wholly outside Ukraine's bounding box.
    """
    match = classify_feature(feature, layer)
    if match is None or match.status == OUTSIDE:
        return None
    return match.status if feature_geometry(feature) is not None else None


# -- layers in the store ---------------------------------------------------------------------


def list_layers(store: Store, *, origin_contains: str | None = None) -> list[MapLayer]:
    """All stored layers (no geometry), oldest first; undated ones last."""
    t = schema.map_layers
    q = select(t)
    if origin_contains:
        q = q.where(t.c.origin.contains(origin_contains))
    with store.engine.connect() as conn:
        layers = [MapLayer.model_validate(dict(r._mapping)) for r in conn.execute(q)]
    return sorted(layers, key=lambda x: (x.layer_date or date.max, x.retrieved_at, x.id))


def layer_for(store: Store, day: date, *, origin_contains: str | None = None) -> MapLayer:
    """The layer of ``day``, else the nearest earlier one (a map never speaks for the future).

    Several layers on that date (two sources ingested together): the one retrieved last wins;
    pass ``origin_contains`` to pick a source. Undated layers are never used and are named in
    the error when nothing else is available.
    """
    layers = list_layers(store, origin_contains=origin_contains)
    dated = [x for x in layers if x.layer_date is not None and x.layer_date <= day]
    if dated:
        best = max(x.layer_date for x in dated if x.layer_date is not None)
        return [x for x in dated if x.layer_date == best][-1]
    undated = [x for x in layers if x.layer_date is None]
    later = [x.layer_date for x in layers if x.layer_date is not None]
    parts = [f"no control-map layer dated on or before {day.isoformat()}"]
    if later:
        parts.append(f"the earliest is {min(later).isoformat()}")
    if undated:
        names = ", ".join(f"{x.id} ({x.origin})" for x in undated[:3])
        parts.append(
            f"{len(undated)} layer(s) have no date and are not used: {names}; put the date in "
            "the file name (YYYY-MM-DD) or a top-level 'date' member and ingest again"
        )
    if not layers:
        parts.append("no layers are stored (ingest a GeoJSON control map first)")
    raise NoLayerError("; ".join(parts))


def load_features(store: Store, layer_id: str) -> list[MapFeature]:
    t = schema.map_features
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.layer_id == layer_id).order_by(t.c.idx))
        return [MapFeature.model_validate(dict(r._mapping)) for r in rows]


@dataclass
class CompiledLayer:
    """A layer ready for point queries: one polygon per row, its status, and an STRtree."""

    layer: MapLayer
    statuses: np.ndarray  # str, one per polygon (includes "outside")
    geoms: np.ndarray  # shapely polygons, lon/lat
    decided_by: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    unknown: int = 0  # polygons with no recognisable status
    _tree: shapely.STRtree | None = None

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    def union(self, statuses: Iterable[str]) -> BaseGeometry:
        """Union of this layer's polygons with any of ``statuses`` (empty polygon if none)."""
        mask = np.isin(self.statuses, list(statuses))
        if not mask.any():
            return shapely.Polygon()
        return shapely.union_all(self.geoms[mask])


_COMPILED: dict[str, CompiledLayer] = {}
_COMPILED_MAX = 64


def compile_layer(
    store: Store, layer: MapLayer, rules: StyleRules | None = None
) -> CompiledLayer:
    """Read and classify a layer once; cached by layer id (ids derive from content)."""
    key = layer.id if rules is None else f"{layer.id}|{id(rules)}"
    if (hit := _COMPILED.get(key)) is not None:
        return hit
    rules = rules or default_rules()
    statuses: list[str] = []
    geoms: list[BaseGeometry] = []
    decided: Counter[str] = Counter()
    conflicts = unknown = 0
    for feat in load_features(store, layer.id):
        if feat.geometry.get("type") not in _POLYGONAL:
            continue
        match = classify_feature(feat, layer, rules)
        geom = feature_geometry(feat, rules)
        if geom is None:
            continue
        if match is None:
            unknown += 1
            continue
        decided[match.by] += 1
        conflicts += match.conflict
        for part in shapely.get_parts(geom):
            statuses.append(match.status)
            geoms.append(part)
    compiled = CompiledLayer(
        layer=layer,
        statuses=np.array(statuses, dtype=object),
        geoms=np.array(geoms, dtype=object),
        decided_by=decided,
        conflicts=conflicts,
        unknown=unknown,
    )
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[key] = compiled
    return compiled


# -- PostGIS (store.spatial) -------------------------------------------------------------------


def use_postgis(store: Store) -> bool:
    """Whether map questions on this store go to SQL: PostgreSQL with the spatial columns,
    unless ``FRONTLENS_POSTGIS=0``."""
    return spatial.spatial_ready(store.engine) and Settings().postgis


def sync_layer(store: Store, layer: MapLayer) -> int:
    """Write the cleaned polygons and status of a layer's features not written yet into the
    spatial columns; returns how many. Computed here, by the same ``feature_geometry`` and
    ``classify_feature`` the shapely path uses, so both stores see the same polygons (PostGIS's
    own ST_MakeValid runs another GEOS version). Done once per layer, by whichever process
    asks first; a second writer racing it writes the same values."""
    with store.engine.connect() as conn:
        rows = spatial.unsynced_features(conn, layer.id)
    out: list[tuple[int, str, bytes | None]] = []
    for r in rows:
        feat = MapFeature.model_validate({**r._mapping, "layer_id": layer.id})
        status, wkb = "", None
        if feat.geometry.get("type") in _POLYGONAL:
            match = classify_feature(feat, layer)
            geom = feature_geometry(feat) if match is not None else None
            if match is not None and geom is not None:
                status, wkb = match.status, shapely.to_wkb(geom)
        out.append((feat.idx, status, wkb))
    if out:
        with store.transaction() as conn:
            spatial.write_features(conn, layer.id, out)
    return len(out)


_SYNCED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
"""Per engine, the layers whose spatial columns this process has seen written (a layer's
features never change: its id derives from its content), so a question costs no check."""


def _postgis_layer(store: Store, layer: MapLayer) -> bool:
    """Whether this layer's questions go to SQL: PostGIS is on and the layer's spatial columns
    are written (now, if need be). A store this process may not write to (a read-only role)
    falls back to shapely instead of failing the question."""
    if not use_postgis(store):
        return False
    done = _SYNCED.setdefault(store.engine, set())
    if layer.id not in done:
        try:
            sync_layer(store, layer)
        except SQLAlchemyError:
            return False
        done.add(layer.id)
    return True


def _stored_layer(store: Store, layer: MapLayer) -> CompiledLayer:
    """A layer's polygons as the spatial columns hold them (no GeoJSON parsed, nothing made
    valid again): the same parts, in the same order, as ``compile_layer`` builds."""
    key = f"postgis|{layer.id}"
    if (hit := _COMPILED.get(key)) is not None:
        return hit
    statuses: list[str] = []
    geoms: list[BaseGeometry] = []
    with store.engine.connect() as conn:
        for status, wkb in spatial.layer_polygons(conn, layer.id):
            for part in shapely.get_parts(shapely.from_wkb(wkb)):
                statuses.append(status)
                geoms.append(part)
    compiled = CompiledLayer(layer=layer, statuses=np.array(statuses, dtype=object),
                             geoms=np.array(geoms, dtype=object))
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[key] = compiled
    return compiled


def _layer_polygons(store: Store, layer: MapLayer) -> CompiledLayer:
    """The polygons the overlays (``mapdiff``, ``layer_areas``) work on. Why the overlays are
    not ST_Union/ST_Difference in SQL: their results differ in the last bits between GEOS
    versions (shapely ships 3.14, Debian 12's PostGIS links 3.11), and km² and settlement
    lists must be the same on both stores; the stored polygons spare the GeoJSON parsing and
    repair, which is most of a layer's cost."""
    if _postgis_layer(store, layer):
        return _stored_layer(store, layer)
    return compile_layer(store, layer)


def feature_statuses(store: Store, layer: MapLayer,
                     features: Sequence[MapFeature]) -> dict[int, str | None]:
    """``feature_status`` of each feature by idx: read from the spatial columns on PostGIS,
    computed with shapely elsewhere."""
    if _postgis_layer(store, layer):
        with store.engine.connect() as conn:
            stored = spatial.feature_statuses(conn, layer.id)
        return {f.idx: (None if stored.get(f.idx, "") in ("", OUTSIDE) else stored[f.idx])
                for f in features}
    return {f.idx: feature_status(f, layer) for f in features}


def layer_status_at(store: Store, layer: MapLayer, lon: np.ndarray, lat: np.ndarray
                    ) -> np.ndarray:
    """``status_at`` for a stored layer: with PostGIS, one SQL query (the points go in, the
    statuses of the polygons they fall in come back through the GiST index); else shapely's
    STRtree over the compiled layer."""
    if not _postgis_layer(store, layer):
        return status_at(compile_layer(store, layer), lon, lat)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    with store.engine.connect() as conn:
        pts, stats = spatial.hits_at(conn, layer.id, lon[finite], lat[finite])
    return _statuses(lon, lat, finite[pts], stats)


def _statuses(lon: np.ndarray, lat: np.ndarray, pts: np.ndarray, hit_statuses: np.ndarray,
              rules: StyleRules | None = None) -> np.ndarray:
    """Status per point from (point, polygon status) hits: the winning status by precedence,
    else outside (beyond Ukraine's box, or not a number) or free. Shared by both paths."""
    rules = rules or default_rules()
    n = len(lon)
    out = np.full(n, FREE, dtype=object)
    if n == 0:
        return out
    b = rules.bbox
    inside_box = (lon >= b[0]) & (lon <= b[2]) & (lat >= b[1]) & (lat <= b[3])
    out[~inside_box | ~np.isfinite(lon) | ~np.isfinite(lat)] = OUTSIDE
    if len(pts):
        order = sorted(rules.precedence, key=rules.precedence.__getitem__)
        rank_of = {s: i for i, s in enumerate(order)}
        best = np.full(n, len(order), dtype=np.int64)
        np.minimum.at(best, pts, np.array([rank_of[s] for s in hit_statuses], dtype=np.int64))
        hit = best < len(order)
        out[hit] = np.array(order, dtype=object)[best[hit]]
    return out


def _as_lonlat(points: Any) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(points, dtype=float)
    if arr.size == 0:
        return np.empty(0), np.empty(0)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must be an (n, 2) array of (lon, lat), got shape {arr.shape}")
    return arr[:, 0], arr[:, 1]


def status_at(
    compiled: CompiledLayer, lon: np.ndarray, lat: np.ndarray, rules: StyleRules | None = None
) -> np.ndarray:
    """Status per point: the covering polygon's status by precedence, else free / outside."""
    pts = polys = np.empty(0, dtype=np.int64)
    if len(lon) and len(compiled.geoms):
        pts, polys = compiled.tree.query(shapely.points(lon, lat), predicate="intersects")
    return _statuses(lon, lat, pts, compiled.statuses[polys], rules)


@dataclass
class ControlAt:
    """Statuses for the requested points, and which layer answered (it may be older)."""

    day: date
    layer: MapLayer
    statuses: np.ndarray

    @property
    def lag_days(self) -> int:
        assert self.layer.layer_date is not None
        return (self.day - self.layer.layer_date).days


def control_at(
    store: Store, day: date, points: Any, *, origin_contains: str | None = None
) -> ControlAt:
    """Who holds each (lon, lat) point on ``day`` per the layer of that day or the nearest
    earlier one (``result.layer`` names it, ``result.lag_days`` says how old it is)."""
    layer = layer_for(store, day, origin_contains=origin_contains)
    lon, lat = _as_lonlat(points)
    return ControlAt(day, layer, layer_status_at(store, layer, lon, lat))


# -- equal-area projection -------------------------------------------------------------------

_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
LAT0, LON0 = 48.5, 31.5
LAEA_PROJ = (
    f"+proj=laea +lat_0={LAT0} +lon_0={LON0} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)


def _q(sinphi: np.ndarray | float) -> Any:
    return (1 - _E2) * (
        sinphi / (1 - _E2 * sinphi**2)
        - (1 / (2 * _E)) * np.log((1 - _E * sinphi) / (1 + _E * sinphi))
    )


def laea_numpy(lonlat: np.ndarray) -> np.ndarray:
    """(n, 2) lon/lat degrees → LAEA metres on the WGS 84 ellipsoid (Snyder's oblique case)."""
    lam = np.radians(lonlat[:, 0] - LON0)
    qp = _q(1.0)
    rq = _A * math.sqrt(qp / 2)
    phi1 = math.radians(LAT0)
    beta1 = math.asin(_q(math.sin(phi1)) / qp)
    m1 = math.cos(phi1) / math.sqrt(1 - _E2 * math.sin(phi1) ** 2)
    d = _A * m1 / (rq * math.cos(beta1))
    beta = np.arcsin(np.clip(_q(np.sin(np.radians(lonlat[:, 1]))) / qp, -1, 1))
    b = rq * np.sqrt(
        2 / (1 + math.sin(beta1) * np.sin(beta) + math.cos(beta1) * np.cos(beta) * np.cos(lam))
    )
    x = b * d * np.cos(beta) * np.sin(lam)
    y = (b / d) * (math.cos(beta1) * np.sin(beta) - math.sin(beta1) * np.cos(beta) * np.cos(lam))
    return np.column_stack([x, y])


@lru_cache(maxsize=1)
def _pyproj_transform() -> Any:
    try:
        from pyproj import Transformer
    except ImportError:
        return None
    tr = Transformer.from_crs("EPSG:4326", LAEA_PROJ, always_xy=True)

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return fwd


def projection_used() -> str:
    """Which implementation computes areas (reported by the evaluation script)."""
    engine = "pyproj" if _pyproj_transform() is not None else "numpy (Snyder formulas)"
    return f"{LAEA_PROJ} via {engine}"


def to_equal_area(geom: BaseGeometry) -> BaseGeometry:
    fwd = _pyproj_transform() or laea_numpy
    return shapely.transform(geom, fwd)


SEGMENT_DEG = 0.01
"""Longest edge (degrees) before projecting: GeoJSON edges are straight in lon/lat, not in the
projection, so long edges (a box, a coarse polygon) are densified to keep their true shape."""


def area_km2(geom: BaseGeometry) -> float:
    """Area on the WGS 84 ellipsoid (equal-area projection after densifying), km²."""
    if geom.is_empty:
        return 0.0
    return float(shapely.area(to_equal_area(shapely.segmentize(geom, SEGMENT_DEG)))) / 1e6


def layer_areas(store: Store, layer: MapLayer) -> dict[str, float]:
    """km² per status in one layer (overlaps counted once, under the winning status)."""
    comp = _layer_polygons(store, layer)
    rules = default_rules()
    out: dict[str, float] = {}
    taken: BaseGeometry = shapely.Polygon()
    for status in sorted(rules.precedence, key=rules.precedence.__getitem__):
        if status == OUTSIDE:
            continue
        geom = comp.union([status]).difference(taken)
        out[status] = round(area_km2(geom), 1)
        taken = taken.union(geom)
    return out


# -- settlements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    place_id: str
    name: str
    lat: float
    lon: float
    population: int
    admin1: str | None = None


class SettlementSource(Protocol):
    """Where settlements and their coordinates come from (the gazetteer by default)."""

    def coords(self, place_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
        """place_id → (lon, lat) for the ids it knows."""
        ...

    def settlements(self, bbox: tuple[float, float, float, float]) -> list[Settlement]:
        """Ukrainian settlements with coordinates inside (lon_min, lat_min, lon_max, lat_max)."""
        ...


class GazetteerSettlements:
    """The bundled gazetteer (``frontlens.resolve.gazetteer``) as a :class:`SettlementSource`.

    Only Ukrainian settlements; rows repeating a name within 5 km of a more populous row (the
    gazetteer merges GeoNames and WOF and keeps some twins, e.g. two "Izium") are dropped so
    counts are not inflated.
    """

    def __init__(self, gazetteer: Any | None = None) -> None:
        if gazetteer is None:
            from frontlens.resolve.gazetteer import default_gazetteer

            gazetteer = default_gazetteer()
        self.gaz = gazetteer
        self._all: list[Settlement] | None = None
        self._lon = self._lat = np.empty(0)

    def coords(self, place_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
        return {gid: (float(c.lon), float(c.lat)) for gid, c in self.gaz.get_many(place_ids).items()
                if c.lat is not None and c.lon is not None}

    def _load(self) -> list[Settlement]:
        con: sqlite3.Connection = self.gaz.con
        rows = con.execute(
            "SELECT gid, name, lat, lon, COALESCE(population, 0), admin1 FROM places "
            "WHERE country = 'UA' AND fclass = 'settlement' AND lat IS NOT NULL "
            "AND lon IS NOT NULL"
        ).fetchall()
        return dedupe_settlements(
            [Settlement(r[0], r[1], float(r[2]), float(r[3]), int(r[4]), r[5]) for r in rows]
        )

    def settlements(self, bbox: tuple[float, float, float, float]) -> list[Settlement]:
        if self._all is None:
            self._all = self._load()
            self._lon = np.array([s.lon for s in self._all])
            self._lat = np.array([s.lat for s in self._all])
        sel = np.flatnonzero(
            (self._lon >= bbox[0]) & (self._lon <= bbox[2])
            & (self._lat >= bbox[1]) & (self._lat <= bbox[3])
        )
        return [self._all[i] for i in sel]


def dedupe_settlements(rows: Sequence[Settlement], km: float = 5.0) -> list[Settlement]:
    """Drop a row whose name repeats within ``km`` of a more populous (or better-known) row."""
    groups: dict[str, list[Settlement]] = defaultdict(list)
    for s in rows:
        groups[normalise_name(s.name)].append(s)
    kept: list[Settlement] = []
    for group in groups.values():
        group.sort(key=lambda s: (-s.population, s.admin1 is None, s.place_id))
        mine: list[Settlement] = []
        for s in group:
            if all(_km(s, k) > km for k in mine):
                mine.append(s)
        kept.extend(mine)
    return kept


def _km(a: Settlement, b: Settlement) -> float:
    dy = (a.lat - b.lat) * 111.2
    dx = (a.lon - b.lon) * 111.2 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy)


def settlements_within(
    geom: BaseGeometry, source: SettlementSource
) -> list[Settlement]:
    """Settlements inside ``geom``, most populous first (then by name, id)."""
    if geom.is_empty:
        return []
    cands = source.settlements(tuple(geom.bounds))  # type: ignore[arg-type]
    if not cands:
        return []
    lon = np.array([s.lon for s in cands])
    lat = np.array([s.lat for s in cands])
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, lon, lat)
    hits = [s for s, ok in zip(cands, inside, strict=True) if ok]
    return sorted(hits, key=lambda s: (-s.population, s.name, s.place_id))


# -- mapdiff -----------------------------------------------------------------------------------

_SIDES = ("RU", "contested", "UA")


@dataclass
class MapDiff:
    """What changed hands between two layers; geometries are lon/lat shapely objects."""

    d1: date
    d2: date
    layer1: MapLayer
    layer2: MapLayer
    to_free: BaseGeometry  # RU-held on d1, UA-held on d2 (contested on either day: not here)
    to_occupied: BaseGeometry  # UA-held on d1, occupied on d2
    to_free_km2: float
    to_occupied_km2: float
    transitions_km2: dict[str, float]  # "RU->contested" etc., six pairs, redraws included
    settlements_to_free: list[Settlement]
    settlements_to_occupied: list[Settlement]
    redrawn: BaseGeometry  # pre-2022 outlines redrawn (Crimea, ORDLO): not counted above
    redrawn_km2: float
    projection: str = ""

    @property
    def net_to_free_km2(self) -> float:
        return self.to_free_km2 - self.to_occupied_km2

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection with one feature per direction (RFC 7946 lon/lat)."""
        feats = []
        for direction, geom, km2, sett in (
            ("occupied->free", self.to_free, self.to_free_km2, self.settlements_to_free),
            ("free->occupied", self.to_occupied, self.to_occupied_km2,
             self.settlements_to_occupied),
        ):
            feats.append(
                {
                    "type": "Feature",
                    "properties": {
                        "direction": direction,
                        "area_km2": round(km2, 1),
                        "from_layer": self.layer1.id,
                        "to_layer": self.layer2.id,
                        "settlements": [s.place_id for s in sett],
                    },
                    "geometry": mapping(geom),
                }
            )
        return {
            "type": "FeatureCollection",
            "name": f"mapdiff {self.d1.isoformat()} -> {self.d2.isoformat()}",
            "features": feats,
        }


def _parts(comp: CompiledLayer, rules: StyleRules) -> dict[str, BaseGeometry]:
    """A layer cut into disjoint areas per status (overlaps go by precedence) plus "unmarked"
    (inside Ukraine's box, no polygon: Ukrainian-held on DeepState)."""
    out: dict[str, BaseGeometry] = {}
    taken: BaseGeometry = shapely.Polygon()
    for status in sorted(rules.precedence, key=rules.precedence.__getitem__):
        geom = comp.union([status]).difference(taken)
        out[status] = geom
        taken = shapely.union(taken, geom)
    out["unmarked"] = box(*rules.bbox).difference(taken)
    return out


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of an overlay result (intersections also yield shared edges/points)."""
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6)) & ~shapely.is_empty(parts)]
    if len(parts) == 0:
        return shapely.Polygon()
    if len(parts) == 1:
        return cast(BaseGeometry, parts[0])
    # the stubs type an array argument's result as an array too; an array of polygons
    # makes one MultiPolygon
    return cast(BaseGeometry, shapely.multipolygons(shapely.get_parts(parts)))


def _side(parts: dict[str, BaseGeometry], side: str) -> BaseGeometry:
    names = {"RU": (OCCUPIED, OCCUPIED_PRE2022), "contested": (CONTESTED,),
             "UA": (LIBERATED, "unmarked")}[side]
    return shapely.union_all([parts[n] for n in names])


def mapdiff(
    store: Store,
    d1: date,
    d2: date,
    *,
    settlements: SettlementSource | None = None,
    origin_contains: str | None = None,
) -> MapDiff:
    """Area and settlements that changed hands between the layers of ``d1`` and ``d2``.

    Three sides per place: RU (occupied, occupied before 2022), contested, UA (liberated, or
    unmarked inside Ukraine's box and outside "outside" polygons). ``to_free`` is RU→UA and
    ``to_occupied`` UA→RU; moves into or out of the grey zone are in ``transitions_km2``.

    Outlines of the pre-2022 territories (Crimea, ORDLO) are fixed areas, not a front: when
    DeepState redraws them (on 2022-09-18 the Crimea outline took in ~780 km² of the Syvash
    lagoon) the change is reported as ``redrawn_km2``, not as land changing hands. Only a
    pre-2022 area that becomes an explicit "liberated" polygon counts as retaken.
    """
    if d2 < d1:
        raise MapError(f"mapdiff needs d1 <= d2, got {d1} > {d2}")
    rules = default_rules()
    l1 = layer_for(store, d1, origin_contains=origin_contains)
    l2 = layer_for(store, d2, origin_contains=origin_contains)
    p1 = _parts(_layer_polygons(store, l1), rules)
    p2 = _parts(_layer_polygons(store, l2), rules)
    s1 = {k: _side(p1, k) for k in _SIDES}
    s2 = {k: _side(p2, k) for k in _SIDES}
    trans = {
        f"{a}->{b}": shapely.intersection(s1[a], s2[b])
        for a in _SIDES
        for b in _SIDES
        if a != b
    }
    redrawn = polygonal(shapely.union(
        shapely.intersection(p1[OCCUPIED_PRE2022], p2["unmarked"]),
        shapely.intersection(s1["UA"], p2[OCCUPIED_PRE2022]),
    ))
    to_free = polygonal(shapely.union(
        shapely.intersection(p1[OCCUPIED], s2["UA"]),
        shapely.intersection(p1[OCCUPIED_PRE2022], p2[LIBERATED]),
    ))
    to_occ = polygonal(shapely.intersection(s1["UA"], p2[OCCUPIED]))
    source = settlements if settlements is not None else GazetteerSettlements()
    km2 = {k: round(area_km2(g), 1) for k, g in trans.items()}
    return MapDiff(
        d1=d1,
        d2=d2,
        layer1=l1,
        layer2=l2,
        to_free=to_free,
        to_occupied=to_occ,
        to_free_km2=area_km2(to_free),
        to_occupied_km2=area_km2(to_occ),
        transitions_km2=km2,
        settlements_to_free=settlements_within(to_free, source),
        settlements_to_occupied=settlements_within(to_occ, source),
        redrawn=redrawn,
        redrawn_km2=area_km2(redrawn),
        projection=projection_used(),
    )


def coverage_gaps(
    store: Store,
    d1: date,
    d2: date,
    mentioned_place_ids: set[str],
    *,
    settlements: SettlementSource | None = None,
    origin_contains: str | None = None,
) -> list[tuple[str, Settlement]]:
    """Settlements the map shows changing hands that no ingested source mentions.

    Returns (direction, settlement) pairs, most populous first: the places a reader would
    expect the reporting to name, which it does not.
    """
    diff = mapdiff(store, d1, d2, settlements=settlements, origin_contains=origin_contains)
    return gaps_in(diff, mentioned_place_ids)


def gaps_in(diff: MapDiff, mentioned_place_ids: set[str]) -> list[tuple[str, Settlement]]:
    """The settlements of an already computed ``diff`` that no source mentions."""
    gaps = [("occupied->free", s) for s in diff.settlements_to_free] + [
        ("free->occupied", s) for s in diff.settlements_to_occupied
    ]
    gaps = [(d, s) for d, s in gaps if s.place_id not in mentioned_place_ids]
    return sorted(gaps, key=lambda g: (-g[1].population, g[1].name, g[1].place_id))


# -- cross-checking claims ------------------------------------------------------------------


@dataclass
class CrossCheck:
    """One claim against the map on its day and the following ``horizon_days``."""

    event: ControlEvent
    lon: float | None
    lat: float | None
    expected: str | None  # "RU" | "UA" | None (action not checkable)
    verdict: str  # agree | disagree | n/a | unlocated | undated | no_layer
    observations: list[tuple[date, date, str]] = field(default_factory=list)
    """(day asked, layer date used, status) for each day of the window."""
    agree_day: date | None = None

    @property
    def agrees(self) -> bool | None:
        return {"agree": True, "disagree": False}.get(self.verdict)


_EXPECT = {"liberated": "UA", "captured": "RU"}


def expected_side(event: ControlEvent) -> str | None:
    """UA or RU as the claim implies; None for actions a polygon map cannot confirm.

    ``liberated`` → UA; ``captured`` → the named new controller when it is UA or RU (a
    Ukrainian "capture" is a liberation), else RU. Shelling, fighting, advancing: None.
    """
    if event.action not in _EXPECT:
        return None
    if event.action == "captured" and event.new_controller in ("UA", "RU"):
        return event.new_controller
    return _EXPECT[event.action]


def _agrees(expected: str, status: str, strict: bool) -> bool:
    if expected == "RU":
        return status in RU_HELD
    if status == OUTSIDE:
        return False
    return status not in RU_HELD and not (strict and status == CONTESTED)


def cross_check(
    store: Store,
    events: Sequence[ControlEvent | tuple[ControlEvent, float, float]],
    horizon_days: int = 3,
    *,
    settlements: SettlementSource | None = None,
    strict: bool = False,
    max_lag_days: int | None = 7,
    origin_contains: str | None = None,
) -> list[CrossCheck]:
    """Does the map agree with each claim on its day or within ``horizon_days`` after it?

    Maps lag the news (DeepState redraws after confirmation), so agreement on any day of the
    window counts. ``liberated`` agrees when the point is not RU-held (with ``strict``, not
    contested either); ``captured`` when it is RU-held. Events come with (lon, lat) or are
    located through their ``place_id`` in the gazetteer. A day whose nearest earlier layer is
    more than ``max_lag_days`` old is not judged (an old map cannot confirm a new claim); a
    claim with no judged day gets ``no_layer``. Points are evaluated per day in one vectorised
    call.
    """
    items: list[tuple[ControlEvent, float | None, float | None]] = []
    need: list[str] = []
    for ev in events:
        if isinstance(ev, tuple):
            items.append((ev[0], float(ev[1]), float(ev[2])))
        else:
            items.append((ev, None, None))
            if ev.place_id:
                need.append(ev.place_id)
    if need:
        source = settlements if settlements is not None else GazetteerSettlements()
        found = source.coords(need)
        items = [
            (ev, *found[ev.place_id]) if lon is None and ev.place_id in found else (ev, lon, lat)
            for ev, lon, lat in items
        ]
    checks: list[CrossCheck] = []
    todo: dict[date, list[int]] = defaultdict(list)
    for ev, lon, lat in items:
        exp = expected_side(ev)
        chk = CrossCheck(ev, lon, lat, exp, "pending")
        if exp is None:
            chk.verdict = "n/a"
        elif lon is None or lat is None:
            chk.verdict = "unlocated"
        elif ev.event_date is None:
            chk.verdict = "undated"
        else:
            for k in range(horizon_days + 1):
                todo[ev.event_date + timedelta(days=k)].append(len(checks))
        checks.append(chk)
    layer_of: dict[date, MapLayer | None] = {}
    for day in sorted(todo):
        try:
            layer = layer_for(store, day, origin_contains=origin_contains)
        except NoLayerError:
            layer = None
        if layer is not None and max_lag_days is not None:
            assert layer.layer_date is not None
            if (day - layer.layer_date).days > max_lag_days:
                layer = None
        layer_of[day] = layer
    for day in sorted(todo):
        layer = layer_of[day]
        if layer is None:
            continue
        idx = todo[day]
        lons = np.array([checks[i].lon for i in idx], dtype=float)
        lats = np.array([checks[i].lat for i in idx], dtype=float)
        stat = layer_status_at(store, layer, lons, lats)
        assert layer.layer_date is not None
        for i, s in zip(idx, stat, strict=True):
            checks[i].observations.append((day, layer.layer_date, str(s)))
    for chk in checks:
        if chk.verdict != "pending":
            continue
        if not chk.observations:
            chk.verdict = "no_layer"
            continue
        assert chk.expected is not None
        ok = [d for d, _, s in chk.observations if _agrees(chk.expected, s, strict)]
        chk.verdict = "agree" if ok else "disagree"
        chk.agree_day = min(ok) if ok else None
    return checks


@dataclass
class AgreementStats:
    """How often claims and the map agree, overall and per action."""

    n_events: int
    n_checked: int
    n_agree: int
    share_agree: float | None
    verdicts: dict[str, int]
    per_action: dict[str, dict[str, float | int | None]]


def agreement_stats(checks: Sequence[CrossCheck]) -> AgreementStats:
    """Aggregate :func:`cross_check` results (share = agree / (agree + disagree))."""
    verdicts = Counter(c.verdict for c in checks)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for c in checks:
        per[c.event.action][c.verdict] += 1

    def share(cnt: Counter[str]) -> float | None:
        n = cnt["agree"] + cnt["disagree"]
        return round(cnt["agree"] / n, 4) if n else None

    return AgreementStats(
        n_events=len(checks),
        n_checked=verdicts["agree"] + verdicts["disagree"],
        n_agree=verdicts["agree"],
        share_agree=share(verdicts),
        verdicts=dict(verdicts),
        per_action={
            action: {
                "n": sum(cnt.values()),
                "checked": cnt["agree"] + cnt["disagree"],
                "agree": cnt["agree"],
                "share_agree": share(cnt),
            }
            for action, cnt in sorted(per.items())
        },
    )


def gis_geometry(geometry: dict[str, Any], want: str = "all") -> dict[str, Any] | None:
    """A stored geometry as GIS tools want it: 2-D, rings in RFC 7946 orientation (exteriors
    counter-clockwise), and with ``want`` "polygons" or "points" only the parts of that type
    (GeometryCollections exploded) as one Multi- geometry, or None when it has none; "all"
    keeps the type. An unreadable geometry is returned as stored (or None for one type)."""
    import shapely
    from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, mapping, shape
    from shapely.geometry.polygon import orient

    try:
        g = shapely.force_2d(shape(geometry))
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
        return None if want != "all" else geometry
    parts = list(shapely.get_parts(g)) if g.geom_type in (
        "GeometryCollection", "MultiPolygon", "MultiPoint", "MultiLineString") else [g]
    flat = []
    for p in parts:  # collections may nest
        flat += list(shapely.get_parts(p)) if p.geom_type.startswith(("Multi", "Geometry")) \
            else [p]
    polys = [orient(p, 1.0) for p in flat if isinstance(p, Polygon) and not p.is_empty]
    if want == "polygons":
        return mapping(MultiPolygon(polys)) if polys else None
    if want == "points":
        pts = [p for p in flat if isinstance(p, Point) and not p.is_empty]
        return mapping(MultiPoint(pts)) if pts else None
    if isinstance(g, Polygon):
        return mapping(orient(g, 1.0))
    if g.geom_type == "MultiPolygon":
        return mapping(MultiPolygon(polys))
    return mapping(g)
