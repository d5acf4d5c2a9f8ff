"""The extraction stage as a whole: incremental runs, versioning, provenance, bad input."""

from __future__ import annotations

import pytest

from frontlens.extract import pipeline
from frontlens.extract.doc import COMPONENTS, EXTRACTOR_NAME
from frontlens.extract.pipeline import RuleExtractor, choose_language, run_extract
from frontlens.model import EXTRACTED_TYPES, ControlEvent, Extraction, Source
from frontlens.store.db import TABLES, Store

SEED = (
    "Ukrainian President Volodymyr Zelenskyy celebrated the liberation of the city of "
    "Balakliia on Friday. Russian occupational troops have withdrawn from the town, a "
    "Russian-installed official said. Ukraine has retaken more than 1,000 square kilometers."
)


def _src(text: str, language: str | None = "en", **kw: object) -> Source:
    return Source(kind="text", origin="test", text=text, language=language, **kw)  # type: ignore[arg-type]


def _store_sources(store: Store, sources: list[Source]) -> None:
    with store.transaction() as conn:
        store.insert_new(conn, sources)


def _runs(store: Store) -> dict[str, Extraction]:
    from sqlalchemy import select

    t = TABLES[Extraction]
    with store.engine.connect() as conn:
        return {r.source_id: Extraction.model_validate(dict(r._mapping))
                for r in conn.execute(select(t))}


def test_every_record_points_inside_its_source_text() -> None:
    src = _src(SEED)
    [res] = RuleExtractor().extract([src])
    assert res.run.status == "ok" and res.records
    for rec in res.records:
        assert rec.source_id == src.id
        assert 0 <= rec.start < rec.end <= len(src.text)
        assert rec.extractor == EXTRACTOR_NAME and rec.extractor_version


def test_seed_sentence_yields_a_liberation_of_balakliia() -> None:
    [res] = RuleExtractor().extract([_src(SEED)])
    events = [r for r in res.records if isinstance(r, ControlEvent)]
    assert any(e.action == "liberated" and "Balakliia" in e.place_name for e in events)


