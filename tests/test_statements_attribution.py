"""Who said what: attribution rules of the ``statements`` component pinned on sentences
written for these tests (uk speaker phrases, lead-ins, relays, country speakers)."""

from __future__ import annotations

from frontlens.extract.doc import Doc
from frontlens.extract.pipeline import run_components
from frontlens.model import Statement


def stmts(text: str, lang: str = "en") -> list[Statement]:
    doc = Doc(text=text, lang=lang, source_id="src-test")
    doc.user["decide"] = False
    doc = run_components(doc)
    return [r for r in doc.records if isinstance(r, Statement)]


def test_uk_first_name_with_unlisted_surname_beside_a_cue_is_the_speaker() -> None:
    # "Вовкогриз" has no surname reading, so the rule NER leaves "Остап Вовкогриз" out
    out = stmts("Заступник командира бригади Остап Вовкогриз повідомив, що штурми тривають "
                "уже третю добу поспіль.", "uk")
    assert len(out) == 1
    assert out[0].speaker == "Остап Вовкогриз"
    assert out[0].role and out[0].role.startswith("Заступник")
    assert out[0].quote.startswith("штурми тривають")


def test_uk_about_this_does_not_reattribute_a_sentence_that_names_its_speaker() -> None:
    out = stmts("Речник угруповання Остап Гаврилюха повідомив, що оборонці утримують "
                "позиції біля залізниці. Про це він сказав в ефірі телемарафону.", "uk")
    assert [s.quote for s in out] == ["оборонці утримують позиції біля залізниці"]


def test_uk_by_pronoun_form_z_yoho_sliv_takes_the_last_person() -> None:
    out = stmts("Речник угруповання Остап Гаврилюха прокоментував ситуацію. З його слів, "
                "ворог щодня втрачає техніку під час невдалих штурмів.", "uk")
    assert any(s.quote.startswith("ворог щодня") and s.speaker and "Гаврилюх" in s.speaker
               for s in out)


def test_according_to_after_a_short_lead_in_takes_the_clause_after_the_speaker() -> None:
    out = stmts("Ivan Petrenko is the regional governor. In addition, according to Petrenko, "
                "the shelling damaged two schools and a water pumping station overnight.")
    quotes = [s.quote for s in out]
    assert "In addition" not in quotes
    assert any(q.startswith("the shelling damaged two schools") for q in quotes)


def test_according_to_after_a_dash_takes_the_clause_after_the_speaker() -> None:
    out = stmts("Ivan Petrenko is the regional governor. The shops still have bread and "
                "water — according to Petrenko, this may last for about a week.")
    assert [s.quote for s in out if s.cue.lower().startswith("according")] == [
        "this may last for about a week"]


def test_uk_according_to_after_a_lead_in_takes_the_clause_after_the_speaker() -> None:
    out = stmts("Крім того, за словами речника Повітряних сил, уночі зенітники збили "
                "дванадцять ударних дронів над областю.", "uk")
    assert any(s.quote.startswith("уночі зенітники збили") for s in out)


def test_an_outlet_relaying_who_announced_it_is_no_statement_of_the_outlet() -> None:
    out = stmts("The defenders repelled four assaults near the railway station overnight. "
                "The head of the regional administration, Ivan Petrenko, announced this on "
                "Telegram, the Ukrainian News Agency reports.")
    assert out, "Petrenko's statement is kept"
    assert all("News Agency" not in (s.speaker or "") for s in out)
    assert all("announced this" not in s.quote for s in out)


def test_a_bare_country_stating_someone_elses_situation_is_no_speaker() -> None:
    out = stmts("Ukraine said fighting was still going on in the streets of the town.")
    assert out == []


def test_a_bare_country_speaking_of_its_own_forces_keeps_its_statement() -> None:
    out = stmts("Russia said on Monday its forces had taken control of another village in "
                "the east.")
    assert len(out) == 1 and out[0].speaker == "Russia"
    assert "its forces had taken control" in out[0].quote


def test_the_message_cited_after_a_quote_is_the_organisation_named_before_it() -> None:
    out = stmts("Генштаб ЗСУ оприлюднив ранкове зведення про ситуацію на фронті. «Сили оборони "
                "відбили дванадцять атак біля села за минулу добу», – йдеться у повідомленні.",
                "uk")
    assert len(out) == 1
    assert out[0].speaker == "General Staff of the Armed Forces of Ukraine"
    assert out[0].direct and out[0].quote.startswith("Сили оборони відбили")


def test_an_army_named_before_a_cited_message_is_not_its_author() -> None:
    out = stmts("ЗСУ звільнили ще одне село на сході. «Прапор знову майорить над школою у "
                "центрі села», – йдеться у повідомленні.", "uk")
    assert all(s.speaker != "Armed Forces of Ukraine" for s in out)


def test_a_that_clause_hung_on_the_noun_after_the_cue_is_the_claim() -> None:
    out = stmts("The ministry said in a statement that the assault was carried out by its "
                "northern group of forces.")
    assert [s.quote for s in out] == [
        "the assault was carried out by its northern group of forces"]


def test_police_is_a_speaker() -> None:
    out = stmts("Regional police meanwhile said four people had been injured in the overnight "
                "shelling of the town.")
    assert len(out) == 1 and out[0].quote.startswith("four people had been injured")


def test_a_quoted_word_inside_a_unit_name_does_not_hide_the_speaker() -> None:
    out = stmts("The bridge is still standing and the crossing is open, Operational Command "
                "“North” said in a Facebook post.")
    assert len(out) == 1
    assert out[0].quote == "The bridge is still standing and the crossing is open"


def test_the_briefing_said_is_the_organisation_that_issued_it() -> None:
    out = stmts("The Russian Defence Ministry released its daily update on Sunday. “Units of "
                "the southern group improved their positions along the front line,” the "
                "briefing said.")
    assert len(out) == 1
    assert out[0].speaker == "Russian Ministry of Defence" and out[0].direct


def test_uk_an_adjective_heading_an_administration_is_no_surname_speaker() -> None:
    out = stmts("Уночі росіяни чотири рази обстріляли прикордонні громади, повідомляє Сумська "
                "ОВА.", "uk")
    assert len(out) == 1
    assert out[0].speaker is None
    assert out[0].role and out[0].role.startswith("Сумська ОВА")


def test_ru_he_said_on_air_is_the_last_person_named() -> None:
    out = stmts("Глава администрации Сергей Волобуев выступил на брифинге. «Ночью город "
                "обстреляли из реактивных систем, пострадавших нет», — сказал он в эфире "
                "Первого канала.", "ru")
    assert len(out) == 1
    assert out[0].speaker and "Волобуев" in out[0].speaker and out[0].direct
