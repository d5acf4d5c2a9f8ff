"""Behaviour of the ``statements`` component and its scorer on short synthetic texts.

No network: only the packaged spaCy / natasha / pymorphy3 models.
"""

from __future__ import annotations

import pytest

import frontlens.extract.ner
import frontlens.extract.sentences
import frontlens.extract.statements  # noqa: F401  (registers the component)
from frontlens.evaluate.statements import score_statements, speaker_match
from frontlens.extract.doc import COMPONENTS, Doc, Speaker
from frontlens.extract.statements import find_quotes, side_of
from frontlens.model import Statement


def run(text: str, lang: str = "en") -> Doc:
    doc = Doc(text=text, lang=lang, source_id="src-test")
    for name in ("sentences", f"ner.{lang}", "statements"):
        doc = COMPONENTS[name](doc)
    return doc


def stmts(doc: Doc) -> list[Statement]:
    return [r for r in doc.records if isinstance(r, Statement)]


def test_quote_pairing_handles_nesting_and_all_mark_styles() -> None:
    text = "A «outer «inner» end» b „lapki“ c “curly” d \"straight\" e"
    spans = [(text[q.start : q.end], q.depth) for q in find_quotes(text)]
    assert ("outer «inner» end", 0) in spans
    assert ("inner", 1) in spans
    assert ("lapki", 0) in spans and ("curly", 0) in spans and ("straight", 0) in spans


def test_quote_then_attribution_in_next_clause_is_direct() -> None:
    doc = run(
        "“Our units have pushed the enemy back from three villages near the river,” "
        "Oleksii Reznikov said on Monday."
    )
    [s] = stmts(doc)
    assert s.direct and (s.speaker or "").endswith("Reznikov") and s.cue == "said"
    assert doc.text[s.quote_start : s.quote_end] == s.quote
    assert s.quote.startswith("Our units") and s.quote.endswith("river")
    assert s.start <= s.quote_start and s.end >= doc.text.index("Monday")


def test_he_said_resolves_to_last_named_speaker_with_role_and_side() -> None:
    doc = run(
        "Ukraine's Defence Minister Oleksii Reznikov said that the counteroffensive was "
        "going to plan.\n"
        "“We are moving forward every single day in the east,” he said."
    )
    quotes = [s for s in stmts(doc) if s.direct]
    assert quotes and quotes[0].speaker == "Oleksii Reznikov"
    assert quotes[0].side == "UA"
    assert "Defence Minister" in (quotes[0].role or "")


def test_quote_continued_in_next_paragraph_keeps_speaker() -> None:
    doc = run(
        "“The enemy is retreating along the whole front line tonight,” Oleksii Reznikov said.\n\n"
        "“We will return every town and every village to Ukraine, without exception.”"
    )
    direct = [s for s in stmts(doc) if s.direct]
    assert len(direct) == 2
    assert {s.speaker for s in direct} == {"Oleksii Reznikov"}


def test_according_to_with_appositive_role_gives_side_and_against_interest() -> None:
    doc = run(
        "According to Ivan Petrov, the Russian-installed governor of the region, Ukrainian "
        "forces have taken two villages and Russian troops withdrew to new positions."
    )
    [s] = stmts(doc)
    assert s.speaker == "Ivan Petrov" and not s.direct and s.cue == "According to"
    assert "Russian-installed" in (s.role or "")
    assert s.side == "RU"
    assert s.against_interest
    assert s.quote.startswith("Ukrainian forces")


def test_claim_before_cue_and_inverted_speaker() -> None:
    doc = run(
        "Ukrainian forces established full control over the town, said deputy defence "
        "minister Hanna Malyar."
    )
    [s] = stmts(doc)
    assert s.speaker == "Hanna Malyar" and s.quote.endswith("the town") and not s.direct


def test_organisation_speaker_is_canonical_with_side() -> None:
    doc = run("Russia's defence ministry said its troops had been regrouped near the river.")
    [s] = stmts(doc)
    assert s.speaker == "Russian Ministry of Defence" and s.side == "RU"
    assert s.against_interest


def test_russian_yolochki_direct_quote_with_dash_cue() -> None:
    doc = run(
        "«Войска отведены на более выгодные рубежи для перегруппировки сил», — заявил "
        "официальный представитель Минобороны России Иван Петров.",
        "ru",
    )
    [s] = stmts(doc)
    assert s.direct and s.cue == "заявил"
    assert s.quote.startswith("Войска отведены")
    assert s.speaker == "Иван Петров" and s.side == "RU"
    assert s.against_interest


