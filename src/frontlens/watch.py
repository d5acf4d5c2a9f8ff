"""Live mode: follow feeds, URLs and folders, and keep the picture current.

Each cycle ingests what is new among the listed inputs, extracts the new sources and fuses
incrementally (:mod:`frontlens.fuse.incremental`), then reports one status line. Files (a
folder is walked, so a new Telegram export dropped into it is found) are read again only when
their size or modification time changed since they were last read by this process; a file
still being written (modified within ``settle`` seconds) waits for the next cycle. URLs —
feeds or pages — are fetched every cycle, through the ingest fetcher and its limits; nothing
else is ever requested. Ingest is idempotent, so a restart re-reads everything once and
stores nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from frontlens.config import Settings
from frontlens.ingest.base import IngestError
from frontlens.ingest.pipeline import InputReport, expand, ingest_inputs
from frontlens.store.db import Store


@dataclass
class CycleReport:
    """What one cycle did, for the status line (and tests)."""

    number: int
    started: datetime
    inputs: int = 0  # files and URLs read this cycle
    added: int = 0  # sources (and other records) stored
    errors: list[str] = field(default_factory=list)
    extracted: int = 0
    fusion: str = ""
    places: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.started:%Y-%m-%dT%H:%M:%SZ} cycle {self.number}: {self.inputs} inputs "
                f"read, {self.added} records added, {len(self.errors)} errors, "
                f"{self.extracted} sources extracted, fusion {self.fusion or 'skipped'} "
                f"({self.places} places recomputed), {self.seconds:.1f} s")


@dataclass
class Watcher:
    """Follows ``inputs`` (paths and http(s) URLs) into ``store``; :meth:`cycle` runs once."""

    store: Store
    inputs: list[str]
    settings: Settings
    settle: float = 2.0
    log: Callable[[str], None] = print
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    _cycles: int = 0

    def _due(self) -> list[str]:
        """The URLs, and the files that are new or changed and no longer being written."""
        due: list[str] = []
        now = time.time()
        for raw in expand(self.inputs):
            if isinstance(raw, IngestError):
                due.append(raw.origin)  # reported by ingest as missing
                continue
            if raw.path is None:
                due.append(raw.origin)
                continue
            try:
                st = raw.path.stat()
            except OSError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if self._seen.get(raw.origin) == sig or now - st.st_mtime < self.settle:
                continue
            due.append(raw.origin)
        return due

    def cycle(self) -> CycleReport:
        from frontlens.extract.pipeline import run_extract
        from frontlens.fuse.picture import run_fusion

        self._cycles += 1
        t0 = time.perf_counter()
        rep = CycleReport(self._cycles, datetime.now(UTC))
        due = self._due()
        sigs = {o: _signature(o) for o in due}

        def on_input(r: InputReport) -> None:
            rep.inputs += 1
            rep.added += r.added
            if r.error:
                rep.errors.append(r.error)
            rep.errors.extend(r.item_errors)

        if due:
            ingest_inputs(self.store, due, self.settings, on_input=on_input)
        for origin, sig in sigs.items():
            if sig is not None:
                self._seen[origin] = sig
        if rep.added or rep.number == 1:
            x = run_extract(self.store)
            rep.extracted = x.processed
            rep.errors.extend(x.problems)
        if rep.added or rep.extracted or rep.number == 1:
            f = run_fusion(self.store)
            rep.fusion = f.mode
            rep.places = f.recomputed.get("places", 0)
        rep.seconds = time.perf_counter() - t0
        for e in rep.errors:
            self.log(f"error: {e}")
        self.log(rep.line())
        return rep

    def run(self, interval: float, cycles: int | None = None) -> None:
        """Cycle every ``interval`` seconds (from the start of one to the next) until
        interrupted, or ``cycles`` times."""
        n = 0
        while cycles is None or n < cycles:
            started = time.monotonic()
            self.cycle()
            n += 1
            if cycles is not None and n >= cycles:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _signature(origin: str) -> tuple[int, int] | None:
    p = Path(origin)
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if p.is_file() else None
