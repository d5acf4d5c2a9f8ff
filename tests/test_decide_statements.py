"""The learned statement and equipment decisions: speaker features (a place as speaker, NER
label, shape), side features, equipment ownership cues, and how the models are applied."""

from __future__ import annotations

from frontlens.extract import decide as dc
from frontlens.extract.doc import Doc, EntitySpan, PlaceMention
from frontlens.model import EquipmentLoss, Place, Statement


def _stmt(text: str, speaker: str | None, quote: str, **kw: object) -> Statement:
    k = text.index(quote)
    return Statement(source_id="s", start=0, end=len(text), extractor="t", extractor_version="0",
                     speaker=speaker, quote=quote, quote_start=k, quote_end=k + len(quote),
                     **kw)  # type: ignore[arg-type]


def _place(text: str, surface: str, name: str) -> PlaceMention:
    k = text.index(surface)
    return PlaceMention(k, k + len(surface), surface, "settlement",
                        Place(id=f"t:{name}", name=name, country="UA", lat=49.9, lon=37.3))


UK = "Біля Великого Бурлука заявили, що обстріли тривають."


def test_a_place_name_as_speaker_is_flagged() -> None:
    doc = Doc(UK, lang="uk", source_id="s", sents=[(0, len(UK))])
    doc.places = [_place(UK, "Великого Бурлука", "Velykyi Burluk")]
    r = _stmt(UK, "Великого Бурлука", "обстріли тривають", cue="заявили", direct=False)
    f = dc.statement_features(doc, r, 0, 1)
    assert "spk_place" in f and "spk_place|uk" in f
    assert "spk_words=2" in f and "spk_caps=all" in f
    assert "direct=False" in f and "cue=заявил" in f and "role=no" in f
    assert "pos=first" in f and "first_sentence" in f


EN = "\"We will hold the line,\" Zelensky said on 12 May."


def test_a_person_speaker_has_its_ner_label_and_side_cue() -> None:
    doc = Doc(EN, lang="en", source_id="s", sents=[(0, len(EN))])
    k = EN.index("Zelensky")
    doc.ents = [EntitySpan(k, k + 8, "PER", "Zelensky")]
    r = _stmt(EN, "Zelensky", "We will hold the line", cue="said")
    f = dc.statement_features(doc, r, 3, 4)
    assert "spk_ent=PER" in f and "spk_place" not in f
    assert "spk_side=UA" in f and "pos=later" in f and "n_stmts=4" in f
    assert "spk_before_quote" not in f
    date = _stmt(EN, "12 May", "We will hold the line", cue="said")
    g = dc.statement_features(doc, date, 0, 1)
    assert "spk_digit" in g and "spk_date" in g and "spk_ent=none" in g
    assert "no_speaker" in dc.statement_features(doc, _stmt(EN, None, "We will hold"), 0, 1)


def test_side_features_read_speaker_role_and_sentence() -> None:
    text = "Russia's defence ministry said its forces had taken Vesele."
    doc = Doc(text, lang="en", source_id="s", sents=[(0, len(text))])
    r = _stmt(text, "Russian Defence Ministry", "its forces had taken Vesele", side="RU",
              role="defence ministry")
    f = dc.statement_side_features(doc, r)
    assert "spk_side=RU" in f and "sent_side=RU" in f and "rule_side=RU" in f
    assert "w=russia" in f and "role=yes" in f


def _eq(doc: Doc, surface: str, fate: str, side: str = "RU") -> EquipmentLoss:
    k = doc.text.index(surface)
    r = EquipmentLoss(source_id="s", start=0, end=len(doc.text), extractor="t",
                      extractor_version="0", catalog_type=surface, model_text=surface,
                      category="IFV", side=side, fate=fate)  # type: ignore[arg-type]
    doc.user.setdefault("equipment", []).append(
        {"record_id": r.id, "model": surface, "fate_raw": fate,
         "mentions": [(k, k + len(surface))]})
    return r


def test_equipment_side_features_see_the_captor_cue_and_the_origin() -> None:
    text = "A Russian BMP-2 was captured by Ukrainian troops."
    doc = Doc(text, lang="en", source_id="s", sents=[(0, len(text))])
    r = _eq(doc, "BMP-2", "captured")
    f = dc.equipment_side_features(doc, r)
    assert "side_after_cap=UA" in f and "side_after_cap=RU" not in f
    assert "side_pre=RU" in f and "side_post=UA" in f and "cap_cue_post" in f
    assert "origin=soviet" in f and "fate=captured" in f and "lang=en" in f


def test_equipment_cues_exist_in_every_pack() -> None:
    for lang in ("en", "uk", "ru"):
        assert {"captured", "abandoned"} <= set(dc.cues(lang).equipment)


def test_statement_model_drops_and_side_models_set_sides() -> None:
    doc = Doc(UK, lang="uk", source_id="s", sents=[(0, len(UK))])
    doc.places = [_place(UK, "Великого Бурлука", "Velykyi Burluk")]
    bad = _stmt(UK, "Великого Бурлука", "обстріли тривають", cue="заявили")
    good = _stmt(UK, "Генштаб", "обстріли тривають", cue="заявили")
    eq_text = UK + " Знищено БМП-2."
    doc.text = eq_text
    eq = _eq(doc, "БМП-2", "destroyed", side="unknown")
    doc.records = [bad, good, eq]
    keep = dc.Model("statement", ["0", "1"], {"spk_place": 0}, [[-10.0]], [2.0])
    side = dc.Model("statement_side", ["RU", "UA", "unknown"], {"lang=uk": 0},
                    [[0.0], [3.0], [0.0]], [0.0, 0.0, 0.0])
    owner = dc.Model("equipment_side", ["RU", "UA", "unknown"], {"fate=destroyed": 0},
                     [[3.0], [0.0], [0.0]], [0.0, 0.0, 0.0])
    out = dc.apply_statements(doc, {"statement": keep, "statement_side": side,
                                    "equipment_side": owner})
    stmts = [r for r in out.records if isinstance(r, Statement)]
    assert [s.speaker for s in stmts] == ["Генштаб"] and stmts[0].side == "UA"
    eqs = [r for r in out.records if isinstance(r, EquipmentLoss)]
    assert eqs[0].side == "RU" and eqs[0].id == eq.id  # the scorer's fate lookup keeps working


def test_without_statement_models_records_are_untouched() -> None:
    doc = Doc(EN, lang="en", source_id="s", sents=[(0, len(EN))])
    doc.records = [_stmt(EN, "Zelensky", "We will hold the line")]
    before = list(doc.records)
    assert dc.apply_statements(doc, {}).records == before
