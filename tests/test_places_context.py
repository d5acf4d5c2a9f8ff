"""Names the dictionary doubts (a sentence's first word, a common word, a surname) are places
only where the text supports a place; relational adjectives stay out of the places (issue 9).
Sentences written for these tests."""

from __future__ import annotations

from frontlens.extract.doc import Doc
from frontlens.extract.pipeline import run_components
from frontlens.extract.places import find_places
from frontlens.model import ControlEvent


def _found(text: str, lang: str) -> dict[str, str | None]:
    return {m.surface: (m.place.name if m.place else None)
            for m in find_places(Doc(text=text, lang=lang))}


def test_a_sentence_initial_village_followed_by_a_predicate_about_a_place_is_a_place() -> None:
    got = _found("Штаб оновив карту. Іллінка досі залишається окупованою.", "uk")
    assert "Іллінка" in got  # (namesakes in several oblasts: left to the resolver)
    got = _found("Наступ сповільнився. Урожайне звільнили минулого тижня.", "uk")
    assert "Урожайне" in got


def test_a_sentence_initial_common_word_with_no_place_predicate_stays_out() -> None:
    assert _found("Село знову залишилося без світла.", "uk") == {}
    assert _found("Прапор підняли над школою.", "uk") == {}
    assert _found("Половина роты отошла.", "ru") == {}


def test_a_sentence_initial_village_named_after_a_preposition_elsewhere_is_a_place() -> None:
    got = _found("Бійці закріпилися біля Роботиного. Роботине обстрілюють щодня.", "uk")
    assert got.get("Роботине") == "Robotyne"
    assert got.get("Роботиного") == "Robotyne"


def test_the_same_name_after_a_reporting_verb_does_not_make_a_surname_a_place() -> None:
    # "Волошин" is also a village's name; said twice by a person it is no place
    got = _found("Про це повідомив речник Волошин. Волошин додав, що бої тривають.", "uk")
    assert "Волошин" not in got


def test_a_town_that_is_also_a_surname_is_a_place_before_its_own_oblast() -> None:
    got = _found("Наприкінці жовтня бійці увійшли до Лимана Донецької області.", "uk")
    assert got.get("Лимана") == "Lyman"
    assert "Донецької області" in got


def test_a_village_that_is_a_common_word_is_a_place_before_its_own_oblast() -> None:
    got = _found("Армия заняла Запорожское Днепропетровской области.", "ru")
    assert got.get("Запорожское") is not None
    assert "Днепропетровской области" in got


def test_an_oblast_after_its_town_gets_no_control_claim_of_its_own() -> None:
    doc = Doc(text="Российские войска освободили Запорожское Днепропетровской области.",
              lang="ru")
    doc.user["decide"] = False
    doc = run_components(doc)
    claimed = {r.place_name for r in doc.records if isinstance(r, ControlEvent)}
    assert claimed and not any("Oblast" in name for name in claimed)


def test_items_of_a_list_with_a_settlement_are_places() -> None:
    got = _found("Под контролем остаются Новомихайловка, Тихое и Водяное.", "ru")
    assert {"Новомихайловка", "Тихое", "Водяное"} <= set(got)
    got = _found("Армия продвинулась у Новомихайловки, Затишья и Тихого.", "ru")
    assert {"Новомихайловки", "Затишья", "Тихого"} <= set(got)


def test_a_word_governed_by_a_capture_or_compass_word_is_a_place() -> None:
    assert "Калиново" in _found("Штурмовые группы захватили Калиново.", "ru")
    assert "Вербового" in _found("Бои идут к западу от Вербового.", "ru")


def test_a_first_name_after_a_settlement_noun_is_no_place() -> None:
    assert _found("Мэр города Максим Петров сообщил о взрыве.", "ru") == {}


def test_a_word_joined_to_the_next_capitalised_word_is_not_taken_from_a_list() -> None:
    got = _found("Бои идут у Новомихайловки, Вольное Поле и Отрадного.", "ru")
    assert "Вольное" not in got


