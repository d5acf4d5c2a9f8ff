"""Writers and readers at once on one store (issue 11, item 4).

`frontlens serve` answers reads and takes uploads on ``POST /api/ingest`` while two
`frontlens ingest` processes (overlapping inputs) and `frontlens extract` run against the same
database. Every command and request must succeed (a lock is waited for, within
FRONTLENS_LOCK_TIMEOUT, never surfaced as "database is locked"), nothing may be lost or stored
twice, SQLite's integrity check must pass, and the final counts must equal a serial run of the
same inputs. SQLite and, when configured, PostgreSQL. About 30-50 s on 2 shared cores.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from frontlens.config import Settings
from frontlens.extract.pipeline import run_extract
from frontlens.ingest import ingest_inputs
from frontlens.store.db import Store

TOKEN = "concurrency-test-token"
PLACES = ["Kupiansk", "Izium", "Balakliia", "Lyman", "Kherson", "Bakhmut", "Sviatohirsk",
          "Vovchansk", "Shevchenkove", "Hrakove", "Kozacha Lopan", "Velykyi Burluk"]


def _inputs(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files for the two CLI ingests, files for the API uploads); one file is in both."""
    folder.mkdir()
    cli, api = [], []
    for i, place in enumerate(PLACES):
        p = folder / f"note-{i:02d}.txt"
        p.write_text(f"Ukrainian forces entered {place} on {i + 1} September 2022, officials "
                     f"said. Report {i}.\n", encoding="utf-8")
        (cli if i % 2 else api).append(p)
    messages = [{"id": m, "type": "message", "date": "2022-09-10T10:00:00",
                 "date_unixtime": str(1662804000 + m),
                 "text": f"Russian troops withdrew from {PLACES[m % len(PLACES)]}. Post {m}."}
                for m in range(1, 41)]
    tg = folder / "result.json"
    tg.write_text(json.dumps({"name": "Desk", "type": "public_channel", "id": 7,
                              "messages": messages}), encoding="utf-8")
    cli.append(tg)
    api.append(cli[0])  # the same file through both doors: stored once
    return cli, api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _counts(url: str) -> dict[str, int]:
    with Store(url, migrate=False) as store:
        c = store.counts()
    return {k: c[k] for k in ("sources", "mentions", "control_events", "extractions") if k in c}


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> str:
    return db_url if not db_url.startswith("sqlite") else f"sqlite:///{tmp_path / 'live.db'}"


def test_cli_ingest_api_upload_extract_and_reads_at_once_lose_nothing(
        fresh_url: str, tmp_path: Path) -> None:
    cli_files, api_files = _inputs(tmp_path / "in")
    env = {**os.environ, "FRONTLENS_DB": fresh_url, "FRONTLENS_LOCK_TIMEOUT": "30",
           "FRONTLENS_API_TOKEN": TOKEN}
    frontlens = [sys.executable, "-m", "frontlens.cli"]
    Store(fresh_url).close()  # the schema exists before the server starts (it needs a token)
    port = _free_port()
    server = subprocess.Popen([*frontlens, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    problems: list[str] = []
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if httpx.get(f"{base}/api/stats", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.2)

        def run(args: list[str]) -> subprocess.Popen[str]:
            return subprocess.Popen([*frontlens, *args], env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        half = len(cli_files) // 2 + 1
        procs = [run(["ingest", *map(str, cli_files[:half + 1])]),
                 run(["ingest", *map(str, cli_files[half - 1:])]),
                 run(["extract"])]
        stop = threading.Event()
        reads = {"n": 0}

        def reader() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                while not stop.is_set():
                    for path in ("/api/sources?limit=20", "/api/events?limit=20",
                                 "/api/stats", "/api/search?q=Kupiansk"):
                        r = client.get(path)
                        reads["n"] += 1
                        if r.status_code != 200:
                            problems.append(f"GET {path}: {r.status_code} {r.text[:200]}")

        readers = [threading.Thread(target=reader) for _ in range(2)]
        for t in readers:
            t.start()
        with httpx.Client(base_url=base, timeout=90,
                          headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            for p in api_files:
                r = client.post("/api/ingest", files={"file": (p.name, p.read_bytes())})
                if r.status_code != 200:
                    problems.append(f"POST {p.name}: {r.status_code} {r.text[:300]}")
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0 or "locked" in err or "Traceback" in err:
                problems.append(f"{proc.args[3:5]}: exit {proc.returncode}: {err[-500:]}")
        stop.set()
        for t in readers:
            t.join(timeout=60)
        assert reads["n"] > 0
    finally:
        server.terminate()
        _, server_err = server.communicate(timeout=30)
    assert "Traceback" not in server_err and "database is locked" not in server_err, \
        server_err[-2000:]
    assert not problems, problems

    # extract what arrived after the concurrent extract's last page (in this process, which
    # loads the models once for it and the serial run); then the serial run: each input once
    with Store(fresh_url) as store:
        run_extract(store)
    serial = f"sqlite:///{tmp_path / 'serial.db'}"
    with Store(serial) as store:
        ingest_inputs(store, [str(p) for p in sorted(set(cli_files) | set(api_files))],
                      Settings(db=serial))
        run_extract(store)
    got, want = _counts(fresh_url), _counts(serial)
    assert got == want and got["sources"] == len(PLACES) + 40, (got, want)
    if fresh_url.startswith("sqlite"):
        with Store(fresh_url, migrate=False) as store, store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
