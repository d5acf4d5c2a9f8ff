"""Build the equipment catalog and alias table from the Oryx-derived data in ../shared/data.

Why a build step: the Oryx scrapes name ~1,200 types in Oryx's own wording ("152mm 2S5
Giatsint-S", "9A331M TLAR (for 9K332 Tor-M2)"); the extractor needs clean model ids, families,
our category labels and one alias table keyed by the shared normal form (``eq_key``), so that
runtime matching is a dict lookup. Names and categories are facts taken from the data; country
of origin comes from the scarnecchia files (CC BY 4.0). Hand-written entries below are general
knowledge (NATO/common names, Cyrillic spellings), not taken from any evaluation text.

Usage: python scripts/build_equipment_catalog.py [--data ../shared/data/equipment]
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from frontlens.extract.equipment import eq_key

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "frontlens" / "data"

CATEGORY = {
    "Tanks": "tank",
    "Infantry Fighting Vehicles": "IFV",
    "Armoured Personnel Carriers": "APC",
    "Armoured Fighting Vehicles": "APC",
    "Mine-Resistant Ambush Protected": "MRAP",
    "Infantry Mobility Vehicles": "other",
    "Self-Propelled Artillery": "SPG",
    "Towed Artillery": "towed artillery",
    "Rocket and Missile Artillery": "MLRS",
    "Surface-To-Air Missile Systems": "SAM",
    "Self-Propelled Anti-Aircraft Guns": "SPAAG",
    "Anti-Aircraft Guns": "other",
    "Radars": "radar",
    "Radars And Communications Equipment": "radar",
    "Aircraft": "aircraft",
    "Helicopters": "helicopter",
    "Reconnaissance Unmanned Aerial Vehicles": "drone",
    "Unmanned Combat Aerial Vehicles": "drone",
    "Naval Ships": "ship",
    "Naval Ships and Submarines": "ship",
}
# Oryx sections whose items are a launcher "(for SYSTEM)": the system is the model people name.
SYSTEM_SECTIONS = {"SAM", "SPAAG", "MLRS"}
# Categories whose bare names ("Tunguska", "Bradley") are worth an alias; trucks and support
# vehicles carry brand or common-word names ("Ural", "Typhoon") that would fire on prose.
NAME_CATEGORIES = {
    "tank", "IFV", "APC", "MRAP", "SPG", "towed artillery", "MLRS", "SAM", "SPAAG",
    "helicopter", "aircraft", "drone",
}  # fmt: skip
# Bare names that are also ordinary words (English, Russian or Ukrainian once romanised): they
# count only with an equipment cue nearby or in quotes (see extract/equipment.py).
WEAK_NAMES = {
    "grad", "tor", "buk", "osa", "pion", "gvozdika", "akatsiya", "akatsia", "uragan", "smerch",
    "tornado", "krab", "nona", "strela", "igla", "kub", "krug", "malka", "pantsir", "kornet",
    "lancet", "orion", "avenger", "punisher", "korsar", "forpost", "novator", "spectator",
    "senator", "tigr", "tiger", "typhoon", "tayfun", "patriot", "caesar", "storm", "vampire",
    "msta", "tyulpan", "shmel", "rapira", "kozak", "varta", "dozor", "spartan", "husky",
    "mastiff", "wolf", "cobra", "ural", "bogdana", "dana", "zuzana", "merlin", "leleka",
    "furia", "shark", "fury", "valkyrie", "phoenix", "falcon", "hawk", "eagle", "terminator",
    "alligator", "hermes", "zala", "supercam", "eleron", "granat", "kartograf", "zoopark",
    "kasta", "nebo", "podlet", "polye", "borisoglebsk", "leer", "zhitel", "krasukha",
    "rosomakha", "saturn", "mech", "prima", "sopka", "kupol", "tunets", "raptor", "bars",
    "rys", "vepr", "otter", "ferret", "fox", "jackal", "lynx", "puma", "cougar", "buffalo",
    "maxxpro", "kirpi", "cheetah", "gepard", "iris", "piranha", "boxer", "badger", "bison",
    "tunguska", "shilka", "stinger", "oreshnik", "zircon", "tsirkon", "oniks", "onyx", "magura",
    "tochka", "hyacinth",
}  # fmt: skip
# Capitalised words in Oryx type names that are descriptions, not names.
GENERIC = {
    "artillery", "system", "systems", "vehicle", "tank", "gun", "launcher", "mobile", "command",
    "armoured", "armored", "light", "heavy", "combat", "improved", "class", "project", "stealth",
    "modernised", "modernized", "special", "early", "warning", "radar", "station", "unit",
    "recovery", "engineering", "support", "multiple", "rocket", "missile", "anti", "aircraft",
    "helicopter", "drone", "loitering", "munition", "carrier", "transport", "type", "model",
    "version", "upgrade", "new", "old", "obr", "with", "medevac", "ambulance", "mortar",
    "uav", "ucav", "usv",
}  # fmt: skip
# Names that stay strong though listed above: they are rarely prose in war reporting.
STRONG_OVERRIDE = {"tunguska", "shilka", "gepard", "piranha"}

# General-knowledge entries: (model_id, family, category, origin, aliases).
HAND: list[tuple[str, str, str, str, list[str]]] = [
    ("2K22 Tunguska", "2K22 Tunguska", "SPAAG", "Soviet Union", ["Tunguska", "Тунгуска", "2K22"]),
    ("2S6 Tunguska", "2K22 Tunguska", "SPAAG", "Soviet Union", ["2S6", "2S6 Tunguska"]),
    ("2S6M Tunguska", "2K22 Tunguska", "SPAAG", "Soviet Union", ["2S6M", "2S6M Tunguska"]),
    ("2S6M1 Tunguska", "2K22 Tunguska", "SPAAG", "Russia", ["2S6M1", "2S6M1 Tunguska"]),
    ("ZSU-23-4 Shilka", "ZSU-23-4 Shilka", "SPAAG", "Soviet Union", ["Shilka", "Шилка"]),
    ("M1 Abrams", "M1 Abrams", "tank", "United States", ["Abrams", "Абрамс"]),
    (
        "M2 Bradley",
        "M2 Bradley",
        "IFV",
        "United States",
        ["Bradley", "Бредлі", "Бредли", "Брэдли", "M2 Bradley", "M2A2", "M2A2 Bradley"],
    ),
    ("M142 HIMARS", "M142 HIMARS", "MLRS", "United States", ["HIMARS", "Хаймарс", "M142",
                                                     "High Mobility Artillery Rocket System",
                                                     "High Mobility Artillery Rocket Systems"]),
    ("M270 MLRS", "M270 MLRS", "MLRS", "United States", ["M270"]),
    ("M777", "M777", "towed artillery", "United Kingdom", ["M777", "М777", "Three Sevens"]),
    ("Leopard 2", "Leopard 2", "tank", "Germany", ["Leopard 2", "Леопард 2", "Leopard"]),
    ("Leopard 1", "Leopard 1", "tank", "Germany", ["Leopard 1", "Леопард 1"]),
    ("Challenger 2", "Challenger 2", "tank", "United Kingdom", ["Challenger 2", "Челленджер 2"]),
    ("Marder 1A3", "Marder", "IFV", "Germany", ["Marder", "Мардер"]),
    ("Stryker", "Stryker", "APC", "United States", ["Stryker", "Страйкер"]),
    ("CV90", "CV90", "IFV", "Sweden", ["CV90", "CV9040"]),
    ("PzH 2000", "PzH 2000", "SPG", "Germany", ["PzH 2000", "PzH2000", "Panzerhaubitze 2000"]),
    ("CAESAR", "CAESAR", "SPG", "France", ["CAESAR", "Caesar", "Цезарь"]),
    ("AHS Krab", "AHS Krab", "SPG", "Poland", ["Krab", "AHS Krab", "Краб"]),
    ("MIM-104 Patriot", "MIM-104 Patriot", "SAM", "United States", ["Patriot", "MIM-104"]),
    ("IRIS-T SLM", "IRIS-T", "SAM", "Germany", ["IRIS-T", "IRIS-T SLM"]),
    ("NASAMS", "NASAMS", "SAM", "Norway", ["NASAMS"]),
    ("Gepard", "Gepard", "SPAAG", "Germany", ["Gepard", "Flakpanzer Gepard", "Гепард"]),
    ("S-300", "S-300", "SAM", "Soviet Union", ["S-300", "С-300", "SA-10 Grumble"]),
    ("S-400", "S-400", "SAM", "Russia", ["S-400", "С-400", "SA-21 Growler", "Triumf"]),
    ("Buk", "Buk", "SAM", "Soviet Union", ["Buk", "Бук", "SA-11 Gadfly", "SA-17 Grizzly"]),
    ("Tor", "Tor", "SAM", "Soviet Union", ["Tor", "Тор", "SA-15 Gauntlet"]),
    ("9K332 Tor-M2", "Tor", "SAM", "Russia", ["Tor-M2", "Тор-М2", "9K332"]),
    ("Pantsir-S1", "Pantsir", "SAM", "Russia", ["Pantsir", "Панцирь", "Панцир", "SA-22"]),
    ("9K33 Osa", "9K33 Osa", "SAM", "Soviet Union", ["Osa", "Оса", "SA-8 Gecko"]),
    ("BM-21 Grad", "BM-21 Grad", "MLRS", "Soviet Union", ["Grad", "Град", "BM-21", "БМ-21"]),
    ("BM-27 Uragan", "BM-27 Uragan", "MLRS", "Soviet Union", ["Uragan", "Ураган", "9P140"]),
    ("BM-30 Smerch", "BM-30 Smerch", "MLRS", "Soviet Union", ["Smerch", "Смерч", "9A52"]),
    (
        "TOS-1A Solntsepyok",
        "TOS-1",
        "MLRS",
        "Russia",
        ["TOS-1A", "ТОС-1А", "Solntsepyok", "Solntsepek", "Солнцепёк", "Солнцепек"],
    ),
    ("2S1 Gvozdika", "2S1 Gvozdika", "SPG", "Soviet Union", ["Gvozdika", "Гвоздика", "Гвоздика"]),
    ("2S3 Akatsiya", "2S3 Akatsiya", "SPG", "Soviet Union", ["Akatsiya", "Акация", "Акація"]),
    ("2S19 Msta-S", "2S19 Msta-S", "SPG", "Soviet Union", ["Msta-S", "Мста-С"]),
    ("2S7 Pion", "2S7 Pion", "SPG", "Soviet Union", ["Pion", "Пион", "Піон"]),
    (
        "2S5 Giatsint-S",
        "2S5 Giatsint-S",
        "SPG",
        "Soviet Union",
        ["Giatsint-S", "Гиацинт-С", "Гіацинт-С"],
    ),
    (
        "2A36 Giatsint-B",
        "2A36 Giatsint-B",
        "towed artillery",
        "Soviet Union",
        ["Giatsint-B", "Гиацинт-Б", "Гіацинт-Б", "Hyacinth-B"],
    ),
    ("2A65 Msta-B", "2A65 Msta-B", "towed artillery", "Soviet Union", ["Msta-B", "Мста-Б"]),
    ("D-30", "D-30", "towed artillery", "Soviet Union", ["D-30", "Д-30", "2A18"]),
    ("D-20", "D-20", "towed artillery", "Soviet Union", ["D-20", "Д-20"]),
    ("Beriev A-50", "A-50", "aircraft", "Soviet Union", ["A-50", "А-50", "Mainstay"]),
    ("Tu-22M3", "Tu-22M", "aircraft", "Soviet Union", ["Tu-22M3", "Ту-22М3", "Backfire"]),
    ("Ka-52 Alligator", "Ka-52", "helicopter", "Russia", ["Ka-52", "Ка-52", "Alligator"]),
    ("Bayraktar TB2", "Bayraktar TB2", "drone", "Turkey", ["Bayraktar", "Байрактар", "TB2"]),
    ("Orlan-10", "Orlan-10", "drone", "Russia", ["Orlan-10", "Орлан-10"]),
    ("Lancet", "Lancet", "drone", "Russia", ["Lancet", "Ланцет", "ZALA Lancet"]),
    (
        "Shahed-136",
        "Shahed-136",
        "drone",
        "Iran",
        ["Shahed-136", "Shahed", "Shaheds", "Шахед", "Шахед-136", "Geran-2", "Герань-2",
         "Герань"],
    ),
    ("Storm Shadow", "Storm Shadow", "other", "United Kingdom", ["Storm Shadow", "SCALP-EG"]),
    ("MGM-140 ATACMS", "ATACMS", "other", "United States", ["ATACMS", "MGM-140"]),
    ("FGM-148 Javelin", "Javelin", "other", "United States", ["Javelin", "Джавелін"]),
    ("NLAW", "NLAW", "other", "United Kingdom", ["NLAW"]),
    ("R-360 Neptune", "Neptune", "other", "Ukraine", ["Neptune", "Нептун", "R-360"]),
    ("3M-14 Kalibr", "Kalibr", "other", "Russia", ["Kalibr", "Калибр", "Калібр", "3M-14"]),
    ("Kh-101", "Kh-101", "other", "Russia", ["Kh-101", "Х-101"]),
    ("Kh-47M2 Kinzhal", "Kinzhal", "other", "Russia", ["Kinzhal", "Кинжал", "Кинджал"]),
    ("9K720 Iskander", "Iskander", "other", "Russia", ["Iskander", "Искандер", "Іскандер"]),
    ("MT-LB", "MT-LB", "APC", "Soviet Union", ["MT-LB", "МТ-ЛБ", "MTLB"]),
    # widely reported missiles, launchers and light weapons (general knowledge)
    ("FIM-92 Stinger", "Stinger", "other", "United States",
     ["Stinger", "FIM-92", "Стингер", "Стінгер"]),
    ("BGM-71 TOW", "TOW", "other", "United States", ["TOW", "BGM-71"]),
    ("AT4", "AT4", "other", "Sweden", ["AT4", "AT-4"]),
    ("HMMWV", "HMMWV", "other", "United States", ["HMMWV", "Humvee", "Хамві", "Хамви"]),
    ("Magura V5", "Magura", "drone", "Ukraine", ["Magura V5", "Magura", "Магура"]),
    ("Sea Baby", "Sea Baby", "drone", "Ukraine", ["Sea Baby"]),
    ("Oreshnik", "Oreshnik", "other", "Russia", ["Oreshnik", "Орешник"]),
    ("3M22 Zircon", "Zircon", "other", "Russia", ["Zircon", "Tsirkon", "Циркон", "3M22"]),
    ("P-800 Oniks", "Oniks", "other", "Russia", ["Oniks", "Onyx", "Оникс", "Онікс", "P-800"]),
    ("Kh-22", "Kh-22", "other", "Soviet Union", ["Kh-22", "Х-22"]),
    ("Kh-31", "Kh-31", "other", "Soviet Union", ["Kh-31", "Х-31", "Kh-31P", "Х-31П"]),
    ("Kh-59", "Kh-59", "other", "Soviet Union", ["Kh-59", "Х-59", "Kh-59M", "Х-59М"]),
    ("Kh-555", "Kh-555", "other", "Russia", ["Kh-555", "Х-555"]),
    ("9K79 Tochka", "Tochka", "other", "Soviet Union", ["Tochka-U", "Точка-У", "Tochka", "9K79"]),
    ("Shahed-131", "Shahed-136", "drone", "Iran", ["Shahed-131", "Шахед-131", "Geran-1"]),
    ("BGM-109 Tomahawk", "Tomahawk", "other", "United States", ["Tomahawk", "Томагавк"]),
    ("Rapier", "Rapier", "SAM", "United Kingdom", ["Rapier"]),
    ("PFM-1 (Lepestok)", "PFM-1", "other", "Soviet Union", ["PFM-1", "ПФМ-1", "Lepestok"]),
    # the Black Sea Fleet's Project 22160 patrol ships, by name (ship_key matches declined and
    # transliterated spellings)
    *[(f"Project 22160 ({n})", "Project 22160", "ship", "Russia", [n]) for n in (
        "Vasily Bykov", "Dmitry Rogachev", "Pavel Derzhavin", "Sergey Kotov", "Viktor Veliky",
        "Nikolay Sipyagin")],
]

# Oryx's spelling for hand entries Oryx lists under another designation (general knowledge:
# the 2S6M is the combat vehicle of the 2K22M Tunguska-M system, the 2S6M1 of the 2K22M1).
ORYX_NAME = {"2S6M Tunguska": "2K22M Tunguska-M", "2S6M1 Tunguska": "2K22M1 Tunguska"}

_CAL = re.compile(r"^\d+(?:[.,]\d+)?(?:/\d+)?\s*mm\s+")
_FOR = re.compile(r"\(?(?:launcher |combat vehicle )?for ([^)]+)\)?", re.I)
_QUOTES = re.compile(r"[\"'‘’“”«»]")
_OBR = re.compile(r"\s+(?:Obr|Zr|Mod)\.?\s*\d{2,4}.*$")
_PAREN = re.compile(r"\s*\([^)]*\)")
_BASE = re.compile(r"^(?:[A-Za-z]{1,5}-?\d+|\d+[A-Za-z]{1,2}\d+)")
_VARIANT_NAME = re.compile(r"^([A-Z][a-z]{2,})(?:-[A-Z0-9][\w]*)?$")


_WITH = re.compile(r"\bwith\b", re.IGNORECASE)


def is_designation(tok: str) -> bool:
    return any(c.isdigit() for c in tok) or (
        len(tok) >= 2 and tok.replace("-", "").isupper() and tok.replace("-", "").isalpha()
    )


def clean(raw: str, cat: str) -> tuple[str, list[str]] | None:
    """(model id, extra aliases) of an Oryx type string; None for unknown or generic types."""
    t = " ".join(raw.split())
    if t.lower().startswith(("unknown", "(unknown", "unidentified")):
        return None
    extra: list[str] = []
    m = _FOR.search(t)
    if m and cat in SYSTEM_SECTIONS:
        vehicle = _CAL.sub("", t[: m.start()]).split()
        if vehicle and is_designation(vehicle[0]):
            extra.append(vehicle[0])
        t = m.group(1).split(" or ")[0]
    t = _CAL.sub("", t)
    t = _QUOTES.sub("", t)
    t = _OBR.sub("", t)
    t = _PAREN.sub("", t)
    words: list[str] = []
    for w in t.split():
        if w[0].islower() or w[0] == "(" or w.lower() in {"with", "on", "for", "and", "or"}:
            break  # Oryx also writes "BMP-1 With 14.5mm BPU-1 Turret", "… (Tor-M2U"
        words.append(w.split("/")[0])
    if not words or (not any(is_designation(w) for w in words) and len(words) > 3):
        return None
    model = " ".join(words).strip(" -,")
    if not model or len(eq_key(model)) < 2:
        return None
    if model != raw:
        extra.append(raw)
    return model, extra


def family_of(model: str) -> tuple[str, list[str]]:
    """Family id and its aliases: "2K22M1 Tunguska" → "2K22 Tunguska", ["2K22", "Tunguska"]."""
    words = model.split()
    desig_i = next((i for i, w in enumerate(words) if is_designation(w)), None)
    if desig_i is None:
        return model, []
    desig = words[desig_i]
    names = [w for w in words if not is_designation(w) and w[0].isupper()]
    bm = _BASE.match(desig)
    if bm:
        base = bm.group(0)
    else:
        vm = _VARIANT_NAME.match(desig)  # "Tor-M2" → "Tor", "Pantsir-S1" → "Pantsir"
        return (vm.group(1), [vm.group(1)]) if vm else (desig, [desig])
    if desig_i > 0 and names:  # "Leopard 2A4" → "Leopard 2"
        lead = re.match(r"\d+", desig)
        fam = f"{names[0]} {lead.group(0) if lead else base}"
        return fam, [fam]
    if names:
        nm = _VARIANT_NAME.match(names[0])
        stem = nm.group(1) if nm else names[0]
        return f"{base} {stem}", [base, stem]
    return base, [base]


def oryx_name(mid: str, m: dict) -> str:
    """The type as Oryx writes it, so a ledger row can be compared with Oryx's lists: an Oryx
    row's own wording, a designation's commonest Oryx type ("2K22M1" → "2K22M1 Tunguska");
    empty for a family ("T-72") or a hand entry Oryx does not list, which name no single type."""
    if mid in ORYX_NAME:
        return ORYX_NAME[mid]
    if m["src"] in ("oryx", "oryx-ship"):
        return m["name"]
    if m["src"] == "oryx-designation" and m["raws"]:
        return m["raws"].most_common(1)[0][0]
    return ""


WESTERN = {
    "United States", "United Kingdom", "Germany", "France", "Poland", "Sweden", "Norway",
    "Netherlands", "Italy", "Canada", "Australia", "Turkey", "Finland", "Denmark", "Belgium",
    "Spain", "Czech Republic", "Slovakia", "Israel", "Portugal",
}  # fmt: skip


def lost_by(m: dict) -> str:
    """The side that loses this type (Russia or Ukraine), where it is one-sided: at least 95%
    of at least 5 Oryx items (scarnecchia ``country``), or a hand entry made in the West (only
    Ukraine fields it) or in Russia. The ledger checks a report's side against it."""
    owners: Counter[str] = m.get("owners") or Counter()
    n = sum(owners.values())
    if m["src"] == "oryx-ship" and len(owners) == 1:  # a named ship has one navy
        return next(iter(owners))
    if n >= 5:
        side, k = owners.most_common(1)[0]
        return side if k >= 0.95 * n else ""
    if m["src"] == "hand" and m["origin"] in WESTERN:
        return "Ukraine"
    if m["src"] == "hand" and m["origin"] == "Russia":
        return "Russia"
    return ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "equipment")
    args = ap.parse_args()

    origin: dict[str, Counter[str]] = defaultdict(Counter)
    owner: dict[str, Counter[str]] = defaultdict(Counter)  # who lost items of a type (Oryx)
    for f in sorted((args.data / "oryx" / "scarnecchia").glob("event_*.csv")):
        with f.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                system = re.sub(r"^\d+\s+", "", r["system"]).strip().rstrip(":")
                origin[eq_key(system)][r["origin"]] += 1
                owner[eq_key(system)][r["country"]] += 1

    models: dict[str, dict] = {}
    aliases: list[tuple[str, str, str, int]] = []  # alias, model id, kind, weight

    def add_model(mid: str, name: str, fam: str, cat: str, orig: str, n: int, src: str,
                  section: str = "", raw: str = "", owners: Counter[str] | None = None) -> None:
        m = models.setdefault(
            mid,
            {"name": name, "family": fam, "cats": Counter(), "origin": orig, "n": 0, "src": src,
             "sections": Counter(), "raws": Counter()},
        )
        m.setdefault("owners", Counter()).update(owners or {})
        if section:  # the Oryx section (and raw Oryx type) behind the model, for the ledger
            m["sections"][section] += n or 1
        if raw:
            m["raws"][raw] += n or 1
        if _WITH.search(m["name"]) and not _WITH.search(name):
            m["name"] = name  # the plain row names the model, not a variant's ("BMP-1 With …")
        m["cats"][cat] += n
        m["n"] += n
        if not m["origin"] and orig:
            m["origin"] = orig

    with (args.data / "catalog_from_oryx.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        section = " ".join(r["category"].split())
        cat = CATEGORY.get(r["category"].strip())
        if cat is None:
            low = r["category"].lower()
            cat = "truck" if "truck" in low else "other"
        raw = r["type"].strip()
        got = clean(raw, cat)
        if got is None:
            continue
        mid, extra = got
        if "MRAP" in mid:
            cat = "MRAP"
        n = int(r["count"] or 1)
        orig = origin.get(eq_key(raw)) or origin.get(eq_key(mid)) or Counter()
        o = orig.most_common(1)[0][0] if orig else ""
        fam, fam_aliases = family_of(mid)
        lost = owner.get(eq_key(raw)) or owner.get(eq_key(mid)) or Counter()
        add_model(mid, raw, fam, cat, o, n, "oryx", section, raw, lost)
        aliases.append((mid, mid, "id", n))
        for a in extra:
            aliases.append((a, mid, "full" if " " in a else "designation", n))
        words = mid.split()
        for w in words:
            if is_designation(w) and len(eq_key(w)) >= 3 and w.lower() not in GENERIC:
                if w != mid and any(c.isdigit() for c in w):
                    # "BMP-2M" alone names the designation, not "BMP-2M Berezhok"
                    add_model(w, w, fam, cat, o, n, "oryx-designation", section, raw, lost)
                    aliases.append((w, w, "designation", n))
                else:
                    aliases.append((w, mid, "designation", n))
        names = [w for w in words if not is_designation(w) and w[0].isupper()]
        if cat in NAME_CATEGORIES and len(words) > 1 and any(is_designation(w) for w in words):
            for w in names:
                if len(w) >= 4 and w.lower() not in GENERIC:
                    aliases.append((w, mid, "name", n))
        if fam != mid and fam.lower() not in GENERIC:  # "UAV" is a kind, not a model
            add_model(fam, fam, fam, cat, o, n, "oryx-family", section, "", lost)
            aliases.append((fam, fam, "id", n))
        for a in fam_aliases:
            if len(eq_key(a)) >= 3 and (is_designation(a) or cat in NAME_CATEGORIES):
                aliases.append((a, fam, "family", n))

    # ship names: Oryx writes them in the fate text ("BDK-65 'Saratov', destroyed")
    for side in ("russian", "ukrainian"):
        path = args.data / "oryx" / "klaas-wie" / f"{side}_losses_with_dates.csv"
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if not r["category"].startswith("Naval"):
                    continue
                proj = re.search(r"Project\s+[\w.\-]+|Pr\.\s*[\w.\-]+", r["equipment_type"])
                ship = re.match(
                    r"^(?:[A-Z]{1,4}-\d+\s+)?['‘’\"]?([A-Z][\w\- ']+?)['’\"]?,", r["loss_type"]
                )
                if not proj or not ship:
                    continue
                name = ship.group(1).strip(" '")
                if len(name) < 4 or name.lower() in {"unknown", "sunk"}:
                    continue
                p = re.sub(r"^Pr\.\s*", "Project ", proj.group(0))
                mid = f"{p} ({name})"
                add_model(mid, f"{r['equipment_type']} {name}", p, "ship", "", 1, "oryx-ship",
                          " ".join(r["category"].replace("Shipsand", "Ships and").split()),
                          f"{r['equipment_type']} {name}",
                          Counter({"Russia" if side == "russian" else "Ukraine": 1}))
                aliases.append((mid, mid, "id", 1))
                aliases.append((name, mid, "name", 5))

    for mid, fam, cat, orig, als in HAND:
        add_model(mid, mid, fam, cat, orig, 0, "hand")
        models[mid]["cats"] = Counter({cat: 1})
        models[mid]["family"] = fam
        if orig:
            models[mid]["origin"] = orig
        aliases.append((mid, mid, "id", 10**6))
        for a in als:
            aliases.append((a, mid, "hand", 10**6))
        if fam not in models:
            add_model(fam, fam, fam, cat, orig, 0, "hand")
            models[fam]["cats"] = Counter({cat: 1})

    # one winner per key: ids first, then hand, designations, families, names; then weight
    rank = {"id": 0, "hand": 1, "designation": 2, "full": 2, "family": 3, "name": 4}
    best: dict[str, tuple[int, int, str, str, str]] = {}
    for alias, mid, kind, w in aliases:
        k = eq_key(alias)
        if len(k) < 3 or k.isdigit() or mid not in models:
            continue
        digitless = not any(c.isdigit() for c in k)
        top_cat = models[mid]["cats"].most_common(1)[0][0]
        if digitless and kind != "hand" and top_cat not in NAME_CATEGORIES | {"ship"}:
            continue  # "Landing", "MAN", "Novator": brand or common words outside weapon types
        cand = (rank[kind], -w, alias, mid, kind)
        if k not in best or cand[:2] < best[k][:2]:
            best[k] = cand

    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "equipment_catalog.csv").open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["model_id", "name", "family", "category", "origin", "oryx_items", "source",
                     "oryx_name", "oryx_section", "lost_by"])
        for mid in sorted(models):
            m = models[mid]
            wr.writerow(
                [
                    mid,
                    m["name"],
                    m["family"],
                    m["cats"].most_common(1)[0][0],
                    m["origin"],
                    m["n"],
                    m["src"],
                    oryx_name(mid, m),
                    m["sections"].most_common(1)[0][0] if m["sections"] else "",
                    lost_by(m),
                ]
            )
    with (OUT / "equipment_aliases.csv").open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["alias", "model_id", "kind", "weak"])
        for k in sorted(best):
            _, _, alias, mid, kind = best[k]
            digitless = not any(c.isdigit() for c in k)
            weak = digitless and k in WEAK_NAMES and k not in STRONG_OVERRIDE
            weak = weak or (digitless and models[mid]["src"] == "oryx-ship")
            # a single capitalised word taken from a long Oryx name ("Turret", "Donbas",
            # "Minsk", "Boeing") is an ordinary word or a place far more often than a vehicle
            weak = weak or (digitless and kind == "name" and " " not in alias.strip())
            wr.writerow([alias, mid, kind, int(weak)])
    print(f"{len(models)} models, {len(best)} alias keys → {OUT}")


if __name__ == "__main__":
    main()
