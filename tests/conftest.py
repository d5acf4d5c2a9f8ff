"""Shared fixtures: a fresh store per test, on SQLite and (when configured) PostgreSQL.

``FRONTLENS_TEST_PG_URL`` points at a throwaway PostgreSQL database (``.ci/run`` starts one);
with ``FRONTLENS_REQUIRE_PG=1`` a missing server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from frontlens.config import Settings
from frontlens.store.db import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get("FRONTLENS_TEST_PG_URL")


def _pg_param() -> object:
    if PG_URL:
        return pytest.param("postgresql", marks=pytest.mark.postgres)
    if os.environ.get("FRONTLENS_REQUIRE_PG") == "1":
        raise RuntimeError("FRONTLENS_REQUIRE_PG=1 but FRONTLENS_TEST_PG_URL is not set")
    return pytest.param("postgresql", marks=pytest.mark.skip(reason="FRONTLENS_TEST_PG_URL unset"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'frontlens.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"fl_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", _pg_param()])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'frontlens.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(params=["sqlite", _pg_param()])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh stores of one kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
        return
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    names = [f"fl_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with admin.connect() as conn:
        for n in names:
            conn.execute(text(f'CREATE DATABASE "{n}"'))
    try:
        a, b = (make_url(PG_URL).set(database=n).render_as_string(hide_password=False)
                for n in names)
        yield a, b
    finally:
        with admin.connect() as conn:
            for n in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db=db_url)
