"""Cross-document event fusion against the news gold: pairwise precision and recall.

The gold annotates control claims per document, not events across documents, so the gold
"same event" relation is derived: two claims from different documents describe the same event
when they name the same place (normalised as the control scorer does) with the same action.
The gold documents are ingested as sources (publication date from the gold), extracted and
fused exactly as ``frontlens extract`` and ``frontlens fuse`` would; each gold claim is linked
to the predicted record the control scorer matches it with, and that record to its fused event.

Pairwise scores are over pairs of matched claims from different documents:
precision = pairs in one fused event that the gold also pairs / pairs in one fused event;
recall = pairs the gold pairs that are in one fused event / pairs the gold pairs.
Claims the extractor missed are counted (``n_unmatched``) but cannot take part in pairs.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlalchemy import select

from frontlens.evaluate.control import match_claims, norm_name
from frontlens.evaluate.news import doc_for, load_gold
from frontlens.extract.pipeline import ExtractionResult, RuleExtractor
from frontlens.fuse.picture import FusionReport, run_fusion
from frontlens.model import Source
from frontlens.store import schema
from frontlens.store.db import Store


def _source(gold: dict[str, Any]) -> Source:
    day = gold.get("date")
    published = (datetime.fromisoformat(day).replace(tzinfo=UTC)
                 if day and len(str(day)) == 10 else None)
    return Source(kind="article", origin=f"gold:{gold['id']}", external_id=str(gold["id"]),
                  outlet=gold.get("source"), title=gold.get("title"), url=gold.get("url"),
                  language=gold.get("lang") or doc_for(gold).lang, published_at=published,
                  text=gold["text"])


def build_store(golds: list[dict[str, Any]], tmp: Path
                ) -> tuple[Store, list[ExtractionResult], FusionReport]:
    """Gold documents ingested, extracted and fused in a throwaway SQLite store under ``tmp``,
    exactly as ``frontlens ingest / extract / fuse`` would."""
    sources = [_source(g) for g in golds]
    store = Store(f"sqlite:///{tmp / 'fusion-eval.db'}")
    with store.transaction() as conn:
        store.insert_new(conn, sources)
    results = list(RuleExtractor().extract(sources))
    with store.transaction() as conn:
        for res in results:
            store.replace_extraction(conn, res.run, res.records)
    return store, results, run_fusion(store)


def eval_fusion(paths: list[Path], maps_dir: Path | None = None) -> dict[str, Any]:
    """Pairwise fusion scores; with ``maps_dir`` (control-map GeoJSON layers) also the share of
    extracted control claims the map agrees with on their day or the following 3 days."""
    golds = [g for p in paths for g in load_gold(p)]
    with tempfile.TemporaryDirectory() as tmp:
        store, results, report = build_store(golds, Path(tmp))
        agreement = _map_agreement(store, maps_dir) if maps_dir else None
        ev = schema.event_evidence
        with store.engine.connect() as conn:
            event_of = {r.record_id: r.event_id for r in conn.execute(
                select(ev.c.record_id, ev.c.event_id).where(ev.c.role == "supporting"))}
        store.close()
    items: list[tuple[str, tuple[str, str], str | None]] = []
    unmatched = 0
    for gold, res in zip(golds, results, strict=True):
        if res.doc is None:
            unmatched += len(gold.get("gold", {}).get("control_claims", []))
            continue
        matched, missed, _ = match_claims(gold, res.doc)
        unmatched += len(missed)
        for claim, pred in matched:
            key = (norm_name(claim.get("place") or claim.get("place_surface") or ""),
                   claim["action"])
            items.append((str(gold["id"]), key, event_of.get(pred.id)))
    tp = gold_pairs = pred_pairs = 0
    for (d1, k1, e1), (d2, k2, e2) in combinations(items, 2):
        if d1 == d2:
            continue
        same_gold = k1 == k2
        same_pred = e1 is not None and e1 == e2
        gold_pairs += same_gold
        pred_pairs += same_pred
        tp += same_gold and same_pred
    p = tp / pred_pairs if pred_pairs else 0.0
    r = tp / gold_pairs if gold_pairs else 0.0
    return {
        "pairwise": {"precision": round(p, 4), "recall": round(r, 4),
                     "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                     "gold_pairs": gold_pairs, "pred_pairs": pred_pairs, "true_pairs": tp},
        "n_claims_matched": len(items),
        "n_claims_unmatched": unmatched,
        "n_docs": len(golds),
        "fusion": {"events": report.events, "records": report.records},
        "map_agreement": agreement,
        "rules": (__doc__ or "").strip(),
    }


def _map_agreement(store: Store, maps_dir: Path) -> dict[str, Any]:
    from frontlens.config import Settings
    from frontlens.fuse import maps
    from frontlens.ingest import ingest_inputs
    from frontlens.model import ControlEvent

    ingest_inputs(store, [str(p) for p in sorted(maps_dir.glob("*.geojson"))],
                  Settings(db=store.url))
    events = store.list_records(ControlEvent, limit=1_000_000)
    stats = maps.agreement_stats(maps.cross_check(store, events, horizon_days=3))
    return {"n_claims": stats.n_events, "n_checked": stats.n_checked, "n_agree": stats.n_agree,
            "share_agree": stats.share_agree, "verdicts": stats.verdicts,
            "per_action": stats.per_action}
