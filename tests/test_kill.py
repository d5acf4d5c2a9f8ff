"""Fault injection: ``frontlens ingest``, ``extract`` and ``fuse`` SIGKILLed at random (seeded)
points on the bundled sample, as a crash, an OOM kill or a pulled plug would stop them.

After every kill: SQLite's integrity and foreign-key checks pass; nothing is half-stored (an
input's sources all there or none, an extraction run with exactly its records, a picture either
absent or whole, no orphan rows, every cited original on disk); the interrupted command then
reruns to completion, and the finished database has the same counts (``stats --json``), the same
ids and the same as-of picture as an uninterrupted run.

``FRONTLENS_KILL_TRIALS`` trials per command (a few here; ``make fuzz`` runs more),
``FRONTLENS_KILL_SEED`` the seed, ``FRONTLENS_KILL_REPORT`` a JSON file for the figures.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE

from frontlens.fuse.picture import picture
from frontlens.store.db import Store

TRIALS = int(os.environ.get("FRONTLENS_KILL_TRIALS", "2"))
SEED = int(os.environ.get("FRONTLENS_KILL_SEED", "11"))
REPORT = os.environ.get("FRONTLENS_KILL_REPORT")
STEPS: dict[str, list[str]] = {
    "ingest": ["ingest", str(SAMPLE)],
    "extract": ["extract", "--batch-size", "8"],  # small batches: more commits to land between
    "fuse": ["fuse"],
}
AS_OF = [date(2022, 9, 8), date(2022, 9, 12), date(2022, 9, 15)]
EXTRACTED = ["mentions", "statements", "control_events", "equipment_losses", "area_claims"]
FUSED = ["events", "event_evidence", "contradictions", "source_duplicates", "control_states",
         "fusion_state"]
CLI = "import sys\nfrom frontlens.cli import run\nsys.argv = ['frontlens', *sys.argv[1:]]\nrun()\n"


@dataclass
class KillFigures:
    trials: dict[str, int] = field(default_factory=dict)
    killed_mid_run: dict[str, int] = field(default_factory=dict)
    left_partial: dict[str, int] = field(default_factory=dict)  # killed between two commits
    survived: dict[str, int] = field(default_factory=dict)
    kill_after_s: dict[str, list[float]] = field(default_factory=dict)


FIGURES = KillFigures()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps(FIGURES.__dict__, indent=2) + "\n")


def frontlens(db: Path, args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real command to completion; a traceback or an unexpected exit fails the test."""
    proc = subprocess.run([sys.executable, "-c", CLI, "--db", f"sqlite:///{db}", *args],
                          capture_output=True, text=True, timeout=timeout, env=_env(db))
    assert proc.returncode == 0, (args, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "FRONTLENS_EVIDENCE_DIR": str(db.parent / "evidence")}


@dataclass
class Picture:
    counts: dict[str, int]
    ids: dict[str, set[str]]
    as_of: list[list[dict[str, Any]]]


def finished_state(db: Path) -> Picture:
    """What an uninterrupted run is compared on: every table's count (what ``stats --json``
    prints), the content-derived ids of sources, records and events, and the as-of picture."""
    with Store(f"sqlite:///{db}") as store:
        counts = store.counts()
        rows = [json.loads(json.dumps(picture(store, d), default=str)) for d in AS_OF]
    con = sqlite3.connect(db)
    try:
        ids = {t: {r[0] for r in con.execute(f'SELECT id FROM "{t}"')}
               for t in ["sources", *EXTRACTED, "events", "contradictions", "control_states"]}
    finally:
        con.close()
    return Picture(counts, ids, rows)


@dataclass
class Baseline:
    root: Path
    after: dict[str, Path]  # the database as each step left it (a copy)
    seconds: dict[str, float]
    startup: float  # interpreter and import time: no kill point before it
    final: Picture
    sources_per_origin: dict[str, int]
    records_per_source: dict[str, set[str]]
    fused_counts: dict[str, int]


def _copy_db(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", dst_dir / f"fl.db{suffix}")
    if (src.parent / "evidence").exists():
        shutil.copytree(src.parent / "evidence", dst_dir / "evidence", dirs_exist_ok=True)
    return dst_dir / "fl.db"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """The uninterrupted run, step by step, timed (the kill windows) and snapshotted."""
    root = tmp_path_factory.mktemp("kill")
    db = root / "base" / "fl.db"
    db.parent.mkdir()
    after: dict[str, Path] = {"start": _copy_db(db, root / "start")}
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, "--help"], capture_output=True, check=True)
    startup = time.perf_counter() - t0
    for step, args in STEPS.items():
        t0 = time.perf_counter()
        frontlens(db, args)
        seconds[step] = time.perf_counter() - t0
        after[step] = _copy_db(db, root / f"after-{step}")
    con = sqlite3.connect(db)
    try:
        per_origin = dict(con.execute("SELECT origin, count(*) FROM sources GROUP BY origin"))
        records: dict[str, set[str]] = {}
        for t in EXTRACTED:
            for sid, rid in con.execute(f"SELECT source_id, id FROM {t}"):
                records.setdefault(sid, set()).add(rid)
        fused = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in FUSED}
    finally:
        con.close()
    final = finished_state(db)
    assert final.counts["sources"] > 50 and final.counts["events"] > 50 and final.as_of[1]
    return Baseline(root, after, seconds, startup, final, per_origin, records, fused)


