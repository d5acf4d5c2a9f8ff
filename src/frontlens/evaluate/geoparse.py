"""GeoWebNews (Gritta et al. 2020) evaluation: toponym recognition and geocoding.

Gold toponyms are the 2,401 GeoNames-labelled spans of ``gwn_full.txt`` (the geocoding labels
the EUPEG figures in PEER_NUMBERS.md are computed on). Metrics, as in those tables:
- recognition P/R/F: a predicted span is a true positive when (start, end) equals a gold span;
- geocoding on the true positives: acc@161km, mean and median error (km) and the AUC of the
  sorted log(1 + error) curve normalised by log(20,039 km) (Gritta et al. 2018; lower is better).
``gold_toponyms`` feeds the gold spans to the resolver (recognition is then perfect, and a
toponym the gazetteer cannot resolve counts as a 20,039 km error; ``acc_161km_resolvable`` is
the same on the spans the gazetteer has a candidate for, and ``acc_161km_ceiling`` the share
of spans that have one: the most any resolver could reach on this gazetteer). ``peers`` scores
the bundled Edinburgh / EMM / Yahoo! outputs with the same code. ``*_all_types`` keys give
recognition against every annotated toponym span of GWN.xml (TOPONYM_TYPES), not only
GeoNames-labelled ones.
"""

from __future__ import annotations

import contextlib
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from frontlens.extract.doc import COMPONENTS, Doc
from frontlens.extract.places import find_places
from frontlens.resolve.gazetteer import default_gazetteer, haversine_km
from frontlens.resolve.geocode import Pending, resolve

MAX_KM = 20039.0
Span = tuple[int, int]
GeoPoint = tuple[float, float]


TOPONYM_TYPES = {"Literal", "Literal_Modifier", "Mixed", "Metonymic", "Non_Literal_Modifier",
                 "Demonym", "Homonym", "Language", "Coercion", "Embedded_Literal",
                 "Embedded_Non_Lit"}
"""Annotated types that are toponym spans (the *_Expression types wrap a whole phrase and
Non_Toponym marks a false friend), for the secondary all-types recognition score."""


def read_gwn(xml_path: Path) -> dict[str, str]:
    """Article file id → text."""
    root = ET.parse(xml_path).getroot()
    return {a.get("file", ""): (a.findtext("text") or "") for a in root.iter("article")}


def read_xml_toponyms(xml_path: Path) -> dict[str, set[Span]]:
    """Article file id → spans of every annotated toponym of a TOPONYM_TYPES type."""
    root = ET.parse(xml_path).getroot()
    out: dict[str, set[Span]] = {}
    for a in root.iter("article"):
        spans = set()
        for t in a.iter("toponym"):
            if t.findtext("type") in TOPONYM_TYPES:
                try:
                    spans.add((int(t.findtext("start") or ""), int(t.findtext("end") or "")))
                except ValueError:
                    continue
        out[a.get("file", "")] = spans
    return out


def recognition_all_types(xml_spans: list[set[Span]], pred: list[set[Span]]
                          ) -> dict[str, float]:
    tp = sum(len(g & p) for g, p in zip(xml_spans, pred, strict=True))
    npred = sum(len(p) for p in pred)
    ngold = sum(len(g) for g in xml_spans)
    prec, rec = (tp / npred if npred else 0.0), (tp / ngold if ngold else 0.0)
    return {"precision_all_types": round(prec, 4), "recall_all_types": round(rec, 4),
            "f1_all_types": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0}


def read_lines(path: Path) -> list[dict[Span, tuple[str, GeoPoint | None]]]:
    """``name,,mention,,lat,,lon,,start,,end`` entries joined by ``||``, one line per article.

    Peer files may carry extra leading fields, so the last five fields are used.
    """
    out = []
    for line in path.read_text(encoding="utf-8").rstrip("\n").split("\n"):
        arts: dict[Span, tuple[str, GeoPoint | None]] = {}
        for entry in line.strip().split("||"):
            f = entry.split(",,")
            if len(f) < 5:
                continue
            mention, lat, lon, s, e = f[-5:]
            try:
                pt: GeoPoint | None = (float(lat), float(lon))
            except ValueError:
                pt = None
            try:
                arts[(int(s), int(e))] = (mention, pt)
            except ValueError:
                continue
        out.append(arts)
    return out


def _align(texts: dict[str, str], gold: list[dict[Span, tuple[str, GeoPoint | None]]]
           ) -> list[str]:
    """Gold lines follow the XML's article order (file ids are not contiguous)."""
    order = list(texts)
    bad = sum(1 for g, fid in zip(gold, order, strict=False)
              for (s, e), (m, _) in g.items() if texts[fid][s:e] != m)
    if bad > 20:
        raise ValueError(f"gwn_full.txt does not align with GWN.xml ({bad} mismatches)")
    return order[: len(gold)]


def auc(errors: list[float]) -> float:
    """Area under the sorted log-error curve, normalised to [0, 1] (Gritta et al. 2018)."""
    import math

    if len(errors) < 2:
        return 0.0
    ys = sorted(math.log(e + 1) for e in errors)
    area = sum((ys[i] + ys[i + 1]) / 2 for i in range(len(ys) - 1))
    return area / (math.log(MAX_KM) * (len(ys) - 1))


