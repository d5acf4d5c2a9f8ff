"""Latency of GET /api/picture with 100,000 stored control events, against picture() itself.

The events are generated as in ``bench/fuse.py`` part 2 (same distribution: 5,000 places,
changes of hands every 1–14 days from 2022-03-01, grades A–F 1–4), turned into the control
timeline with ``build_states`` and written to a SQLite file. Then, for the same 200 random
days: ``picture()`` called directly (the same-process baseline), the API through FastAPI's
TestClient (in process, no socket), and the API served by uvicorn on 127.0.0.1 and queried
with httpx (keep-alive). Prints p50/p95/max for each and the API's overhead at p50/p95.

    python bench/api.py [--events 100000] [--places 5000] [--requests 200]
"""

from __future__ import annotations

import argparse
import gc
import random
import socket
import statistics
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
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuse import START, picture_events  # bench/fuse.py: the same generated events

from frontlens.config import Settings
from frontlens.fuse.picture import build_states, picture
from frontlens.serve import create_app
from frontlens.serve.api import _PICTURE
from frontlens.store import schema
from frontlens.store.db import Store


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
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