def test_extract_is_incremental_and_a_version_bump_replaces_records(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_sources(store, [_src(SEED), _src("Russian forces shelled Kharkiv overnight.")])
    first = run_extract(store)
    assert first.processed == 2 and first.records > 0
    counts = store.counts()
    assert run_extract(store).processed == 0  # nothing new
    monkeypatch.setattr(RuleExtractor, "version", "999.0")
    again = run_extract(store)
    assert again.processed == 2
    assert store.counts() == counts  # replaced, not duplicated
    assert {r.version for r in _runs(store).values()} == {"999.0"}


def test_sources_without_letters_are_skipped_with_the_reason(store: Store) -> None:
    _store_sources(store, [_src("12345 !!! 67", None), _src("🇺🇦🔥💥🙏", None), _src(SEED)])
    report = run_extract(store)
    assert report.by_status == {"skipped": 2, "ok": 1}
    reasons = {r.reason for r in _runs(store).values() if r.status == "skipped"}
    assert reasons == {"no letters in text"}


def test_a_language_without_a_pack_is_skipped_not_read_as_english() -> None:
    lang, status, reason = choose_language(
        _src("Les forces ukrainiennes ont repris la ville de Balakliia vendredi.", "fr"))
    assert (lang, status, reason) == (None, "skipped", "unsupported language 'fr'")
    lang, status, _ = choose_language(_src("Войска вошли в город Балаклея.", None))
    assert (lang, status) == ("ru", "ok")


@pytest.mark.parametrize(
    "text",
    [
        "Balakliia " * 110_000,  # about 1 MB on one line, no sentence ends
        "Українські війська увійшли в Balakliia; Russian troops withdrew з Ізюма. 🇺🇦",
        "<div class='x'>&nbsp;Russian troops <b>withdrew</b> from Izium</div> &amp; [img]",
    ],
    ids=["one-megabyte-line", "mixed-scripts", "markup-remnants"],
)
def test_awkward_text_is_processed_without_crashing(text: str) -> None:
    [res] = RuleExtractor().extract([_src(text, None)])
    assert res.run.status in ("ok", "fallback")
    assert all(0 <= r.start <= r.end <= len(text) for r in res.records)


def test_a_failing_component_fails_only_its_source(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = COMPONENTS["control"]

    def flaky(doc):  # type: ignore[no-untyped-def]
        if "EXPLODE" in doc.text:
            raise RuntimeError("component bug")
        return real(doc)

    pipeline.load_components.cache_clear()
    monkeypatch.setitem(COMPONENTS, "control", flaky)
    try:
        _store_sources(store, [_src("EXPLODE near Izium."), _src(SEED)])
        report = run_extract(store)
    finally:
        pipeline.load_components.cache_clear()
    assert report.by_status == {"failed": 1, "ok": 1}
    failed = [r for r in _runs(store).values() if r.status == "failed"]
    assert failed[0].reason and "component bug" in failed[0].reason
    assert store.counts()["control_events"] >= 1


def test_worker_processes_give_the_same_records_as_one_process(sqlite_url: str,
                                                                tmp_path) -> None:  # type: ignore[no-untyped-def]
    sources = [_src(SEED), _src("Russian forces shelled Kharkiv overnight.", "en"),
               _src("ЗСУ звільнили Балаклію, заявив Зеленський.", "uk")]
    results = {}
    for workers in (1, 2):
        url = f"sqlite:///{tmp_path / f'w{workers}.db'}"
        with Store(url) as st:
            _store_sources(st, sources)
            run_extract(st, workers=workers, batch_size=1)
            results[workers] = {t.name: n for t, n in
                                ((TABLES[m], st.counts()[TABLES[m].name])
                                 for m in EXTRACTED_TYPES)}
    assert results[1] == results[2]


class _Echo:
    """A stand-in for a learned extractor: proves run_extract only needs the interface."""

    name = "echo-test"
    version = "1"

    def extract(self, sources):  # type: ignore[no-untyped-def]
        from frontlens.model import Mention

        for s in sources:
            rec = Mention(source_id=s.id, start=0, end=min(5, len(s.text)), extractor=self.name,
                          extractor_version=self.version, text=s.text[:5], type="place")
            run = Extraction(source_id=s.id, extractor=self.name, version=self.version,
                             status="ok", n_records=1)
            yield pipeline.ExtractionResult(run, [rec])


def test_another_extractor_plugs_in_beside_the_rules(store: Store) -> None:
    _store_sources(store, [_src(SEED)])
    assert run_extract(store, extractor=_Echo()).records == 1
    assert run_extract(store, extractor=_Echo()).processed == 0  # incremental per extractor
    assert run_extract(store).processed == 1  # the rule pipeline has its own bookkeeping


@pytest.mark.parametrize(("env", "expect"), [({}, "1"), ({"FRONTLENS_NATIVE_THREADS": "3"}, "3"),
                                             ({"OPENBLAS_NUM_THREADS": "2"}, "2"),
                                             ({"FRONTLENS_NATIVE_THREADS": "0"}, "None")])
def test_native_thread_pools_get_one_thread_per_process_unless_told(env: dict[str, str],
                                                                    expect: str) -> None:
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items()
             if not k.endswith(("_NUM_THREADS", "_MAXIMUM_THREADS"))
             and k != "FRONTLENS_NATIVE_THREADS"}
    out = subprocess.run([sys.executable, "-c", "import os, frontlens; "
                          "print(os.environ.get('OPENBLAS_NUM_THREADS'))"],
                         env={**clean, **env}, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expect


def test_extraction_workers_get_one_native_thread_even_after_numpy_loaded_first() -> None:
    """A program that imported numpy before frontlens has an OpenBLAS pool of one thread per
    core; ``extract --workers N``'s processes still run one (threadpoolctl in the worker's
    initializer), and the Dask worker path calls the same function."""
    import ast
    import os
    import subprocess
    import sys

    pytest.importorskip("threadpoolctl")
    script = """
import numpy  # first: OpenBLAS starts a pool sized to the machine
from threadpoolctl import threadpool_info
import frontlens.extract.pipeline as p
def probe(batch, *rest):
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
p._worker_extract = probe  # what the pool runs, resolved by name in the forked worker
print(list(p.extract_batches([[1], [2]], workers=2)))
"""
    clean = {k: v for k, v in os.environ.items()
             if not k.endswith(("_NUM_THREADS", "_MAXIMUM_THREADS"))
             and k != "FRONTLENS_NATIVE_THREADS"}
    out = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True,
                         text=True, check=True)
    got = ast.literal_eval(out.stdout.strip())  # the BLAS pool sizes of each worker
    assert len(got) == 2 and all(n == 1 for pools in got for n in pools), got