def metrics(gold: list[dict[Span, tuple[str, GeoPoint | None]]],
            pred: list[dict[Span, tuple[str, GeoPoint | None]]]) -> dict[str, Any]:
    tp = fp = fn = 0
    errs: list[float] = []
    for g, p in zip(gold, pred, strict=False):
        hits = set(g) & set(p)
        tp += len(hits)
        fp += len(set(p) - hits)
        fn += len(set(g) - hits)
        for span in hits:
            gp, pp = g[span][1], p[span][1]
            if gp is None:
                continue
            errs.append(haversine_km(*gp, *pp) if pp else MAX_KM)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(prec, 4), "recall": round(rec, 4),
        "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
        "acc_161km": round(sum(e <= 161 for e in errs) / len(errs), 4) if errs else None,
        "mean_km": round(statistics.fmean(errs), 1) if errs else None,
        "median_km": round(statistics.median(errs), 1) if errs else None,
        "auc": round(auc(errs), 4), "n": len(errs), "tp": tp, "fp": fp, "fn": fn,
    }


def _end_to_end(text: str, use_ner: bool) -> dict[Span, tuple[str, GeoPoint | None]]:
    doc = Doc(text=text, lang="en")
    if "sentences" in COMPONENTS:
        doc = COMPONENTS["sentences"](doc)
    if use_ner and "ner.en" in COMPONENTS:
        doc = COMPONENTS["ner.en"](doc)
    out: dict[Span, tuple[str, GeoPoint | None]] = {}
    for m in find_places(doc, demonyms=True):
        p = m.place
        pt = (p.lat, p.lon) if p and p.lat is not None and p.lon is not None else None
        out[(m.start, m.end)] = (m.surface, pt)
    return out


def _gold_resolve(gold: dict[Span, tuple[str, GeoPoint | None]], text: str
                  ) -> dict[Span, tuple[str, GeoPoint | None]]:
    gaz = default_gazetteer()
    pend = [Pending(s, e, m, gaz.lookup(m, demonyms=True), strong=True) for (s, e), (m, _) in
            sorted(gold.items())]
    war = any(w in text for w in ("Ukrain", "Russia", "Kyiv", "Kremlin"))
    resolve(pend, "en", war_focus=war)
    out: dict[Span, tuple[str, GeoPoint | None]] = {}
    for p in pend:
        b = p.best
        pt = (b.lat, b.lon) if b and b.lat is not None and b.lon is not None else None
        out[(p.start, p.end)] = (p.surface, pt)
    return out


def eval_geoparse(path: str | Path, use_ner: bool = True) -> dict[str, Any]:
    """Score frontlens and the bundled peers on GeoWebNews (``path``: the GeoWebNews folder
    or its GWN.xml)."""
    import frontlens.extract.sentences

    with contextlib.suppress(Exception):  # NER components are optional
        import frontlens.extract.ner  # noqa: F401
    root = Path(path)
    if root.is_file():
        root = root.parent
    texts = read_gwn(root / "GWN.xml")
    gold = read_lines(root / "gwn_full.txt")
    order = _align(texts, gold)
    e2e = [_end_to_end(texts[fid], use_ner) for fid in order]
    gt = [_gold_resolve(g, texts[fid]) for g, fid in zip(gold, order, strict=True)]
    xml = read_xml_toponyms(root / "GWN.xml")
    xml_spans = [xml.get(fid, set()) for fid in order]
    peers = {}
    for name in ("edin", "emm", "yahoo"):
        f = root / "system_outputs" / "geocoding" / f"gwn_{name}.txt"
        if f.exists():
            out = read_lines(f)
            peers[name] = metrics(gold, out) | recognition_all_types(
                xml_spans, [set(p) for p in out] + [set()] * (len(xml_spans) - len(out)))
    e2e_m = metrics(gold, e2e) | recognition_all_types(xml_spans, [set(p) for p in e2e])
    gt_m = metrics(gold, gt)
    resolvable = [{k: v for k, v in g.items() if gaz_knows(v[0])} for g in gold]
    gt_m["acc_161km_resolvable"] = metrics(resolvable, gt)["acc_161km"]
    gt_m["n_resolvable"] = sum(len(g) for g in resolvable)
    n_geo = sum(1 for g in gold for _, pt in g.values() if pt is not None)
    n_geo_res = sum(1 for g in resolvable for _, pt in g.values() if pt is not None)
    # the best any resolver could do on this gazetteer: spans without a candidate are errors
    gt_m["acc_161km_ceiling"] = round(n_geo_res / n_geo, 4) if n_geo else None
    return {"end_to_end": e2e_m, "gold_toponyms": gt_m, "peers": peers}


def gaz_knows(mention: str) -> bool:
    """Whether the gazetteer has any candidate for this surface (coverage, not correctness)."""
    return bool(default_gazetteer().lookup(mention, demonyms=True))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(eval_geoparse(sys.argv[1] if len(sys.argv) > 1 else
                                   "/work/shared/data/geoparse/GeoWebNews"), indent=1))
