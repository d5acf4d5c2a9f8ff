"""All run-time settings in one place, read from ``FRONTLENS_*`` environment variables.

The CLI's flags override these per call; nothing else in the code base carries its own defaults
for limits, paths or network behaviour.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTLENS_", extra="ignore")

    db: str = Field(
        "sqlite:///frontlens.db",
        description="SQLAlchemy URL; e.g. postgresql+psycopg://user:pw@host/db.",
    )
    max_doc_bytes: int = Field(
        10 * MB, ge=1, description="Largest single document (text, HTML, feed) read into memory."
    )
    max_stream_bytes: int = Field(
        4096 * MB, ge=1, description="Largest streamed file (Telegram export, JSON Lines, GeoJSON)."
    )
    fetch_timeout: float = Field(15.0, gt=0, le=3600)
    fetch_max_bytes: int = Field(20 * MB, ge=1)
    allow_private: bool = Field(
        False, description="Allow fetching URLs on private or loopback addresses."
    )
    max_name_chars: int = Field(
        256, ge=1, le=256, description="Longest author, outlet, channel (forwarded from) or "
        "native id kept; a longer one is cut and the cut noted in the source's "
        "meta.truncated (their columns hold 256)."
    )
    max_title_chars: int = Field(
        2000, ge=1, description="Longest title kept; a longer one is cut, noted in "
        "meta.truncated."
    )
    max_url_chars: int = Field(
        8192, ge=1, description="Longest URL accepted; an item with a longer one is rejected "
        "with its reason (a cut URL would cite a wrong address)."
    )
    max_text_chars: int = Field(
        10_000_000, ge=1, description="Longest text of one item (a Telegram message, a "
        "tweet, a feed entry, a page); a longer item is rejected with its reason, the rest of "
        "its input stored."
    )
    max_item_depth: int = Field(
        64, ge=4, le=512, description="Deepest nesting of one streamed item (a Telegram "
        "message, a tweet, a GeoJSON feature); a deeper item is skipped unbuilt, with its "
        "reason."
    )
    max_meta_depth: int = Field(
        32, ge=2, le=64, description="Deepest nesting kept in a record's meta or properties "
        "(front matter, GeoJSON properties); deeper is rejected with its reason. 64 at most: "
        "a stored value must stay readable by every JSON reader and export."
    )
    max_features: int = Field(
        1_000_000, ge=1, description="Most features in one GeoJSON layer; a larger layer is "
        "rejected whole with the reason (part of a control map would misstate it)."
    )
    max_vertices: int = Field(
        5_000_000, ge=1, description="Most coordinate positions in one GeoJSON feature; a "
        "feature with more is rejected with the reason, the rest of its layer stored."
    )
    lock_timeout: float = Field(
        30.0, gt=0, le=86400, description="Seconds a SQLite writer waits for another process's "
        "lock before the command stops with 'database is locked'."
    )
    evidence_dir: str | None = Field(
        None, description="Folder for preserved originals (default: <database file>.evidence "
        "beside a SQLite file; a PostgreSQL store keeps none unless this is set)."
    )
    evidence_max_bytes: int = Field(
        10 * 1024 * MB, ge=0, description="Most bytes the evidence folder may hold; an input "
        "that would pass it is refused with a reason. 0 keeps no originals."
    )
    languages: tuple[str, ...] = ("en", "uk", "ru")
    batch_size: int = Field(1000, ge=1, description="Records per database write inside an input.")
    api_token: str | None = Field(
        None, description="Bearer token the API requires for writes; no token, no writes."
    )
    models_dir: str | None = Field(
        None, description="Folder of decision models to use instead of the packaged ones "
        "(scripts/train.py --out); for comparing trained variants."
    )
    native_threads: int = Field(
        1, ge=0, description="Threads per process for native pools (OpenBLAS, OpenMP, MKL); read "
        "when frontlens is first imported (frontlens/__init__.py); 0 keeps the libraries' "
        "default; a variable such as OPENBLAS_NUM_THREADS set by the user wins."
    )
    upload_max_bytes: int = Field(
        50 * MB, ge=1, description="Largest request body POST /api/ingest accepts (413 beyond)."
    )
    serve_threads: int = Field(
        8, ge=1, le=256, description="Threads `frontlens serve` runs request handlers on; the "
        "database pool holds as many connections, so a handler never waits for one. More only "
        "adds lock contention on a few cores (bench/api.py --sweep)."
    )
    db_pool_size: int | None = Field(
        None, ge=1, le=1000, description="Connections the API's pool keeps open (default: "
        "serve_threads, one per handler thread; SQLite reads in WAL mode beside a writer)."
    )
    picture_cache_mb: int = Field(
        32, ge=0, le=4096, description="Memory for compressed /api/picture answers by day, "
        "reused until fusion rewrites the timeline; 0 compresses every answer anew."
    )
    page_cache_mb: int = Field(
        16, ge=0, le=4096, description="Memory for /api/events pages (compressed as sent), "
        "reused until fusion rewrites the events, and for the filtered totals of the other "
        "paged lists, reused until the next ingest or extraction; 0 queries every page anew."
    )
    serve_max_in_flight: int = Field(
        64, ge=1, le=100_000, description="Requests `frontlens serve` works on at once; one "
        "more is answered at once with 503 and Retry-After instead of waiting in a queue that "
        "grows with the clients (each in flight costs about its CPU time, a few ms, in the "
        "wait of every later one)."
    )
    postgis: bool = Field(
        True, description="Answer map questions (point status, feature status, layer "
        "polygons) in SQL where the PostgreSQL store has PostGIS; false uses shapely as on "
        "SQLite (same answers; for comparing the two)."
    )


def now() -> datetime:
    """The clock for what ingest, extract and fuse record (retrieval, capture and processing
    times): the time ``SOURCE_DATE_EPOCH`` names when it is set, so two stores built from the
    same inputs, in any order, export byte-identical files; otherwise now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (OverflowError, ValueError, OSError):  # past the calendar: the real clock
            pass
    return datetime.now(UTC)


def build_time() -> datetime:
    """Now, or the time ``SOURCE_DATE_EPOCH`` names (the reproducible-builds convention), so
    two runs over the same store write byte-identical exports and briefs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def get_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