def test_a_capitalised_preposition_opening_a_sentence_is_no_first_name() -> None:
    assert _found("Из Угледара вывели подразделения.", "ru").get("Угледара") == "Vuhledar"


def test_names_listed_after_a_colon_and_a_settlement_word_are_places() -> None:
    got = _found("Звільнено два населені пункти: Благодатне та Нескучне.", "uk")
    assert {"Благодатне", "Нескучне"} <= set(got)


def test_coordinated_relational_adjectives_are_not_places() -> None:
    assert _found("Найбільше атак було на Покровському та Торецькому напрямках.", "uk") == {}
    assert _found("Бои шли на Донецком и Луганском направлениях.", "ru") == {}


def test_a_relational_adjective_before_another_adjective_and_its_noun_is_not_a_place() -> None:
    assert _found("Ворог перекинув резерви Східного воєнного округу.", "uk") == {}


def test_an_adjective_in_another_case_does_not_make_a_town_relational() -> None:
    got = _found("Ворог зосередив у районі Сватового величезну кількість техніки.", "uk")
    assert "Сватового" in got


def test_a_town_before_its_oblast_after_a_comma_is_not_swallowed_by_the_oblast() -> None:
    got = _found("Сили оборони звільнили Балаклію, Харківська область.", "uk")
    assert got.get("Балаклію") == "Balakliia"
    assert "Харківська область" in got


def test_a_direction_named_by_a_village_the_dictionary_knows_only_as_a_noun_is_no_place() -> None:
    assert _found("Штурмують місто з Торецького напрямку.", "uk") == {}
    assert _found("Українська армія відкинула загарбників.", "uk") == {}


def test_the_decision_layer_proposes_no_village_for_a_rejected_direction() -> None:
    doc = Doc(text="Основні зусилля ворог зосереджує на Покровському та Торецькому напрямках.",
              lang="uk")
    doc.user["decide"] = True
    doc = run_components(doc)
    assert doc.places == []
    assert {"Покровському", "Торецькому"} <= {
        doc.text[a:b] for a, b, _ in doc.user["place_rejects"]}


def _found_en(text: str) -> dict[str, tuple[str | None, str]]:
    doc = Doc(text=text, lang="en")
    doc.user["decide"] = False
    doc = run_components(doc)
    return {m.surface: (m.place.name if m.place else None, m.kind) for m in doc.places}


def test_a_town_before_district_names_its_raion() -> None:
    got = _found_en("Drones hit a farm in the Kharkiv district and a shop in the Izium and "
                    "Kupiansk districts.")
    assert got["Kharkiv district"] == ("Kharkiv Raion", "oblast-or-region")
    assert got["Kupiansk districts"] == ("Kupiansk Raion", "oblast-or-region")
    assert got["Izium"] == ("Izium Raion", "oblast-or-region")


def test_a_battlegroup_or_operational_group_is_no_place() -> None:
    got = _found_en("Soldiers of the Vostok battlegroup and the Khortytsia operational group "
                    "fought near Kupiansk.")
    assert set(got) == {"Kupiansk"}


def test_a_sentence_initial_common_word_the_tagger_reads_so_is_no_place() -> None:
    got = _found_en("The bridge was hit. Due to the strike, trucks turned back toward Izium.")
    assert set(got) == {"Izium"}


def test_a_sentence_initial_town_named_mid_sentence_too_stays_a_place() -> None:
    got = _found_en("Our units are fighting in Bakhmut. Bakhmut has been shelled for months.")
    assert "Bakhmut" in got


def test_a_units_name_after_a_unit_noun_is_no_place() -> None:
    got = _found("Речник угруповання військ «Хортиця» розповів про бої біля Куп'янська.", "uk")
    assert set(got) == {"Куп'янська"}
    got = _found('Подразделения группировки войск "Восток" заняли позиции у Покровска.', "ru")
    assert set(got) == {"Покровска"}


