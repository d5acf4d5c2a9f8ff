"""``frontlens eval-picture``: the fused as-of picture against control-map layers.

The gold documents are ingested, extracted and fused as ``frontlens`` would (their gold is not
used: only the texts and publication dates). Then, on every day that has a control-map layer,
each settlement the picture states as held by UA or RU is looked up in that day's layer:

- agreement = (settlement, day) pairs whose layer status matches the stated controller, over
  all pairs stated on layer days. ``UA`` matches a point that is not RU-held (DeepState leaves
  Ukrainian-held land unfilled; a grey-zone point does not match); ``RU`` matches an occupied
  point. Settlements without coordinates, regions and countries are left out of the pairs
  (regions are counted apart: the map's dots are settlements);
- ``outside_theatre``: settlements the picture states anywhere outside Ukraine and the Russian
  oblasts that border it (Bryansk, Kursk, Belgorod, Voronezh, Rostov), each listed with the
  sentence that put it there, so a reader can tell a text about fighting there from an error.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from frontlens.config import get_settings
from frontlens.evaluate.fusion import build_store
from frontlens.evaluate.news import load_gold
from frontlens.fuse import maps
from frontlens.fuse.picture import picture_states
from frontlens.ingest import ingest_inputs
from frontlens.resolve.gazetteer import default_gazetteer
from frontlens.resolve.theatre import in_theatre


def eval_picture(paths: list[Path], maps_dir: Path, month: str | None = None
                 ) -> dict[str, Any]:
    """``month`` (YYYY-MM) keeps only the documents published in that month."""
    golds = [g for p in paths for g in load_gold(p)
             if month is None or str(g.get("date") or "").startswith(month)]
    with tempfile.TemporaryDirectory() as tmp:
        store, _, report = build_store(golds, Path(tmp))
        ingest_inputs(store, [str(p) for p in sorted(maps_dir.glob("*.geojson"))],
                      get_settings(db=store.url))
        layers = [x for x in maps.list_layers(store) if x.layer_date is not None]
        states = picture_states(store)
        gaz = default_gazetteer()
        places = gaz.get_many({s["place_id"] for s in states if s["place_id"]})
        settlements = [s for s in states if s["place_id"] in places
                       and places[s["place_id"]].fclass == "settlement"
                       and s["lat"] is not None and s["lon"] is not None]
        regions = {s["place"] for s in states if s["place_id"] in places
                   and places[s["place_id"]].fclass != "settlement"}
        outside = []
        for s in settlements:
            c = places[s["place_id"]]
            if not in_theatre(c.country, c.admin1):
                outside.append({"place": s["place"], "place_id": s["place_id"],
                                "country": c.country, "admin1": c.admin1,
                                "controller": s["controller"], "since": str(s["since"]),
                                "sources": s["sources"][:3]})
        agree = total = 0
        per_controller: Counter[str] = Counter()
        per_controller_agree: Counter[str] = Counter()
        disagreements = []
        for layer in layers:
            day = layer.layer_date
            assert day is not None
            live = [s for s in settlements if s["controller"] in ("UA", "RU")
                    and s["since"] <= day and (s["until"] is None or s["until"] > day)]
            if not live:
                continue
            lonlat = np.array([[s["lon"], s["lat"]] for s in live], dtype=float)
            statuses = maps.layer_status_at(store, layer, lonlat[:, 0], lonlat[:, 1])
            for s, status in zip(live, statuses, strict=True):
                if status == maps.OUTSIDE:
                    continue
                ok = (status in maps.RU_HELD if s["controller"] == "RU"
                      else status in maps.UA_HELD)
                total += 1
                agree += ok
                per_controller[s["controller"]] += 1
                per_controller_agree[s["controller"]] += ok
                if not ok:
                    disagreements.append({"day": day.isoformat(), "place": s["place"],
                                          "stated": s["controller"], "map": str(status),
                                          "since": str(s["since"])})
        store.close()
    return {
        "n_docs": len(golds),
        "month": month,
        "layer_days": len(layers),
        "pairs": total,
        "agree": agree,
        "agreement": round(agree / total, 4) if total else None,
        "per_controller": {k: {"pairs": v, "agree": per_controller_agree[k]}
                           for k, v in sorted(per_controller.items())},
        "settlements_stated": len({s["place_id"] for s in settlements}),
        "regions_stated": sorted(regions),
        "outside_theatre": outside,
        "n_outside_theatre": len(outside),
        "disagreements": disagreements,
        "fusion": {"events": report.events, "records": report.records},
        "rules": (__doc__ or "").strip(),
    }


def summary(report: dict[str, Any]) -> str:
    """A few lines a person can act on (the JSON has every pair)."""
    lines = [f"{report['n_docs']} documents, {report['layer_days']} layer days, "
             f"{report['settlements_stated']} settlements stated"]
    if report["agreement"] is None:
        lines.append("no (settlement, day) pair to compare: no stated control on a layer day")
    else:
        lines.append(f"agreement with the map: {report['agreement']:.3f} "
                     f"({report['agree']} of {report['pairs']} settlement-days)")
        for k, v in report["per_controller"].items():
            lines.append(f"  stated {k}: {v['agree']} of {v['pairs']} agree")
    lines.append(f"settlements outside Ukraine and the Russian border oblasts: "
                 f"{report['n_outside_theatre']}")
    for o in report["outside_theatre"][:10]:
        lines.append(f"  {o['place']} ({o['country']}/{o['admin1']}) {o['controller']} "
                     f"since {o['since']}")
    if report["regions_stated"]:
        lines.append(f"regions stated (not compared): {', '.join(report['regions_stated'][:10])}")
    by_place = Counter(d["place"] for d in report["disagreements"])
    if by_place:
        lines.append("most days in disagreement: " + ", ".join(
            f"{p} ({n})" for p, n in by_place.most_common(8)))
    return "\n".join(lines)
