"""`frontlens serve`: how uvicorn is started (parser, access log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.store.db import Store


def _serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str,
           env: dict[str, str] | None = None) -> dict[str, Any]:
    import uvicorn

    db = f"sqlite:///{tmp_path / 's.db'}"
    Store(db).close()
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(k))
    r = CliRunner().invoke(app, ["--db", db, "serve", *args], env=env)
    assert r.exit_code == 0, r.output
    return seen[0]


def test_serve_parses_with_httptools_and_logs_no_request_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """httptools is a dependency, so the C parser serves; one log line per request costs the
    server CPU under load, so it is off unless asked for."""
    kw = _serve(tmp_path, monkeypatch)
    assert kw["http"] == "httptools"
    assert kw["access_log"] is False


def test_serve_access_log_can_be_turned_on_by_option_or_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _serve(tmp_path, monkeypatch, "--access-log")["access_log"] is True
    assert _serve(tmp_path, monkeypatch, env={"FRONTLENS_ACCESS_LOG": "1"})["access_log"] is True


def test_serve_bounds_requests_in_flight_from_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overload guard (503 + Retry-After past the limit, tests/test_api_overload.py) is
    on in the served app, with the limit from FRONTLENS_SERVE_MAX_IN_FLIGHT."""
    import uvicorn

    from frontlens.serve.api import overload_middleware

    db = f"sqlite:///{tmp_path / 's.db'}"
    Store(db).close()
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda a, **_: apps.append(a))
    for env, limit in (({}, 64), ({"FRONTLENS_SERVE_MAX_IN_FLIGHT": "3"}, 3)):
        r = CliRunner().invoke(app, ["--db", db, "serve"], env=env)
        assert r.exit_code == 0, r.output
        guards = [m for m in apps.pop().user_middleware if m.cls is overload_middleware]
        assert [m.kwargs["limit"] for m in guards] == [limit]
