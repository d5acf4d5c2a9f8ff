"""Resolver speed on short posts (issue 14): ``frontlens geoparse --jsonl`` on N posts, with and
without the front-line prior (``--control``), in one run.

    python bench/geoparse_posts.py [--n 10000] [--control ../shared/data/control/deepstate]

Posts are generated, not collected: a one-sentence template (en/uk/ru: "Russian forces shelled
{name}", "Окупанти обстріляли {name}", ...) around a Ukrainian settlement drawn (seeded) from
the gazetteer, with a date between 2022-09 and 2025-08, so lookups are varied (the gazetteer's
caches do not make every post after the first free). One process, one core. The control-map
layers are read once per run (their load time is reported apart: ``load_s``).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {
    "en": ["Russian forces shelled {n} overnight, the regional governor said.",
           "Ukrainian troops repelled an assault near {n}.",
           "Fighting continues in {n}, according to the General Staff."],
    "uk": ["Окупанти обстріляли {n}, повідомив голова ОВА.",
           "Сили оборони відбили штурм біля {n}.",
           "Тривають бої за {n}."],
    "ru": ["ВСУ обстреляли {n}, сообщили в администрации.",
           "Бои продолжаются в районе {n}.",
           "Российские войска вошли в {n}."],
}


def make_posts(n: int, seed: int = 14) -> list[dict[str, object]]:
    """``n`` posts naming Ukrainian settlements from the gazetteer (seeded)."""
    from frontlens.resolve.gazetteer import default_gazetteer

    rows = default_gazetteer().con.execute(
        "SELECT name, name_uk, name_ru FROM places WHERE country = 'UA' AND fclass = "
        "'settlement' AND name_uk IS NOT NULL ORDER BY pid").fetchall()
    rng = random.Random(seed)
    out = []
    start = date(2022, 9, 1)
    for i in range(n):
        lang = ("en", "uk", "ru")[i % 3]
        name, uk, ru = rng.choice(rows)
        nm = {"en": name, "uk": uk, "ru": ru or uk}[lang]
        text = rng.choice(TEMPLATES[lang]).format(n=nm)
        day = start + timedelta(days=rng.randrange(0, 1060))
        out.append({"id": f"b{i}", "text": text, "lang": lang, "date": day.isoformat()})
    return out


def run(path: Path, control: Path | None) -> float:
    cmd = [str(ROOT / ".venv" / "bin" / "frontlens"), "geoparse", "--jsonl", str(path)]
    if control is not None:
        cmd += ["--control", str(control)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--control", type=Path,
                    default=ROOT.parent / "shared" / "data" / "control" / "deepstate")
    a = ap.parse_args(argv)
    posts = make_posts(a.n)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "posts.jsonl"
        p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in posts))
        one = Path(tmp) / "one.jsonl"
        one.write_text(json.dumps(posts[0], ensure_ascii=False) + "\n")
        load = run(one, a.control) - run(one, None)  # reading the layers, once per run
        plain = run(p, None)
        front = run(p, a.control)
    rep = {"n": a.n, "plain_s": round(plain, 1), "front_s": round(front, 1),
           "load_s": round(load, 1),
           "plain_posts_per_s": round(a.n / plain, 1),
           "front_posts_per_s": round(a.n / front, 1),
           "front_posts_per_s_excl_load": round(a.n / max(front - load, 1e-9), 1),
           "ratio_front_to_plain": round(plain / front, 3), "cores": 1}
    print(json.dumps(rep, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
