"""The progress line of long runs (`extract`, `ingest`): rate and ETA."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from frontlens.cli import RateEtaColumn, rate_eta


def test_rate_and_eta_are_read_as_a_person_would_say_them() -> None:
    assert rate_eta(12.5, 3125, "docs") == "12.5 docs/s, ETA 0:04:10"
    assert rate_eta(0.2, 3000, "docs") == "0.2 docs/s, ETA 4:10:00"
    assert rate_eta(None, 3000, "docs").startswith("– docs/s")  # before two batches
    assert rate_eta(1500.0, None, "records") == "1,500.0 records/s"  # no total: no ETA


def test_model_loading_before_the_first_batch_does_not_lower_the_rate() -> None:
    """15 s of loading, then a batch of 10 every 2 s: 5 docs/s, 70 left → 14 s."""
    now = [0.0]
    col = RateEtaColumn("docs")
    with Progress(col, console=Console(file=io.StringIO(), force_terminal=True),
                  get_time=lambda: now[0]) as progress:
        task = progress.add_task("loading models, then the first batch…", total=100)
        assert "ETA –" in str(col.render(progress.tasks[0]))
        for t in (15.0, 17.0, 19.0):
            now[0] = t
            progress.update(task, advance=10)
        assert str(col.render(progress.tasks[0])) == "5.0 docs/s, ETA 0:00:14"
        other = progress.add_task("records", total=None, unit="records")
        for t in (20.0, 21.0):
            now[0] = t
            progress.update(other, advance=50)
        assert str(col.render(progress.tasks[1])) == "50.0 records/s"