def test_ukrainian_reported_then_pronoun_quote() -> None:
    doc = run(
        "Речниця Генштабу ЗСУ Олена Коваленко повідомила, що ворог відступив від міста.\n"
        "«Наші підрозділи продовжують наступ на сході країни», — додала вона.",
        "uk",
    )
    got = stmts(doc)
    assert len(got) == 2
    reported, direct = got
    assert not reported.direct and reported.quote.startswith("ворог відступив")
    assert direct.direct and direct.cue == "додала"
    assert reported.speaker == direct.speaker == "Олена Коваленко"
    assert direct.side == "UA"
    assert not reported.against_interest  # the enemy retreating is no concession


def test_ukrainian_official_conceding_withdrawal_is_against_interest() -> None:
    doc = run(
        "За словами речника Генштабу ЗСУ Олени Коваленко, наші підрозділи відійшли з міста "
        "на більш вигідні позиції.",
        "uk",
    )
    [s] = stmts(doc)
    assert s.side == "UA" and s.against_interest and s.cue == "За словами"


def test_speakers_are_shared_for_other_components() -> None:
    doc = run("Oleksii Reznikov said that the enemy had lost two battalions near the river.")
    assert doc.user["speakers"] and isinstance(doc.user["speakers"][0], Speaker)
    assert doc.user["speakers"][0].name == "Oleksii Reznikov"


def test_side_keywords() -> None:
    assert side_of("Russian-installed regional leader of Kharkiv") == "RU"
    assert side_of("official of the Russian-controlled Donetsk People's Republic") == "RU"
    assert side_of("Ukraine's Defence Minister") == "UA"
    assert side_of("Pentagon spokesman") == "US"
    assert side_of("Institute for the Study of War") == "other"
    assert side_of("речник Генштабу ЗСУ") == "UA"


@pytest.mark.parametrize(
    ("gold", "speaker", "role", "ok"),
    [
        ({"speaker": "Sergei Ivanov", "role": "x"}, "Сергей Иванов", None, True),
        ({"speaker": None, "role": "Ukrainian military"}, None, "the Ukrainian military", True),
        ({"speaker": "Russian Ministry of Defence", "role": None}, "Russia’s defense ministry",
         None, True),
        ({"speaker": "Sergei Ivanov", "role": "governor"}, "Petro Kovalenko", None, False),
    ],
)
def test_scorer_speaker_rules(gold: dict, speaker: str | None, role: str | None,
                              ok: bool) -> None:
    pred = Statement(source_id="s", start=0, end=1, extractor="t", extractor_version="0",
                     speaker=speaker, role=role, quote="q")
    assert speaker_match(gold, pred) is ok


def test_score_statements_counts_span_and_speaker() -> None:
    text = "Ukrainian forces established full control over the town, said Hanna Malyar."
    doc = run(text)
    gold = {"id": "t", "gold": {"statements": [
        {"speaker": "Hanna Malyar", "role": None, "side": "UA", "is_direct_quote": False,
         "text": "Ukrainian forces established full control over the town", "cue": "said"},
        {"speaker": "Someone Else", "role": None, "side": None, "is_direct_quote": True,
         "text": "said Hanna Malyar", "cue": "said"},
    ]}}
    sc = score_statements(gold, doc)
    assert (sc.tp, sc.fn, sc.fp) == (1, 1, 0)
    assert sc.counts["direct_ok"] == 1


def test_statement_span_stays_within_its_sentences() -> None:
    from frontlens.extract.doc import Doc
    from frontlens.extract.pipeline import run_components

    text = ('"The enemy was thrown back," the official said in a statement.  Residents '
            "described shelling all night. Officials in Kyiv gave no details. " * 3)
    doc = run_components(Doc(text, lang="en", source_id="s"))
    statements = [r for r in doc.records if type(r).__name__ == "Statement"]
    assert statements
    assert all(r.end - r.start < 120 for r in statements)


def _with_places(text: str, lang: str) -> list[Statement]:
    import frontlens.extract.places  # noqa: F401  (registers the component)

    doc = Doc(text=text, lang=lang, source_id="src-test")
    for name in ("sentences", f"ner.{lang}", "places", "statements"):
        doc = COMPONENTS[name](doc)
    return stmts(doc)


def test_a_town_is_never_the_speaker() -> None:
    assert _with_places('"The city is calm and the shelling has stopped," Kharkiv reported on '
                        "Monday.", "en") == []
    assert _with_places("Kreminna says the Russian troops have left the area around the town.",
                        "en") == []