def _one(con: sqlite3.Connection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def check_consistent(db: Path, base: Baseline) -> None:
    """Integrity, no orphans and nothing half-stored, right after a kill."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "sources" not in tables:
            # killed while a fresh store was being created: nothing can be stored yet, and the
            # rerun (checked by the caller) must create the schema itself
            assert tables <= {"alembic_version"}, tables
            return
        for t in [*EXTRACTED, "extractions"]:
            assert _one(con, f"SELECT count(*) FROM {t} WHERE source_id NOT IN "
                             "(SELECT id FROM sources)") == 0, f"{t} rows without their source"
        for t in EXTRACTED:
            assert _one(con, f"SELECT count(*) FROM {t} r WHERE NOT EXISTS (SELECT 1 FROM "
                             "extractions e WHERE e.source_id = r.source_id AND "
                             "e.extractor = r.extractor)") == 0, f"{t} without extraction run"
        counted = " + ".join(f"(SELECT count(*) FROM {t} r WHERE r.source_id = e.source_id "
                             "AND r.extractor = e.extractor)" for t in EXTRACTED)
        assert _one(con, f"SELECT count(*) FROM extractions e WHERE n_records != {counted}") \
            == 0, "an extraction run with part of its records"
        # an input is all or nothing: each origin has all its sources or none
        per_origin = dict(con.execute("SELECT origin, count(*) FROM sources GROUP BY origin"))
        assert {o: n for o, n in per_origin.items() if n != base.sources_per_origin.get(o)} == {}
        # each extracted source has exactly the records an uninterrupted run gives it
        stored: dict[str, set[str]] = {}
        for t in EXTRACTED:
            for sid, rid in con.execute(f"SELECT source_id, id FROM {t}"):
                stored.setdefault(sid, set()).add(rid)
        for (sid,) in con.execute("SELECT source_id FROM extractions"):
            assert stored.get(sid, set()) == base.records_per_source.get(sid, set()), sid
        assert _one(con, "SELECT count(*) FROM map_features WHERE layer_id NOT IN "
                         "(SELECT id FROM map_layers)") == 0
        assert _one(con, "SELECT count(*) FROM map_layers l WHERE feature_count != (SELECT "
                         "count(*) FROM map_features f WHERE f.layer_id = l.id)") == 0
        assert _one(con, "SELECT count(*) FROM sources WHERE json_extract(meta, "
                         "'$.evidence.sha256') NOT IN (SELECT sha256 FROM evidence)") == 0
        for (sha,) in con.execute("SELECT sha256 FROM evidence"):
            assert (db.parent / "evidence" / sha[:2] / sha).is_file(), f"original {sha} missing"
        # the picture is all or nothing too: no fusion table half-written
        fused = {t: _one(con, f"SELECT count(*) FROM {t}") for t in FUSED}
        assert fused in ({t: 0 for t in FUSED}, base.fused_counts), fused
        assert _one(con, "SELECT count(*) FROM event_evidence WHERE event_id NOT IN "
                         "(SELECT id FROM events)") == 0
    finally:
        con.close()


PROGRESS = {"ingest": "sources", "extract": "extractions", "fuse": "events"}


def progress(db: Path, step: str) -> int:
    """How far ``step`` got: rows of the table it fills (0 on a database not yet created)."""
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        return _one(con, f"SELECT count(*) FROM {PROGRESS[step]}")
    except sqlite3.OperationalError:  # killed before it created the tables
        return 0
    finally:
        con.close()


def kill_at_random_point(db: Path, step: str, rng: random.Random, base: Baseline) -> bool:
    """Start ``step``, SIGKILL it after a random part of its uninterrupted run time; True when
    it was still running (killed mid-run), False when it had already finished."""
    delay = rng.uniform(base.startup * 0.8, base.seconds[step] * 1.05)
    proc = subprocess.Popen([sys.executable, "-c", CLI, "--db", f"sqlite:///{db}",
                             *STEPS[step]], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=_env(db))
    time.sleep(delay)
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    if not running:
        assert proc.returncode == 0 and b"Traceback" not in stderr, stderr[-2000:]
    FIGURES.kill_after_s.setdefault(step, []).append(round(delay, 2))
    return running


@pytest.mark.parametrize("step", list(STEPS))
def test_sigkill_at_random_points_leaves_a_consistent_store_and_a_rerun_converges(
        baseline: Baseline, tmp_path: Path, step: str) -> None:
    rng = random.Random(f"{SEED}-{step}")
    before = list(STEPS)[list(STEPS).index(step) - 1] if step != "ingest" else "start"
    for trial in range(TRIALS):
        db = _copy_db(baseline.after[before], tmp_path / f"t{trial}")
        start = progress(db, step)
        killed = kill_at_random_point(db, step, rng, baseline)
        FIGURES.trials[step] = FIGURES.trials.get(step, 0) + 1
        FIGURES.killed_mid_run[step] = FIGURES.killed_mid_run.get(step, 0) + killed
        check_consistent(db, baseline)
        done = baseline.final.counts[PROGRESS[step]]
        FIGURES.left_partial[step] = FIGURES.left_partial.get(step, 0) + (
            start < progress(db, step) < done)
        for rest in list(STEPS)[list(STEPS).index(step):]:  # rerun, then what follows
            frontlens(db, STEPS[rest])
        check_consistent(db, baseline)
        final = finished_state(db)
        assert final.counts == baseline.final.counts
        assert final.ids == baseline.final.ids
        assert final.as_of == baseline.final.as_of
        frontlens(db, ["evidence", "verify"])
        FIGURES.survived[step] = FIGURES.survived.get(step, 0) + 1
    assert FIGURES.survived[step] == TRIALS
