"""The evaluation details issue 9 asks for: per-action scores, attribute accuracy on matched
claims, speaker precision, and non-places resolved to coordinates. Records are built by hand so
the scorers alone are pinned."""

from __future__ import annotations

from datetime import date

from frontlens.evaluate import control, places, statements
from frontlens.evaluate.picture import in_theatre
from frontlens.extract.doc import Doc, PlaceMention
from frontlens.model import ControlEvent, Place, Statement

TEXT = "Russian troops captured Avdiivka on 17 February. Iskander struck Kharkiv."


def _event(place: str, action: str, **kw: object) -> ControlEvent:
    return ControlEvent(source_id="s", start=0, end=48, extractor="t", extractor_version="0",
                        place_name=place, action=action, **kw)  # type: ignore[arg-type]


def test_control_detail_reports_per_action_and_attributes_on_matches() -> None:
    doc = Doc(TEXT, lang="en", source_id="s")
    doc.records = [
        _event("Avdiivka", "captured", new_controller="RU", actor="RU", status="new",
               event_date=date(2024, 2, 17), date_source="text"),
        _event("Kharkiv", "shelled", actor="UA"),
    ]
    gold = {"id": "d", "gold": {"control_claims": [
        {"place_surface": "Avdiivka", "place": "Avdiivka", "action": "captured", "actor": "RU",
         "new_controller": "RU", "status": "new", "date": "2024-02-17"},
        {"place_surface": "Kharkiv", "place": "Kharkiv", "action": "liberated", "actor": "UA",
         "new_controller": "UA", "status": "recalled"},
    ]}}
    d = control.detail(control.score_control(gold, doc))
    assert d["per_action"]["captured"] == {"precision": 1.0, "recall": 1.0, "n_gold": 1,
                                           "n_pred": 1}
    assert d["per_action"]["shelled"]["precision"] == 0.0
    assert d["per_action"]["liberated"]["recall"] == 0.0
    assert d["recall_change_of_hands"] == 0.5
    assert d["new_controller_accuracy"] == d["actor_accuracy"] == d["status_accuracy"] == 1.0
    assert d["event_date_accuracy"] == 1.0


def test_a_publication_date_never_counts_as_the_event_date() -> None:
    doc = Doc(TEXT, lang="en", source_id="s")
    doc.records = [_event("Avdiivka", "captured", event_date=date(2024, 2, 17),
                          date_source="publication")]
    gold = {"id": "d", "gold": {"control_claims": [
        {"place_surface": "Avdiivka", "place": "Avdiivka", "action": "captured",
         "date": "2024-02-17"}]}}
    assert control.detail(control.score_control(gold, doc))["event_date_accuracy"] == 0.0


def test_a_weapon_resolved_as_a_town_is_counted_apart() -> None:
    doc = Doc(TEXT, lang="en", source_id="s")
    k = TEXT.index("Iskander")
    h = TEXT.index("Kharkiv")
    doc.places = [
        PlaceMention(k, k + 8, "Iskander", "settlement",
                     Place(id="g:1", name="Iskandar", lat=41.5, lon=69.7)),
        PlaceMention(h, h + 7, "Kharkiv", "settlement",
                     Place(id="g:2", name="Kharkiv", lat=50.0, lon=36.2)),
    ]
    gold = {"id": "d", "gold": {
        "places": [{"surface": "Kharkiv", "kind": "settlement", "mentions": [[h, h + 7]],
                    "lat": 50.0, "lon": 36.2}],
        "non_places": [{"surface": "Iskander", "kind": "weapon"}]}}
    sc, _ = places.score_places(gold, doc)
    d = places.detail(sc)
    assert d["weapons_as_places"] == 1
    assert d["resolved_precision"] == 0.5


def test_speaker_precision_counts_a_place_named_as_speaker() -> None:
    text = 'Kupiansk said: "We hold the line." Syrskyi said: "We hold the bridge."'
    doc = Doc(text, lang="en", source_id="s")
    q1, q2 = text.index("We hold the line"), text.index("We hold the bridge")
    doc.records = [
        Statement(source_id="s", start=0, end=34, extractor="t", extractor_version="0",
                  speaker="Kupiansk", quote="We hold the line", quote_start=q1,
                  quote_end=q1 + 16),
        Statement(source_id="s", start=35, end=len(text), extractor="t",
                  extractor_version="0", speaker="Oleksandr Syrskyi",
                  quote="We hold the bridge", quote_start=q2, quote_end=q2 + 18),
    ]
    gold = {"id": "d", "gold": {"statements": [
        {"speaker": "Oleksandr Syrskyi", "text": "We hold the line", "is_direct_quote": True},
        {"speaker": "Oleksandr Syrskyi", "text": "We hold the bridge", "is_direct_quote": True},
    ]}}
    d = statements.detail(statements.score_statements(gold, doc))
    assert d["speaker_precision"] == 0.5


def test_theatre_is_ukraine_and_the_russian_border_oblasts() -> None:
    assert in_theatre("UA", "Kharkiv Oblast")
    assert in_theatre("RU", "Kursk") and in_theatre("RU", "Belgorod Oblast")
    assert not in_theatre("RU", "Moscow") and not in_theatre("UZ", None)


def test_eval_picture_scores_stated_settlements_against_the_layer_of_each_day(tmp_path) -> None:
    import json

    from frontlens.evaluate.picture import eval_picture

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "p1", "date": "2022-09-08", "lang": "en", "gold": {},
        "text": "Ukrainian forces liberated Balakliia in Kharkiv Oblast on Thursday, the "
                "General Staff said."}) + "\n", encoding="utf-8")
    maps_dir = tmp_path / "maps"
    maps_dir.mkdir()
    # an occupied square far from Balakliia: the town itself is unfilled, i.e. Ukrainian-held
    square = [[[38.0, 48.0], [38.5, 48.0], [38.5, 48.5], [38.0, 48.5], [38.0, 48.0]]]
    (maps_dir / "deepstate_2022-09-10.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"name": "Occupied", "fill": "#a52714"},
            "geometry": {"type": "Polygon", "coordinates": square}}]}), encoding="utf-8")
    report = eval_picture([gold], maps_dir)
    assert report["layer_days"] == 1
    assert report["pairs"] == 1 and report["agreement"] == 1.0
    assert report["n_outside_theatre"] == 0
