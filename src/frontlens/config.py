"""All run-time settings in one place, read from ``FRONTLENS_*`` environment variables.

The CLI's flags override these per call; nothing else in the code base carries its own defaults
for limits, paths or network behaviour.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

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


def build_time() -> datetime:
    """Now, or the time ``SOURCE_DATE_EPOCH`` names (the reproducible-builds convention), so
    two runs over the same store write byte-identical exports and briefs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
