"""Latency of GET /api/picture against picture() itself, and a concurrency sweep of the API.

The events are generated as in ``bench/fuse.py`` part 2 (same distribution: 5,000 places,
changes of hands every 1–14 days from 2022-03-01, grades A–F 1–4), turned into the control
timeline with ``build_states`` and written to a SQLite file. Then, for the same 200 random
days: ``picture()`` called directly (the same-process baseline), the API through FastAPI's
TestClient (in process, no socket), and the API served by uvicorn on 127.0.0.1 and queried
with httpx (keep-alive). Prints p50/p95/max for each and the API's overhead at p50/p95.

    python bench/api.py [--events 100000] [--places 5000] [--requests 200]

``--sweep``: load held. The same events are also stored as fused events, and ``frontlens
serve`` (the real CLI, its default worker and pool model) runs in a child process on a free
local port; for each endpoint (``/api/picture`` at a random day, ``/api/events`` pages of 50
followed by their ``next`` cursor) and each level of concurrent clients (1, 16, 64: asyncio
tasks sharing one httpx client, one keep-alive connection each), requests run back to back for
``--seconds``. Prints req/s, p50/p95/p99 and errors (resets, timeouts, any failure but a 503)
per endpoint and level, the 503s with ``Retry-After`` (load shed: that client waits as told)
and their p50/p99 (as the client sees them: its own wait included), the CPU time per request
of the server and of the client (what the machine's other load does not change much) and the
1-minute load average, and throughput at 64 / at 16. ``--baseline REV`` serves the same store
(migrated down to that revision's schema when older) with the package of a git revision too
(its ``src`` unpacked with ``git archive``), level by level right before the current code, so
both see the same machine load.

    python bench/api.py --sweep [--seconds 20] [--levels 1,16,64] [--baseline REV|none]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuse import START, picture_events  # bench/fuse.py: the same generated events
from fuse_store import unpack  # bench/fuse_store.py: a git revision's src, unpacked

from frontlens.config import Settings
from frontlens.fuse.picture import build_states, picture
from frontlens.serve import create_app
from frontlens.serve.api import _PICTURE
from frontlens.store import schema
from frontlens.store.db import Store, _alembic_config, head_revision


def _stats(name: str, lat: list[float]) -> tuple[float, float]:
    ms = sorted(x * 1000 for x in lat)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    print(f"{name:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms")
    return p50, p95


def _timed(days: list[date], call: Callable[[date], Any]) -> list[float]:
    call(days[0])  # warm caches, as a running server would be
    out = []
    for d in days:
        t0 = time.perf_counter()
        call(d)
        out.append(time.perf_counter() - t0)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


EVENT_DEFAULTS = {"time_precision": "day", "reliability": "C", "n_sources_independent": 1,
                  "n_mentions": 1, "both_sides": False, "concession": False, "photo": False,
                  "hedged_share": 0.0, "contradicted": False}


def seed_store(url: str, n_events: int, n_places: int) -> tuple[int, date]:
    """Generated control events stored as fused events and their control timeline; returns
    the number of states and the last event day."""
    events = picture_events(n_events, n_places)
    states = build_states(events, {e["id"]: [f"src-{e['id']}"] for e in events})
    rows = [{**EVENT_DEFAULTS, **e, "reliability": e["grade"][0]} for e in events]
    with Store(url) as store, store.transaction() as conn:
        for i in range(0, len(states), 5000):
            conn.execute(schema.control_states.insert(), states[i : i + 5000])
        for i in range(0, len(rows), 5000):
            conn.execute(schema.events.insert(), rows[i : i + 5000])
    return len(states), max(e["first_date"] for e in events)


SERVE = "import sys; from frontlens.cli import run; sys.argv = ['frontlens', *sys.argv[1:]]; run()"


def start_server(url: str, src: str | None) -> tuple[subprocess.Popen[bytes], str]:
    """``frontlens serve`` in a child process (``src``: another revision's package), ready."""
    port = _free_port()
    env = {**os.environ, "FRONTLENS_DB": url}
    env.pop("FRONTLENS_API_TOKEN", None)
    if src is not None:
        env["PYTHONPATH"] = src
    proc = subprocess.Popen([sys.executable, "-c", SERVE, "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} ({src or 'current'})")
        try:
            httpx.get(f"{base}/api/stats", timeout=5).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, base


async def _level(base: str, endpoint: str, clients: int, seconds: float, last: date
                 ) -> tuple[list[float], int, list[float]]:
    """``clients`` tasks, each sending requests back to back on its own keep-alive connection
    for ``seconds``; latencies of the successful ones and the number of errors. Each task has
    its own httpx client (one shared pool of 64 connections cost the client ~2x the CPU per
    request that 16 did), and a picture is read as sent (gzip), not decoded: on a 2-core
    machine every millisecond the client spends is one the server does not get.

    A 503 with ``Retry-After`` (the server shedding load) is not an error: its latency goes
    to the third list and the client waits as told before its next request, as a
    well-behaved client does; errors are every other failure (resets, timeouts, 5xx)."""
    lat: list[float] = []
    shed: list[float] = []
    errors = 0
    span = (last - START).days
    stop = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal errors
        rnd, cursor = random.Random(k), None
        async with httpx.AsyncClient(base_url=base, timeout=30.0,
                                     headers={"Accept-Encoding": "gzip"}) as http:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                wait = 0.0
                try:
                    if endpoint == "/api/picture":
                        day = START + timedelta(days=rnd.randrange(span))
                        async with http.stream("GET", endpoint,
                                               params={"as_of": day.isoformat()}) as r:
                            size = sum([len(b) async for b in r.aiter_raw()])
                        ok = r.status_code == 200 and size > 0
                    else:
                        r = await http.get(endpoint, params={
                            "limit": "50", **({"after": cursor} if cursor else {})})
                        ok = r.status_code == 200 and "next" in (body := r.json())
                        cursor = body.get("next") if ok else cursor
                    if r.status_code == 503 and "retry-after" in r.headers:
                        wait = float(r.headers["retry-after"])
                except (httpx.HTTPError, ValueError):
                    ok = False
                if ok:
                    lat.append(time.perf_counter() - t0)
                elif wait:
                    shed.append(time.perf_counter() - t0)
                    await asyncio.sleep(min(wait, max(0.0, stop - time.perf_counter())))
                else:
                    errors += 1

    await asyncio.gather(*(client(k) for k in range(clients)))
    return lat, errors, shed


def _cpu(pid: int | None = None) -> float:
    """CPU seconds used so far by a child process (``/proc``) or by this one."""
    if pid is None:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, max(0, round(q * len(ms)) - 1))] if ms else float("nan")


