"""deploy/compose.yaml: the file describes the topology the README starts, and that topology —
PostgreSQL, a Dask scheduler with workers, extraction by `frontlens extract --engine dask
--scheduler`, fusion, the API — works end to end without containers.

The file is checked with `docker compose config` where Docker Compose is installed, and always
by its structure (services, commands, ports, environment), since CI has no Docker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from frontlens.cli import app
from frontlens.config import Settings
from frontlens.fuse import maps
from frontlens.serve import create_app
from frontlens.store.db import Store

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
PG_URL = os.environ.get("FRONTLENS_TEST_PG_URL")
FRONTLENS_SERVICES = ("scheduler", "worker", "api", "cli")


def _compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _command(service: dict[str, Any]) -> list[str]:
    cmd = service["command"]
    return cmd.split() if isinstance(cmd, str) else [str(c) for c in cmd]


def test_compose_file_runs_postgis_a_dask_scheduler_workers_and_the_api() -> None:
    services = _compose()["services"]
    assert set(services) >= {"db", *FRONTLENS_SERVICES}
    db = services["db"]
    assert db["image"].startswith("postgis/postgis:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]

    assert _command(services["scheduler"])[:2] == ["dask", "scheduler"]
    assert "8786" in _command(services["scheduler"])
    worker = _command(services["worker"])
    assert worker[:3] == ["dask", "worker", "tcp://scheduler:8786"]
    assert int(services["worker"]["deploy"]["replicas"]) >= 2
    api = _command(services["api"])
    assert api[:2] == ["frontlens", "serve"] and api[api.index("--host") + 1] == "0.0.0.0"
    assert "127.0.0.1:8000:8000" in services["api"]["ports"]
    assert "FRONTLENS_API_TOKEN" in services["api"]["environment"]

    for name in FRONTLENS_SERVICES:  # one image, one database URL, one evidence folder
        svc = services[name]
        assert svc["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        url = make_url(svc["environment"]["FRONTLENS_DB"].replace(
            "${POSTGRES_PASSWORD:-frontlens}", "pw"))
        assert (url.drivername, url.host, url.port, url.database) == (
            "postgresql+psycopg", "db", 5432, "frontlens"), name
        assert svc["depends_on"]["db"]["condition"] == "service_healthy", name
        assert svc["environment"]["FRONTLENS_EVIDENCE_DIR"] == "/var/lib/frontlens/evidence"
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert all(p.startswith("127.0.0.1:") for p in published)  # nothing beyond this machine


def test_dockerfile_installs_frontlens_with_postgres_and_dask() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY src ./src" in text and '".[postgres,dask]"' in text
    assert "\nUSER frontlens" in text  # not root
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "postgres = [" in pyproject and "dask = [" in pyproject


def test_readme_starts_the_deployment_in_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Deployment", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [x for x in block.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    assert lines == ["export FRONTLENS_API_TOKEN=$(python3 -c 'import secrets; "
                     "print(secrets.token_hex(16))')",
                     "docker compose -f deploy/compose.yaml up -d --build"]


def _docker_compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(_docker_compose() is None, reason="Docker Compose not installed")
def test_docker_compose_accepts_the_file() -> None:
    cmd = _docker_compose()
    assert cmd is not None
    res = subprocess.run([*cmd, "-f", str(COMPOSE), "config", "--quiet"], capture_output=True,
                         text=True, env={**os.environ, "FRONTLENS_API_TOKEN": "t" * 32},
                         timeout=60)
    assert res.returncode == 0, res.stderr


# -- the same topology without containers ------------------------------------------------------

DOCS = ["articles/2022-09-06-en-fighting-near-balakliia.md",
        "articles/2022-09-08-en-balakliia-celebrates.md",
        "articles/2022-09-10-en-izium-regrouping.md",
        "articles/2022-09-12-uk-izium-flag.md",
        "maps"]


@pytest.mark.skipif(not PG_URL and os.environ.get("FRONTLENS_REQUIRE_PG") != "1",
                    reason="FRONTLENS_TEST_PG_URL unset")
def test_compose_topology_without_containers_extracts_fuses_and_serves_the_picture(
        pg_url: str) -> None:
    """PostgreSQL (the test server) as `db`, a 2-worker LocalCluster as `scheduler` +
    `worker`, a separate `frontlens extract --engine dask --scheduler` process as the `cli`
    container, and the API app as `api`."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    t0 = time.monotonic()
    run = CliRunner().invoke
    res = run(app, ["--db", pg_url, "ingest", *[str(REPO / "sample" / d) for d in DOCS]])
    assert res.exit_code == 0, res.output
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0", silence_logs=40) as cluster:
        env = {**os.environ, "FRONTLENS_DB": pg_url}
        ext = subprocess.run(
            [sys.executable, "-m", "frontlens.cli", "extract", "--engine", "dask",
             "--scheduler", cluster.scheduler_address, "--json"],
            capture_output=True, text=True, env=env, timeout=240)
        assert ext.returncode == 0, ext.stderr[-3000:]
        workers_used = len(cluster.scheduler_info["workers"])
    assert json.loads(ext.stdout)["processed"] == 4 and "dashboard" in ext.stderr.lower()
    res = run(app, ["--db", pg_url, "fuse"])
    assert res.exit_code == 0, res.output
    cli_picture = run(app, ["--db", pg_url, "picture", "--as-of", "2022-09-12", "--json"])
    assert cli_picture.exit_code == 0
    with TestClient(create_app(Settings(db=pg_url))) as client:
        got = client.get("/api/picture", params={"as_of": "2022-09-12"})
        layers = client.get("/api/layers").json()
    assert got.status_code == 200
    picture = {r["place"]: r["controller"] for r in got.json()}
    assert picture.get("Balakliia") == "UA", picture
    assert {r["place"]: r["controller"] for r in json.loads(cli_picture.stdout)} == picture
    assert len(layers) == 2 and workers_used == 2
    store = Store(pg_url)
    if maps.use_postgis(store):  # fused events are located for GIS clients (store/spatial.py)
        with store.engine.connect() as conn:
            located = conn.execute(text(
                "SELECT count(*) FROM event_points p JOIN control_states s ON s.place_id = "
                "p.place_id AND ST_Equals(s.geom, p.geom) WHERE p.place_name = 'Balakliia'"
            )).scalar_one()
        assert located > 0
    store.close()
    assert time.monotonic() - t0 < 120  # the budget is 60 s; 2 shared cores vary
