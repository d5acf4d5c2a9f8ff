"""GeoJSON control-map layers: stored as dated geometry (a MapLayer and its features).

Features are streamed, so national-scale layers load in bounded memory. A feature whose
geometry is missing or unreadable is reported and skipped; the layer keeps the rest.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from frontlens.config import Settings
from frontlens.ingest.base import (
    MAX_NESTING,
    Format,
    IngestError,
    ItemError,
    Produced,
    RawInput,
    item_reason,
    nesting_depth,
    register,
    suffix,
)
from frontlens.ingest.jsonstream import MAX_ITEM_DEPTH, TooDeep, skip_bom, stream_array
from frontlens.model import MapFeature, MapLayer, clean_json, clean_str

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_STATUS_KEYS = ("status", "control", "controller", "state")


def _file_hash(raw: RawInput) -> str:
    h = hashlib.sha256()
    with raw.open() as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _layer_date(meta: dict[str, Any], raw: RawInput) -> date | None:
    for value in (meta.get("date"), meta.get("layer_date")):
        if value:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                pass
    m = _DATE_IN_NAME.search(raw.name)
    return date.fromisoformat(m.group(1)) if m else None


def count_positions(geometry: Any, stop: int) -> int:
    """Coordinate positions in a GeoJSON geometry (lists of numbers), counted without
    recursion and without building it, stopping once past ``stop``."""
    n = 0
    todo = [geometry]
    while todo and n <= stop:
        v = todo.pop()
        if isinstance(v, dict):
            todo.extend(v.get(k) for k in ("coordinates", "geometries"))
        elif isinstance(v, list) and v:
            if isinstance(v[0], int | float) and not isinstance(v[0], bool):
                n += 1
            else:
                todo.extend(v)
    return n


def _geometry_error(feature: Any, max_vertices: int | None = None,
                    max_meta: int = MAX_NESTING) -> str | None:
    if isinstance(feature, TooDeep):
        return str(feature)
    if not isinstance(feature, dict):
        return "not a JSON object"
    if not isinstance(feature.get("properties"), dict | None):
        return f"properties is a {type(feature['properties']).__name__}, not an object"
    if nesting_depth(feature.get("properties"), max_meta) > max_meta:
        return f"properties nested deeper than {max_meta} levels (FRONTLENS_MAX_META_DEPTH)"
    if nesting_depth(feature.get("geometry"), 8) > 6:
        return "geometry nested deeper than a GeometryCollection of polygons"
    if max_vertices is not None and count_positions(feature.get("geometry"),
                                                    max_vertices) > max_vertices:
        return f"geometry has more than {max_vertices:,} vertices (FRONTLENS_MAX_VERTICES)"
    try:
        geom = _shape(feature["geometry"])
    except Exception as exc:  # shapely raises many types on odd geometry
        return f"unusable geometry: {item_reason(exc, 200)}"
    if geom.is_empty:
        return "empty geometry"
    # NaN or infinite coordinates (JSON's 1e999) would be stored as JSON no strict reader, and
    # no PostgreSQL JSONB column, accepts; bounds alone miss a NaN vertex or z
    if not np.isfinite(shapely.get_coordinates(geom, include_z=geom.has_z)).all():
        return "coordinates are not all finite numbers"
    return None


def _shape(geometry: Any) -> Any:
    """shapely's shape(), without the RuntimeWarning it prints on NaN vertices."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return shape(geometry)


def _name(value: Any) -> str | None:
    """A feature's name as text: hand-made layers put numbers there, or lists and objects
    (which name nothing)."""
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    return clean_str(str(value))


def _features(raw: RawInput, meta: dict[str, Any],
              max_depth: int = MAX_ITEM_DEPTH) -> Iterator[tuple[int, Any]]:
    """(index, feature) pairs in file order; top-level scalars are collected into ``meta``."""
    i = 0
    with raw.open() as fh:
        for kind, value in stream_array(skip_bom(fh), "features", raw.origin, max_depth):
            if kind == "meta":
                meta[value[0]] = value[1]
            else:
                yield i, value
                i += 1


def parse(raw: RawInput, settings: Settings) -> Iterator[Produced]:
    """Two streaming passes: the first validates and measures (the layer row needs its count
    and bbox and must be written before its features), the second yields the features."""
    if raw.size > settings.max_stream_bytes:
        raise IngestError(raw.origin, f"file is larger than {settings.max_stream_bytes} bytes")
    meta: dict[str, Any] = {}
    bad: set[int] = set()
    good = 0
    bounds: list[float] | None = None
    for n, feature in _features(raw, meta, settings.max_item_depth):
        if n >= settings.max_features:
            raise IngestError(raw.origin, f"more than {settings.max_features:,} features in "
                              "one layer (FRONTLENS_MAX_FEATURES)")
        if (why := _geometry_error(feature, settings.max_vertices,
                                   settings.max_meta_depth)) is not None:
            bad.add(n)
            yield ItemError(raw.origin, f"feature #{n}", why)
            continue
        good += 1
        b = _shape(feature["geometry"]).bounds
        bounds = (
            list(b)
            if bounds is None
            else [
                min(bounds[0], b[0]),
                min(bounds[1], b[1]),
                max(bounds[2], b[2]),
                max(bounds[3], b[3]),
            ]
        )
    deep = settings.max_meta_depth
    if any(nesting_depth(v, deep) > deep for v in meta.values()):
        raise IngestError(raw.origin, f"layer metadata nested deeper than {deep} levels "
                          "(FRONTLENS_MAX_META_DEPTH)")
    if meta.get("type") != "FeatureCollection":
        raise IngestError(
            raw.origin, f"GeoJSON type {meta.get('type')!r}, expected FeatureCollection"
        )
    layer = MapLayer(
        name=clean_str(str(meta.get("name") or raw.name))[:256],
        origin=raw.origin,
        layer_date=_layer_date(meta, raw),
        content_hash=_file_hash(raw),
        feature_count=good,
        bbox=bounds,
        retrieved_at=raw.retrieved_at,
        meta=clean_json({k: v for k, v in meta.items() if k not in ("type", "name")}),
    )
    yield layer
    for n, feature in _features(raw, {}, settings.max_item_depth):
        if n in bad:
            continue
        # NULs, lone surrogates and NaN out of what is stored, as for sources (model.clean_json)
        props = clean_json(feature.get("properties") or {})
        status = next((clean_str(str(props[k]))[:64] for k in _STATUS_KEYS if props.get(k)), None)
        yield MapFeature(
            layer_id=layer.id,
            idx=n,
            status=status,
            name=_name(props.get("name")),
            geometry=clean_json(feature["geometry"]),
            properties=props,
        )


def _detect(raw: RawInput, head: bytes) -> bool:
    return suffix(raw) == ".geojson" or b'"FeatureCollection"' in head


FORMAT = register(
    Format(
        "geojson",
        "GeoJSON control-map layer (stored as dated geometry)",
        parse,
        _detect,
        priority=20,
    )
)