def test_a_bare_general_staff_is_named_in_english_for_every_language() -> None:
    [uk] = _with_places("У Генштабі повідомили, що ворог атакував поблизу Торецька.", "uk")
    [ru] = _with_places("В Генштабе заявили, что противник отступил от Купянска.", "ru")
    assert uk.speaker == ru.speaker == "General Staff"
    assert uk.role == "У Генштабі" and ru.role == "В Генштабе"


def test_according_to_him_attributes_the_rest_of_the_sentence_to_the_last_person() -> None:
    en = _with_places('"The Russians dropped 11 guided bombs," Oleksandr Prokudin wrote. '
                      "According to him, six settlements came under enemy fire.", "en")
    assert ("Oleksandr Prokudin", "six settlements came under enemy fire", False) in {
        (s.speaker, s.quote, s.direct) for s in en}
    ru = _with_places("Глава области Вячеслав Гладков сообщил об ударе. По его словам, "
                      "пострадали два человека.", "ru")
    assert [(s.speaker, s.quote) for s in ru] == [("Вячеслав Гладков", "пострадали два человека")]


def test_a_headline_statement_is_left_to_the_body_that_reports_it() -> None:
    text = ("Russia says its forces took a village near Pokrovsk\n\n"
            "Russia's defence ministry said on Sunday that its forces had taken the village.")
    got = [(s.speaker, s.quote) for s in stmts(run(text))]
    assert got == [("Russian Ministry of Defence", "its forces had taken the village")]


def test_a_headline_is_its_own_sentence_for_the_parse() -> None:
    text = ("Governor Gladkov: drones attacked two villages in Belgorod region\n\n"
            "Belgorod Region Governor Vyacheslav Gladkov said that the Ukrainian army had "
            "shelled two villages.")
    [s] = stmts(run(text))
    assert (s.speaker, s.quote) == ("Vyacheslav Gladkov",
                                    "the Ukrainian army had shelled two villages")


def test_quote_marks_around_a_whole_reported_paragraph_are_not_a_quotation() -> None:
    text = ('"Fighting goes on near the town. The Ukrainian military said on Monday that it had '
            'delivered supplies into Myrnohrad. Units are holding their positions, the '
            'statement said."')
    got = {s.quote for s in stmts(run(text))}
    assert "it had delivered supplies into Myrnohrad" in got
    assert all(not s.direct for s in stmts(run(text)))


def test_a_clause_after_a_dateline_is_what_the_ministry_said() -> None:
    text = ("MOSCOW: Russian forces have captured the village of Sichneve in Dnipropetrovsk "
            "region, the Russian Defence Ministry said on Tuesday.")
    [s] = stmts(run(text))
    assert s.speaker == "Russian Ministry of Defence"
    assert s.quote == ("Russian forces have captured the village of Sichneve in "
                       "Dnipropetrovsk region")


def test_a_negated_reporting_verb_states_nothing() -> None:
    assert stmts(run("Reuters could not independently confirm the battlefield report.")) == []


def test_a_plural_role_noun_is_a_role_whatever_its_first_reading() -> None:
    # pymorphy reads "Аналітики" first as "аналітика" (analytics), not "аналітик" (analyst)
    [s] = stmts(run("Аналітики зазначили, що російські окупанти вже вивісили свої прапори.", "uk"))
    assert s.role is not None and "analyst" in s.role


def test_the_agency_said_refers_to_the_ministry_named_before() -> None:
    text = ("Минобороны России сообщило об ударе по складу. В ведомстве также сообщили, что "
            "силы ПВО сбили три беспилотника.")
    got = [(s.speaker, s.quote) for s in stmts(run(text, "ru"))]
    assert ("Russian Ministry of Defence", "силы ПВО сбили три беспилотника") in got


def test_the_channel_a_person_spoke_on_is_not_the_speaker() -> None:
    text = ("Украинские военные отступили, заявил советник главы ДНР Игорь Кимаковский. "
            "Город взят. Об этом он сообщил в эфире Первого канала.")
    assert {s.speaker for s in stmts(run(text, "ru"))} == {"Игорь Кимаковский"}


def test_an_appositive_name_is_the_speaker_and_the_subject_its_role() -> None:
    text = ("Ukrainian troops are several kilometres from Kreminna. The head of the Luhansk "
            "Regional Military Administration Serhii Haidai announced this on his Telegram "
            "channel.")
    [s] = stmts(run(text))
    assert (s.speaker, s.role) == ("Serhii Haidai",
                                   "head of the Luhansk Regional Military Administration")
    assert s.quote == "Ukrainian troops are several kilometres from Kreminna"
