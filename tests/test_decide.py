"""The learned decision layer: model arithmetic, candidates from cues and rules, the change of
hands decided by side and country, and deterministic training from a corpus slice."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from frontlens.extract import decide as dc
from frontlens.extract.doc import Doc, PlaceMention
from frontlens.extract.pipeline import run_components
from frontlens.extract.theatre import keep_in_theatre
from frontlens.model import ControlEvent, Place

ROOT = Path(__file__).resolve().parents[1]


def test_binary_model_gives_the_logistic_of_the_summed_weights() -> None:
    m = dc.Model("t", ["0", "1"], {"a": 0, "b": 1}, [[2.0, -1.0]], [0.0])
    p = m.proba(["a", "b", "unknown feature"])["1"]
    assert p == pytest.approx(1 / (1 + 2.718281828 ** -1.0), rel=1e-6)
    assert dc.Model.from_json(m.to_json()).proba(["a"]) == m.proba(["a"])


def test_multiclass_model_probabilities_sum_to_one() -> None:
    m = dc.Model("t", ["RU", "UA", "unknown"], {"x": 0},
                 [[1.0], [0.0], [-1.0]], [0.0, 0.5, 0.0])
    p = m.proba(["x"])
    assert sum(p.values()) == pytest.approx(1.0)
    assert max(p, key=p.__getitem__) == "RU"


def test_control_bars_follow_the_document_language_and_fall_back_to_the_shared_pair() -> None:
    m = dc.Model("control", ["0", "1"], {}, [[]], [0.0], threshold=0.8,
                 meta={"threshold_rule": 0.1, "bars_by_lang": {"ru": [0.5, 0.0]}})
    assert dc.control_bars(m, "ru") == (0.5, 0.0)
    assert dc.control_bars(m, "en") == (0.8, 0.1)
    assert dc.control_bars(m, None) == (0.8, 0.1)


def test_every_pack_with_a_pipeline_has_decision_cues() -> None:
    for lang in ("en", "uk", "ru"):
        c = dc.cues(lang)
        assert set(c.actions) == set(dc.ACTIONS)
        assert {"UA", "RU"} <= set(c.sides)
        assert {"denied", "hypothetical", "recalled"} <= set(c.status)


def _doc(text: str, lang: str, places: dict[str, tuple[str, str]]) -> Doc:
    doc = Doc(text, lang=lang, source_id="s")
    doc.user["decide"] = False
    doc = run_components(doc)
    doc.places = []
    for surface, (name, country) in places.items():
        k = text.index(surface)
        doc.places.append(PlaceMention(k, k + len(surface), surface, "settlement",
                                       Place(id=f"t:{name}", name=name, country=country,
                                             lat=48.0, lon=37.0)))
    return doc


def test_a_capture_verb_proposes_one_change_of_hands_candidate() -> None:
    doc = _doc("Russian troops captured the village of Pobeda on Monday.", "en",
               {"Pobeda": ("Pobeda", "UA")})
    cands = [c for c in dc.control_candidates(doc) if c.place.name == "Pobeda"]
    take = [c for c in cands if c.action == dc.TAKE]
    assert len(take) == 1
    assert "take|cue=captur" in take[0].feats
    assert all(c.action not in ("liberated", "captured") for c in cands)


def test_change_of_hands_is_liberation_when_the_home_side_takes_it_back() -> None:
    ua = PlaceMention(0, 5, "Izium", "settlement", Place(id="a", name="Izium", country="UA"))
    ru = PlaceMention(0, 6, "Sudzha", "settlement", Place(id="b", name="Sudzha", country="RU"))
    assert dc.take_action("UA", ua, None) == "liberated"
    assert dc.take_action("RU", ua, None) == "captured"
    assert dc.take_action("UA", ru, None) == "captured"
    assert dc.take_action("RU", ru, None) == "liberated"


def test_without_models_the_rules_output_is_kept() -> None:
    doc = _doc("Ukrainian forces liberated Balakliia.", "en",
               {"Balakliia": ("Balakliia", "UA")})
    doc.records.append(ControlEvent(source_id="s", start=0, end=36, extractor="t",
                                    extractor_version="0", place_name="Balakliia",
                                    action="liberated", new_controller="UA"))
    before = list(doc.records)
    assert dc.apply_models(doc, {}).records == before


def test_training_is_deterministic_on_a_corpus_slice(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = (ROOT / "corpus" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    (corpus / "train.jsonl").write_text("\n".join(lines[:24]) + "\n", encoding="utf-8")
    (corpus / "dev.jsonl").write_text("\n".join(lines[24:32]) + "\n", encoding="utf-8")
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py"), "--corpus",
                        str(corpus), "--out", str(out)], check=True, capture_output=True)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(out.glob("*.json"))})
    assert digests[0] == digests[1]
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert set(manifest["use_learned"]) == {"place", "control", "actor", "status", "statement",
                                            "statement_side", "equipment_side"}


def test_back_under_a_sides_control_names_the_new_holder() -> None:
    from datetime import UTC, datetime

    from frontlens.extract.pipeline import RuleExtractor
    from frontlens.model import Source

    src = Source(kind="text", origin="t", language="en",
                 published_at=datetime(2022, 9, 14, tzinfo=UTC),
                 text="Summary: Volokhiv Yar and Izium back under Ukrainian control, per Kyiv.")
    (res,) = RuleExtractor().extract([src])
    claims = [(r.place_name, r.action, r.new_controller) for r in res.records
              if isinstance(r, ControlEvent) and r.action in ("captured", "liberated")]
    assert claims and all(nc == "UA" and a == "liberated" for _, a, nc in claims), claims


def _trigger(doc: Doc, place: str) -> tuple[dc.Sentence, dc.Candidate]:
    sents = dc.sentences(doc)
    cand = next(c for c in dc.control_candidates(doc, sents)
                if c.place.name == place and c.action == dc.TAKE)
    return sents[cand.sent], cand


def test_the_grammatical_subject_of_a_capture_verb_names_the_taker() -> None:
    doc = _doc("Seven months into war, Ukraine regains Kharkiv, raises flags on towns occupied "
               "by Russia", "en", {"Kharkiv": ("Kharkiv", "UA")})
    st, cand = _trigger(doc, "Kharkiv")
    assert dc.subject_side(doc, st, cand.trigger, cand.place) == "UA"
    doc = _doc("Russian forces pressing their slow advance through eastern Ukraine have captured "
               "the village of Sichneve.", "en", {"Sichneve": ("Sichneve", "UA")})
    st, cand = _trigger(doc, "Sichneve")
    assert dc.subject_side(doc, st, cand.trigger, cand.place) == "RU"


def test_a_subject_that_contains_the_place_is_not_the_taker() -> None:
    doc = _doc("Russia says Ukrainian city of Bakhmut captured", "en",
               {"Bakhmut": ("Bakhmut", "UA")})
    st, cand = _trigger(doc, "Bakhmut")
    assert dc.subject_side(doc, st, cand.trigger, cand.place) is None


def test_a_negated_change_of_hands_is_a_denial_not_an_event() -> None:
    doc = _doc("The Russian military no longer has full control of Kharkiv, the second-largest "
               "city.", "en", {"Kharkiv": ("Kharkiv", "UA")})
    st, cand = _trigger(doc, "Kharkiv")
    assert dc.negated_cue(st, cand.trigger, "en")
    # prefix cues must not count: "now" is no "no", "неудачный" no "не"
    doc = _doc("Russian forces were now in control of Pobeda.", "en",
               {"Pobeda": ("Pobeda", "UA")})
    st, cand = _trigger(doc, "Pobeda")
    assert not dc.negated_cue(st, cand.trigger, "en")
    doc = _doc("Окупанти не захопили Кринки.", "uk", {"Кринки": ("Krynky", "UA")})
    st, cand = _trigger(doc, "Krynky")
    assert dc.negated_cue(st, cand.trigger, "uk")


def test_a_russian_none_of_before_the_cue_is_a_denial() -> None:
    doc = _doc("Никакого освобождения Купянска не было, заявили в штабе.", "ru",
               {"Купянска": ("Kupiansk", "UA")})
    st, cand = _trigger(doc, "Kupiansk")
    assert dc.negated_cue(st, cand.trigger, "ru")


def test_a_capture_whose_patient_is_a_vehicle_is_no_claim_about_the_place() -> None:
    doc = _doc("A third tank, a T-72B3, was captured at a farm outside Balakliia on Thursday.",
               "en", {"Balakliia": ("Balakliia", "UA")})
    st, cand = _trigger(doc, "Balakliia")
    assert dc.equipment_patient(doc, st, cand.trigger, cand.place)
    assert "take|equipment_patient" in cand.feats
    # the place is the verb's nearer object: the town was taken, the tanks with it
    doc = _doc("Ukrainian troops captured Balakliia and two T-72B3 tanks on Thursday.", "en",
               {"Balakliia": ("Balakliia", "UA")})
    st, cand = _trigger(doc, "Balakliia")
    assert not dc.equipment_patient(doc, st, cand.trigger, cand.place)



def test_place_features_see_a_name_in_its_own_quotes_and_the_word_class() -> None:
    doc = _doc("Прибув штурмовий полк «Скеля», а Українська армія відійшла.", "uk",
               {"Скеля": ("Skelia", "UA"), "Українська": ("Ukrainsk", "UA")})
    st = dc.sentences(doc)[0]
    unit, adj = sorted(st.places, key=lambda p: p.start)
    assert "own_quotes" in dc.place_features(doc, st, unit, set())
    assert "own_quotes" not in dc.place_features(doc, st, adj, set())
    assert "can_be=ADJF" in dc.place_features(doc, st, adj, set())


def test_an_abandoned_vehicle_near_a_town_is_no_withdrawal_from_it() -> None:
    doc = _doc("Photographs show a 2S6M Tunguska abandoned near Izium.", "en",
               {"Izium": ("Izium", "UA")})
    scored = dc.score_candidates(doc, dc.load_models())
    assert not [s for s in scored if s.event.place_name == "Izium"
                and s.event.action == "withdrew"], scored


def test_people_taken_from_a_town_are_no_capture_of_it() -> None:
    doc = _doc("Some residents of Kupiansk had been taken across the border to Belgorod region.",
               "en", {"Kupiansk": ("Kupiansk", "UA")})
    st, cand = _trigger(doc, "Kupiansk")
    assert dc.person_patient(doc, st, cand.trigger)
    scored = dc.score_candidates(doc, dc.load_models())
    assert not [s for s in scored if s.event.place_name == "Kupiansk"
                and s.event.action in ("captured", "liberated")], scored
    # the town itself taken: still a claim
    doc = _doc("Russian forces have taken Kupiansk after weeks of fighting.", "en",
               {"Kupiansk": ("Kupiansk", "UA")})
    st, cand = _trigger(doc, "Kupiansk")
    assert not dc.person_patient(doc, st, cand.trigger)


def _far_namesake_doc(action: str, alts: list[Place]) -> Doc:
    text = "Российские войска освободили город Красноармейск."
    k = text.index("Красноармейск")
    wrong = Place(id="gn:saratov-krasnoarmeysk", name="Krasnoarmeysk", country="RU",
                  admin1="Saratov", lat=51.02, lon=45.70, population=24_000)
    doc = Doc(text, lang="ru", source_id="s")
    doc.places = [PlaceMention(k, k + 13, "Красноармейск", "settlement", place=wrong,
                               candidates=[wrong, *alts])]
    doc.records = [ControlEvent(source_id="s", start=0, end=len(text), extractor="t",
                                extractor_version="0",
                                place_id=wrong.id, place_name=wrong.name, action=action)]
    return doc


def test_a_control_claim_resolved_outside_the_theatre_moves_to_the_namesake_inside_it() -> None:
    pokrovsk = Place(id="gn:pokrovsk", name="Pokrovsk", country="UA", admin1="Donetsk Oblast",
                     lat=48.28, lon=37.18, population=60_000)
    doc = keep_in_theatre(_far_namesake_doc("captured", [pokrovsk]))
    (ev,) = [r for r in doc.records if isinstance(r, ControlEvent)]
    assert (ev.place_id, ev.place_name) == ("gn:pokrovsk", "Pokrovsk")
    assert doc.places[0].place == pokrovsk  # the mention moves with its claim


def test_a_control_claim_outside_the_theatre_with_no_namesake_inside_is_dropped() -> None:
    doc = keep_in_theatre(_far_namesake_doc("captured", []))
    assert not [r for r in doc.records if isinstance(r, ControlEvent)]
    assert any("outside the theatre" in n and "Krasnoarmeysk" in n for n in doc.notes)
    # a strike may reach far: shelling keeps a city of 100,000, not a town of 24,000
    assert not [r for r in keep_in_theatre(_far_namesake_doc("shelled", [])).records
                if isinstance(r, ControlEvent)]
    doc = _far_namesake_doc("shelled", [])
    doc.places[0].place = doc.places[0].place.model_copy(update={"population": 830_000})
    kept = keep_in_theatre(doc)
    assert [r.action for r in kept.records if isinstance(r, ControlEvent)] == ["shelled"]


def test_under_control_with_no_side_named_gets_no_holder_from_the_model() -> None:
    """The actor model's prior would name a holder the text does not; fusion reads it from
    who says it (tests/test_fuse.py)."""
    doc = _doc("Ситуация в Балаклее под контролем. Провокационным сообщениям не верьте.", "ru",
               {"Балаклее": ("Balakliia", "UA")})
    held = [s.event for s in dc.score_candidates(doc, dc.load_models())
            if s.event.action == "held"]
    assert held and all(e.new_controller == "unknown" for e in held)
    doc = _doc("Балаклея под контролем ВСУ.", "ru", {"Балаклея": ("Balakliia", "UA")})
    held = [s.event for s in dc.score_candidates(doc, dc.load_models())
            if s.event.action == "held"]
    assert held and all(e.new_controller == "UA" for e in held)


def test_a_change_of_hands_with_no_side_named_puts_no_holder_from_the_prior() -> None:
    """With no side word in the sentence or the one before, the actor model answers with its
    prior (a coin toss between the sides): the claim keeps its action and names no holder."""
    doc = _doc("Після Балаклії підрозділи рухаються на схід. За неофіційною інформацією, під "
               "контроль перейшли Шевченкове та Волохів Яр.", "uk",
               {"Шевченкове": ("Shevchenkove", "UA"), "Балаклії": ("Balakliia", "UA")})
    evs = [s.event for s in dc.score_candidates(doc, dc.load_models())
           if s.event.place_name == "Shevchenkove" and s.event.action in ("captured",
                                                                            "liberated")]
    assert [e.new_controller for e in evs if e.action == "captured"] == ["unknown"]
    doc = _doc("Українські військові взяли під контроль Шевченкове.", "uk",
               {"Шевченкове": ("Shevchenkove", "UA")})
    evs = [s.event for s in dc.score_candidates(doc, dc.load_models())
           if s.event.place_name == "Shevchenkove" and s.event.action in ("captured",
                                                                            "liberated")]
    assert evs and all(e.new_controller == "UA" for e in evs)


def test_the_theatre_rule_holds_without_the_decision_layer_and_in_every_pipeline() -> None:
    """The rules alone (``--rules-only``) and packs without ``decide`` keep claims in the
    theatre too: it is its own step after ``control``."""
    text = "Ukrainian forces liberated Moscow on Friday, the general staff said."
    doc = Doc(text, lang="en", source_id="s")
    doc.user["decide"] = False
    doc = run_components(doc)
    assert not [r for r in doc.records if isinstance(r, ControlEvent)]
    assert any("Moscow" in n and "outside the theatre" in n for n in doc.notes)
    from frontlens.extract.pipeline import pipeline_config

    for lang, names in pipeline_config().items():
        if "control" in names:
            assert "theatre" in names[names.index("control"):], lang
            assert names.index("theatre") > max(names.index(n) for n in ("control", "decide")
                                                if n in names), lang
