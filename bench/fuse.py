"""Fusion scaling on synthetic mentions, and the as-of picture query over 100,000 events.

Part 1: control-event fusion (grouping, independence groups, grading, evidence and
contradiction rows; ``claim_from_row`` + ``fuse_control``, in memory, no database) of 10k,
100k and 1M generated mentions, with the 100k/10k and 1M/100k time ratios (10.0 = linear).
Mentions: one place per ~20 mentions, real-looking reporting of changes of hands over two
years (1–6 outlets per event, ±1 day jitter, some hedged, some opposite claims, week/month
precision, a few undated), 10% of sources are forwards of another outlet.

Part 2: 100,000 graded control events over 5,000 places → ``build_states`` → SQLite (file,
WAL), then the median of 20 ``picture(store, as_of)`` calls at random dates.

    python bench/fuse.py [--sizes 10000,100000,1000000] [--events 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from frontlens.fuse.dedup import Links, SourceInfo
from frontlens.fuse.events import claim_from_row, fuse_control
from frontlens.fuse.picture import build_states, picture
from frontlens.model import ControlEvent, SourceDuplicate
from frontlens.store import schema
from frontlens.store.db import Store

LETTERS = "ABCDEF"
START = date(2022, 3, 1)


def mentions(n: int, seed: int = 7) -> tuple[list[ControlEvent], dict[str, SourceInfo], Links]:
    """n ControlEvent records (built without validation: generation is not what is timed)."""
    rnd = random.Random(seed)
    n_places = max(50, n // 20)
    outlets = [f"outlet {i}" for i in range(max(30, n // 300))]
    letter = {o: rnd.choice(LETTERS) for o in outlets}
    sources: dict[str, SourceInfo] = {}
    dups: list[SourceDuplicate] = []
    recs: list[ControlEvent] = []
    i = 0
    while len(recs) < n:
        place = rnd.randrange(n_places)
        day = START + timedelta(days=rnd.randrange(700))
        action, ctrl = rnd.choice([("liberated", "UA"), ("captured", "RU"), ("held", "RU"),
                                   ("fighting", "unknown"), ("shelled", "unknown"),
                                   ("withdrew", "UA")])
        for _ in range(rnd.randint(1, 6)):
            i += 1
            outlet = rnd.choice(outlets)
            sid = f"src-{i:012d}"
            pub = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=rnd.randrange(
                48))
            sources[sid] = SourceInfo(id=sid, outlet=outlet, published_at=pub,
                                      letter=letter[outlet], media=rnd.random() < 0.1,
                                      side=rnd.choice(["UA", "RU", "unknown", "unknown"]))
            if rnd.random() < 0.1 and i > 1:
                dups.append(SourceDuplicate(source_id=sid, canonical_id=f"src-{i - 1:012d}",
                                            method="forward"))
            a, c = (("held", "RU") if rnd.random() < 0.05 and ctrl == "UA" else (action, ctrl))
            r = rnd.random()
            prec = "day" if r < 0.85 else "week" if r < 0.95 else "month" if r < 0.99 else None
            ev_day = day + timedelta(days=rnd.randint(-1, 1))
            recs.append(ControlEvent.model_construct(
                id=f"con-{i:012d}", source_id=sid, start=0, end=80, extractor="bench",
                extractor_version="0", place_id=f"gn:{place}", place_name=f"Place {place}",
                action=a, new_controller=c, claimed_by=rnd.choice(["UA", "RU", "unknown"]),
                claimant=None, event_date=ev_day if prec else None,
                time_precision=prec or "unknown", hedged=rnd.random() < 0.1))
            if len(recs) >= n:
                break
    return recs, sources, Links(dups)


def bench_fusion(sizes: list[int]) -> dict[int, float]:
    times: dict[int, float] = {}
    for n in sizes:
        recs, sources, links = mentions(n)
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        fused = fuse_control([claim_from_row(r) for r in recs], sources, links)
        dt = time.perf_counter() - t0
        gc.enable()
        times[n] = dt
        print(f"fusion {n:>9,} mentions: {dt:7.2f} s  ({n / dt:,.0f} mentions/s) → "
              f"{len(fused.events):,} events, {len(fused.evidence):,} evidence rows, "
              f"{len(fused.contradictions):,} contradiction pairs", flush=True)
        del recs, sources, links, fused
    for a, b in pairwise(sizes):
        print(f"ratio {b:,}/{a:,} mentions: time x{times[b] / times[a]:.1f} "
              f"(size x{b / a:.0f}; linear = x{b / a:.0f})")
    return times


def picture_events(n_events: int, n_places: int, seed: int = 11) -> list[dict[str, Any]]:
    """Graded control events: places changing hands every 1–14 days from START."""
    rnd = random.Random(seed)
    per_place = n_events // n_places
    events = []
    for p in range(n_places):
        day = START
        ctrl = rnd.choice(["UA", "RU"])
        for k in range(per_place):
            day += timedelta(days=rnd.randint(1, 14))
            ctrl = ctrl if rnd.random() < 0.6 else ("RU" if ctrl == "UA" else "UA")
            action = "held" if rnd.random() < 0.5 else ("liberated" if ctrl == "UA"
                                                           else "captured")
            digit = rnd.randint(1, 4)
            events.append({
                "id": f"ev-{p:05d}-{k:03d}", "kind": "control", "place_id": f"gn:{p}",
                "place_name": f"Place {p}", "new_controller": ctrl, "action": action,
                "first_date": day, "last_date": day, "grade": f"{rnd.choice('ABCDEF')}{digit}",
                "credibility": digit, "score": round(rnd.random(), 3),
                "explanation": {"place_key": f"gn:{p}"},
            })
    return events


def bench_picture(n_events: int, n_places: int = 5000, queries: int = 20) -> None:
    events = picture_events(n_events, n_places)
    rnd = random.Random(12)
    t0 = time.perf_counter()
    states = build_states(events, {e["id"]: [f"src-{e['id']}"] for e in events})
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        with store.transaction() as conn:
            for i in range(0, len(states), 5000):
                conn.execute(schema.control_states.insert(), states[i : i + 5000])
        t_write = time.perf_counter() - t0
        last = max(e["first_date"] for e in events)
        days = [START + timedelta(days=rnd.randrange((last - START).days)) for _ in range(queries)]
        n_states = len(states)
        del events, states  # a server does not hold the build's objects: keep GC scans honest
        gc.collect()
        picture(store, days[0])  # warm the page cache, as a running server would be
        lat, sizes = [], []
        for d in days:
            t0 = time.perf_counter()
            rows = picture(store, d)
            lat.append(time.perf_counter() - t0)
            sizes.append(len(rows))
        store.close()
    print(f"picture: {n_events:,} events over {n_places:,} places → {n_states:,} states "
          f"(build {t_build:.2f} s, write {t_write:.2f} s); as-of query median "
          f"{statistics.median(lat) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms over "
          f"{queries} dates, median {statistics.median(sizes):,.0f} places returned")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--events", type=int, default=100_000)
    args = ap.parse_args()
    bench_fusion([int(x) for x in args.sizes.split(",")])
    bench_picture(args.events)


if __name__ == "__main__":
    main()