def test_a_country_after_a_unit_noun_stays_a_place() -> None:
    assert "РФ" in _found("Подразделения группировки войск РФ отошли.", "ru")


def test_an_outlet_named_with_a_hyphenated_country_is_no_place() -> None:
    assert _found("Про це повідомляє Інтерфакс-Україна.", "uk") == {}


def test_a_latin_word_in_a_cyrillic_text_is_no_place() -> None:
    got = _found("Аналітики ISW пишуть, що Bradley підбили біля Авдіївки.", "uk")
    assert set(got) == {"Авдіївки"}


def test_a_sentence_initial_function_word_is_no_place() -> None:
    got = _found("Бої тривають біля Бахмута. Вона сказала, що ситуація складна.", "uk")
    assert set(got) == {"Бахмута"}
    assert _found("Город держится. Но обстрелы продолжаются.", "ru") == {}


def test_a_word_before_a_surname_is_a_first_name() -> None:
    assert _found("Про це сказав президент Володимир Зеленський.", "uk") == {}


def test_a_village_before_its_hromada_is_not_a_first_name() -> None:
    got = _found("Евакуація триває з сіл Веселівка та Журавка Хотінської громади.", "uk")
    assert {"Веселівка", "Журавка"} <= set(got)


def test_an_adjectival_village_before_a_noun_in_another_case_is_a_place() -> None:
    assert "Вовчанську" in _found("Біля Стариці тривав бій, у Вовчанську ситуація спокійна.",
                                  "uk")
    assert "Торське" in _found("Бригада зайняла село Торське дорогою до Кремінної.", "uk")


def test_a_sentence_initial_village_that_is_a_common_word_before_a_place_predicate() -> None:
    got = _found("Бои шли весь день. Водяное расположено южнее Красногоровки.", "ru")
    assert "Водяное" in got


def test_a_settlement_noun_before_a_place_predicate_is_no_place() -> None:
    assert "Село" not in _found("Бои шли весь день. Село расположено у реки.", "ru")


def test_a_name_next_to_a_reporting_verb_is_a_speaker_not_a_village() -> None:
    assert _found("Ситуация сложная. Песков заявил, что переговоров нет.", "ru") == {}
    assert "Сирський" not in _found("Бої тривають, — написав Сирський.", "uk")


def test_a_town_after_a_preposition_before_a_plural_reporting_verb_stays_a_place() -> None:
    assert "Лимане" in _found("Военные российской группировки в Лимане сообщали о боях.", "ru")


def test_a_direction_adjective_whose_noun_a_dash_replaces_is_no_place() -> None:
    got = _found("На Покровському напрямку було 30 атак, на Лиманському – 15.", "uk")
    assert got == {}


def test_a_compound_direction_after_a_compass_word_is_no_place() -> None:
    assert _found("Бои идут на Южно-Донецком направлении.", "ru") == {}
    assert _found("Бої тривають на Південно-Слобожанському і Курському напрямках.", "uk") == {}


def test_a_ships_name_after_the_word_ship_is_no_place() -> None:
    got = _found("Уражено великий десантний корабель «Новочеркаськ» у Феодосії.", "uk")
    assert set(got) == {"Феодосії"}


def test_the_armed_forces_are_no_place() -> None:
    got = _found("Збройні Сили України відбили атаки біля Часового Яру.", "uk")
    assert "Сили" not in got and "Часового Яру" in got


def test_outlets_and_administrations_named_after_places_are_no_places() -> None:
    got = _found_en("As reported by the Kyiv Independent and Interfax-Ukraine, the head of the "
                    "Kherson RMA said drones struck Beryslav.")
    assert set(got) == {"Beryslav"}


def test_a_capital_naming_a_time_zone_is_no_place() -> None:
    assert "Moscow" not in _found_en("The strike came at 0500 Moscow time near Kherson.")