def _store_for(url: str, src: str | None, copy: Path) -> str:
    """The seeded store as a revision's code can open it: a copy migrated down to that
    revision's newest schema when it is older than this one's (a newer schema is refused)."""
    if src is None:
        return url
    head = subprocess.run(
        [sys.executable, "-c", "from frontlens.store.db import head_revision as h; print(h())"],
        env={**os.environ, "PYTHONPATH": src}, capture_output=True, text=True, check=True
    ).stdout.strip()
    if head == head_revision():
        return url
    shutil.copyfile(url.removeprefix("sqlite:///"), copy)
    engine = create_engine(f"sqlite:///{copy}")
    try:
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, head)
    finally:
        engine.dispose()
    return f"sqlite:///{copy}"


def sweep(args: argparse.Namespace) -> None:
    """The concurrency sweep (see the module docstring)."""
    levels = [int(x) for x in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        n_states, last = seed_store(url, args.events, args.places)
        print(f"store: {args.events:,} events over {args.places:,} places, {n_states:,} control "
              f"states ({time.perf_counter() - t0:.1f} s); {os.cpu_count()} CPUs; "
              f"{args.seconds:g} s per level")
        impls: list[tuple[str, str | None]] = []
        if args.baseline != "none":
            impls.append((args.baseline, unpack(args.baseline, Path(tmp) / "baseline")))
        impls.append(("current", None))
        servers = {name: start_server(_store_for(url, src, Path(tmp) / f"{i}.db"), src)
                   for i, (name, src) in enumerate(impls)}
        try:
            for _, base in servers.values():  # build the picture index before timing
                httpx.get(f"{base}/api/picture", timeout=120).raise_for_status()
            print(f"{'server':<10} {'endpoint':<13} {'clients':>7} {'req/s':>7} {'p50 ms':>8} "
                  f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'503':>6} {'503 p50/p99 ms':>14} "
                  f"{'CPU ms/req: server':>18} {'client':>6}  load")
            rate: dict[tuple[str, str, int], float] = {}
            for endpoint in ("/api/picture", "/api/events"):
                for n in levels:
                    for name, (proc, base) in servers.items():
                        cpu0 = (_cpu(proc.pid), _cpu())
                        lat, errors, shed = asyncio.run(
                            _level(base, endpoint, n, args.seconds, last))
                        srv, cli = ((_cpu(proc.pid) - cpu0[0]) * 1000 / max(len(lat), 1),
                                    (_cpu() - cpu0[1]) * 1000 / max(len(lat), 1))
                        ms = sorted(x * 1000 for x in lat)
                        sh = sorted(x * 1000 for x in shed)
                        rate[name, endpoint, n] = len(ms) / args.seconds
                        print(f"{name:<10} {endpoint:<13} {n:>7} {len(ms) / args.seconds:>7.1f} "
                              f"{_pct(ms, 0.5):>8.1f} {_pct(ms, 0.95):>8.1f} "
                              f"{_pct(ms, 0.99):>8.1f} {errors:>6} {len(shed):>6} "
                              f"{'/'.join(f'{_pct(sh, q):.0f}' for q in (0.5, 0.99)):>14} "
                              f"{srv:>18.2f} {cli:>6.2f}  "
                              f"{os.getloadavg()[0]:.1f}", flush=True)
            if 16 in levels and 64 in levels:
                for name in servers:
                    print(f"{name}: throughput@64 / throughput@16: " + ", ".join(
                        f"{e} {rate[name, e, 64] / max(rate[name, e, 16], 1e-9):.2f}"
                        for e in ("/api/picture", "/api/events")))
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--sweep", action="store_true", help="the concurrency sweep instead")
    ap.add_argument("--seconds", type=float, default=20.0, help="sweep: seconds per level")
    ap.add_argument("--levels", default="1,16,64", help="sweep: concurrent clients")
    ap.add_argument("--baseline", default="none", help="sweep: also serve this git revision")
    args = ap.parse_args()
    if args.sweep:
        sweep(args)
        return
    events = picture_events(args.events, args.places)
    states = build_states(events, {e["id"]: [f"src-{e['id']}"] for e in events})
    last = max(e["first_date"] for e in events)
    rnd = random.Random(5)
    days = [START + timedelta(days=rnd.randrange((last - START).days))
            for _ in range(args.requests)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Store(url) as store, store.transaction() as conn:
            for i in range(0, len(states), 5000):
                conn.execute(schema.control_states.insert(), states[i : i + 5000])
        n_states = len(states)
        del events, states
        gc.collect()
        app = create_app(Settings(db=url))
        store = app.state.store
        sizes = [len(picture(store, d)) for d in days[:20]]
        print(f"{args.events:,} events over {args.places:,} places → {n_states:,} states; "
              f"{args.requests} requests at random days, median "
              f"{statistics.median(sizes):,.0f} places per answer")

        base = _stats("picture() (same process)", _timed(days, lambda d: picture(store, d)))
        _stats("picture() + JSON encoding", _timed(
            days, lambda d: _PICTURE.dump_json(picture(store, d))))

        with TestClient(app) as client:
            def via_testclient(d: date) -> None:
                r = client.get("/api/picture", params={"as_of": d.isoformat()})
                r.raise_for_status()
            tc = _stats("GET /api/picture (TestClient)", _timed(days, via_testclient))

        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            def via_http(d: date) -> None:
                http.get("/api/picture", params={"as_of": d.isoformat()}).raise_for_status()
            hp = _stats("GET /api/picture (uvicorn + httpx)", _timed(days, via_http))
        server.should_exit = True
        thread.join()
        store.close()
    for name, (p50, p95) in (("TestClient", tc), ("uvicorn + httpx", hp)):
        print(f"API / picture() time, {name}: p50 x{p50 / base[0]:.2f}, p95 x{p95 / base[1]:.2f}"
              " (the API answers from an in-memory as-of index built on the first request)")


if __name__ == "__main__":
    main()
