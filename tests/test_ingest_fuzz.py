"""Hypothesis fuzzing of every ingestor, in-process through ``ingest_inputs`` and as a batch
through the real ``frontlens ingest`` command.

Generated inputs: text and Markdown with hostile front matter, HTML with scripts, huge
attributes and deep or unclosed markup, RSS/Atom/RDF with entity expansion and external
entities, Telegram result.json and X tweets.js/JSON Lines with wrong types, truncation and deep
nesting, GeoJSON with invalid, NaN and large geometries, mixed encodings, surrogates and NULs,
then byte-level mutations of all of these. What must hold for every one of them:

- ingest never raises and never falls into its catch-all ("internal error"); every error is
  one line naming the input; via the CLI only exit codes 0/1/2 and no traceback;
- what was stored before is byte-identical afterwards (every row of every table), and an input
  rejected as a whole leaves no row at all; a good input in the same batch is still stored;
- nothing stored is poison: text and JSON columns are strict JSON (no NaN), valid UTF-8 (no
  lone surrogates), free of NULs, and ``sources --json`` / ``export --format jsonl`` still work;
- re-ingesting the same input stores nothing and changes nothing;
- no external entity, XInclude or YAML tag is ever resolved (a local file's marker never shows
  up in storage) and no network connection is attempted;
- no single input takes over 30 s (timed per input); peak RSS is measured.

``FRONTLENS_FUZZ_INPUTS`` sets the number of in-process inputs (default: a bounded CI run),
``FRONTLENS_FUZZ_CLI_BATCHES`` the CLI batches, ``FRONTLENS_FUZZ_GIANT=1`` the full-size giant
inputs, ``FRONTLENS_FUZZ_SEED`` the seed, and ``FRONTLENS_FUZZ_REPORT`` a JSON file for the
figures (``make fuzz`` / ``scripts/fuzz.py`` set them).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PG_URL, SAMPLE
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from frontlens.config import Settings
from frontlens.ingest import ingest_inputs
from frontlens.ingest.pipeline import BatchReport
from frontlens.report.export import write_jsonl
from frontlens.store import schema
from frontlens.store.db import Store

INPUTS = int(os.environ.get("FRONTLENS_FUZZ_INPUTS", "175"))
CLI_BATCHES = int(os.environ.get("FRONTLENS_FUZZ_CLI_BATCHES", "2"))
GIANT = os.environ.get("FRONTLENS_FUZZ_GIANT") == "1"
SEED = int(os.environ.get("FRONTLENS_FUZZ_SEED", "20220910"))
REPORT = os.environ.get("FRONTLENS_FUZZ_REPORT")
HANG_S = 30.0
RSS_LIMIT_MB = 1024
RSS_ABOVE_BASELINE_MB = 500  # issue 15: one hostile input's own peak
MARKER = "XXE-MARKER-5f0c1e"  # in a local file hostile inputs try to pull in
GOOD_TEXT = "Ukrainian forces crossed the Oskil river near Kupiansk on Saturday.\n"


# -- figures --------------------------------------------------------------------------------------
@dataclass
class Figures:
    """What the run tried and measured; written to FRONTLENS_FUZZ_REPORT for the README."""

    inputs: int = 0
    by_family: dict[str, int] = field(default_factory=dict)
    rejected_inputs: int = 0
    item_errors: int = 0
    stored_records: int = 0
    crashes: int = 0
    hangs: int = 0
    max_input_seconds: float = 0.0
    slowest_family: str = ""
    cli_batches: int = 0
    cli_inputs: int = 0
    cli_exit_codes: dict[str, int] = field(default_factory=dict)
    giants: dict[str, dict[str, float]] = field(default_factory=dict)
    cli_baseline_rss_mb: int = 0  # the same command on a two-line text: imports, models, store
    peak_rss_mb_in_process: int = 0
    peak_rss_mb_by_family: dict[str, int] = field(default_factory=dict)
    peak_rss_mb_cli: int = 0
    pg_inputs: int = 0
    network_attempts: int = 0


FIGURES = Figures()


def _reset_vm_hwm() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):  # elsewhere the peak covers the whole process
        Path("/proc/self/clear_refs").write_text("5")


def _vm_hwm_mb() -> int:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
    return 0


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps(asdict(FIGURES), indent=2) + "\n")


@pytest.fixture(scope="module", autouse=True)
def _no_network() -> Iterator[list[str]]:
    """Any DNS lookup or connection (an external DTD, a fetched entity) fails and is counted."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(repr(args)[:200])
        FIGURES.network_attempts = len(attempts)
        raise OSError("network access refused by the fuzz harness")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket.socket, "connect", refuse)
        yield attempts
    assert attempts == [], attempts


# -- the seeded store every input runs against ----------------------------------------------------
@dataclass
class Seeded:
    root: Path
    db: Path
    secret: Path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A database with sources, map layers and features and evidence (every kind of row ingest
    writes), so "unchanged" is checked on each; every input runs against a fresh copy of it.
    Not extracted: the extraction models would dominate the measured peak RSS."""
    root = tmp_path_factory.mktemp("fuzz")
    db = root / "seed.db"
    url = f"sqlite:///{db}"
    with Store(url) as store:
        batch = ingest_inputs(store, [str(SAMPLE / "articles"), str(SAMPLE / "maps"),
                                      str(SAMPLE / "telegram" / "frontlens_sample_channel")],
                              Settings(db=url, evidence_dir=str(root / "evidence")))
        assert batch.exit_code == 0 and batch.added > 10, batch.errors
    secret = root / "secret.txt"
    secret.write_text(f"{MARKER}\n")
    return Seeded(root, db, secret)


Dump = dict[str, set[tuple[Any, ...]]]


def dump(db: Path) -> Dump:
    """Every row of every table as SQLite stores it (the bytes, not the decoded records);
    not the write counter, which every stored input moves by design (its own tests are in
    tests/test_api_cache.py)."""
    con = sqlite3.connect(db)
    try:
        return {t: set(con.execute(f'SELECT * FROM "{t}"')) for t in schema.metadata.tables
                if t != schema.store_writes.name}
    finally:
        con.close()


_JSON_COLUMNS = {t.name: [c.name for c in t.columns if "JSON" in type(c.type).__name__.upper()
                          or "JSON" in repr(c.type).upper()]
                 for t in schema.metadata.tables.values()}
_COLUMN_NAMES = {t.name: [c.name for c in t.columns] for t in schema.metadata.tables.values()}


def _forbid_constant(name: str) -> Any:
    raise ValueError(f"{name} in stored JSON")


def _check_clean_str(s: str, where: str) -> None:
    assert "\x00" not in s, f"NUL stored in {where}"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AssertionError(f"lone surrogate stored in {where}: {exc}") from exc
    assert MARKER not in s, f"external entity resolved into {where}"


def _check_json(value: Any, where: str) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            _check_clean_str(v, where)
        elif isinstance(v, dict):
            for k, x in v.items():
                _check_clean_str(k, where)
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)


def check_not_poison(new: Dump) -> None:
    """Rows that PostgreSQL, a browser's JSON.parse or an export would choke on."""
    for table, rows in new.items():
        names = _COLUMN_NAMES[table]
        for row in rows:
            for name, value in zip(names, row, strict=True):
                where = f"{table}.{name}"
                if name in _JSON_COLUMNS[table] and isinstance(value, str):
                    try:
                        parsed = json.loads(value, parse_constant=_forbid_constant)
                    except (ValueError, RecursionError) as exc:
                        raise AssertionError(f"{where} is not strict JSON: {exc}") from exc
                    _check_json(parsed, where)
                elif isinstance(value, str):
                    _check_clean_str(value, where)
                elif isinstance(value, float):
                    assert math.isfinite(value), f"{value} stored in {where}"


def check_readable(store: Store) -> None:
    """What ``sources --json`` and ``export --format jsonl`` do must still work."""
    rows = [s.model_dump(mode="json") for s in store.list_sources(limit=10_000)]
    json.dumps(rows, ensure_ascii=False, allow_nan=False).encode("utf-8")
    write_jsonl(store, io.StringIO())


# -- hostile building blocks ----------------------------------------------------------------------
HOSTILE_WORDS = [
    "Izium", "Kupiansk", "Балаклія", "Изюм", "Куп'янськ", "forces withdrew", "2022-09-10",
    "&amp;", "&#0;", "&#xD800;", "&#1114112;", "&lol9;", "&xxe;", "<script>alert(1)</script>",
    "]]>", "<![CDATA[", "\u202e", "\ufeff", "\x00", "\ud800", "\udfff", "\x1b[31m", "\r\n",
    "\r", "\u2028", "𝔘𝔨𝔯", "ё", "\t", "{{7*7}}", "%s%n", "' OR 1=1 --", "${jndi:ldap://x/a}",
    "../../etc/passwd", "\\", '"', "<", ">", "&", "\x7f", "\x85", "\ufffe", "ﷺ", "Ǆ",
]
DATES: list[Any] = [
    "2022-09-10", "2022-09", "2022-13-45", "2022-00", "9999-12-31", "0001-01-01", "10000-01-01",
    "2022-09-10T25:61:00Z", "2022-09-10T10:00:00+99:00", "Sat, 10 Sep 2022 12:00:00 GMT",
    "Fri Sep 09 12:34:56 +0000 2022", "1662804000", "-1e400", "9" * 30, "", "null", "nan",
    1662804000, -1, 2**70, 1e308, None, True, [], {},
]


def hostile_text(max_pieces: int = 30) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(HOSTILE_WORDS), st.text(max_size=20),
                      st.sampled_from([" ", "\n", ". "]))
    return st.lists(piece, max_size=max_pieces).map("".join)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text(6), st.sampled_from(DATES),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text(3), inner, max_size=4),
    max_leaves=12,
)
DEPTHS = [2, 33, 65, 1_001, 30_000]


def nested(depth: int, kind: str = "[") -> str:
    return "[" * depth + "]" * depth if kind == "[" else '{"a":' * depth + "1" + "}" * depth


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as bytes in one of the encodings reports arrive in, or mixed line by line."""
    how = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8_r", "latin-1",
                                "mixed"]))
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    if how in ("utf-8-sig", "utf-16"):
        return text.encode(how, "surrogatepass")
    if how != "mixed":
        return text.encode(how, "replace")
    encs = st.sampled_from(["utf-8", "cp1251", "koi8_r", "cp1252"])
    return b"".join(line.encode(draw(encs), "replace")
                    for line in text.splitlines(keepends=True))


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """Byte-level damage: truncation, inserted NULs or junk, a cut or a repeated slice."""
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["truncate", "insert", "delete", "repeat", "flip"]))
        at = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
                                                     b"\r", b"{", b"<", b"\"", b"&"])) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif op == "repeat":
            data = data[:at] + data[at:at + 32] * draw(st.integers(2, 50)) + data[at:]
        elif data:
            i = min(at, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
    return data


Input = tuple[str, bytes]


@st.composite
def maybe_mutated(draw: st.DrawFn, inp: st.SearchStrategy[Input]) -> Input:
    name, data = draw(inp)
    if draw(st.integers(0, 3)) == 0:
        data = draw(mutated(data))
    return name, data


# -- text and Markdown ----------------------------------------------------------------------------
def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, k in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{k}: &{k} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


@st.composite
def text_inputs(draw: st.DrawFn) -> Input:
    canary = Path(tempfile.gettempdir()) / "frontlens-fuzz-yaml-canary"
    raw_yaml = [
        _alias_bomb(), "a: &a [*a]", f'title: !!python/object/apply:os.system ["touch {canary}"]',
        "? [a, b]\n: c", "title: !!binary aGVsbG8=", "date: !!timestamp 2022-09-10",
        "title: " + "[" * 5000, "- a\n- b", "date: 99999999999999999999", "<<: *x",
        "title: '" + "x" * 100_000 + "'", "title:\tx", "%YAML 9.9\n---", "title: *undefined",
    ]
    front = draw(st.sampled_from(["none", "dict", "raw", "json"]))
    head = ""
    if front == "dict":
        keys = st.sampled_from(["title", "date", "published", "url", "outlet", "author",
                                "language", "lang", "tags", "x"])
        meta = draw(st.dictionaries(keys, st.one_of(json_values, st.sampled_from(DATES)),
                                    max_size=6))
        try:
            head = yaml.safe_dump(meta, allow_unicode=draw(st.booleans()))
        except (yaml.YAMLError, UnicodeError, ValueError):
            head = json.dumps(meta, default=str)
    elif front == "raw":
        head = draw(st.sampled_from(raw_yaml))
    elif front == "json":
        head = json.dumps(draw(json_values), default=str)
    body = draw(hostile_text())
    heading = draw(st.sampled_from(["", "# ", "### " + "#" * 50 + " "]))
    close = draw(st.sampled_from(["---", "---\t", "", "...", "----"]))
    text = (f"---\n{head}\n{close}\n" if front != "none" else "") + heading + body
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    name = draw(st.sampled_from(["report.md", "report.txt", "report.markdown", "report",
                                 "report.text"]))
    return name, draw(encoded(text))


# -- HTML -----------------------------------------------------------------------------------------
TAGS = ["p", "div", "span", "script", "style", "iframe", "svg", "math", "template", "noscript",
        "table", "tr", "td", "a", "img", "title", "meta", "base", "object", "embed", "form",
        "input", "textarea", "xmp", "plaintext", "noembed", "select", "frameset", "body", "head",
        "html", "br", "h1", "article", "main", "nav", "footer", "time", "x-custom", "!--"]
ATTRS = ["onload", "onerror", "href", "src", "style", "content", "property", "name", "lang",
         "charset", "http-equiv", "itemprop", "rel", "datetime", "xmlns", "id"]


@st.composite
def _attr(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.sampled_from(ATTRS), st.text("abcxyz:-_", min_size=1, max_size=8)))
    size = draw(st.sampled_from([0, 10, 1_000, 100_000]))
    value = draw(st.one_of(hostile_text(5), st.sampled_from(DATES).map(str),
                           st.just("A" * size), st.just("javascript:alert(1)")))
    quote = draw(st.sampled_from(['"', "'", ""]))
    return f" {name}={quote}{value}{quote}"


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        tag = draw(st.sampled_from(TAGS))
        if tag == "!--":
            return f"<!--{draw(hostile_text(4))}"  # possibly unclosed comment
        attrs = "".join(draw(st.lists(_attr(), max_size=3)))
        inner = "".join(draw(st.lists(children, max_size=4)))
        end = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</>"]))
        return f"<{tag}{attrs}>{inner}{end}"

    return build()


html_fragments = st.recursive(hostile_text(8), _element, max_leaves=25)


@st.composite
def html_inputs(draw: st.DrawFn) -> Input:
    prefix = draw(st.sampled_from([
        "", "<!DOCTYPE html>", '<?xml version="1.0" encoding="koi8-r"?>', '<meta charset="utf-16">',
        '<!DOCTYPE html SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    ]))
    date = draw(st.sampled_from(DATES))
    parts = [prefix, f"<html lang=\"{draw(hostile_text(2))}\"><head><title>",
             draw(hostile_text(6)), "</title>",
             f'<meta property="article:published_time" content="{date}">',
             "</head><body><p>Shelling near Kupiansk was reported on Monday by regional "
             "officials, who said the evacuation continued.</p>"]
    parts += draw(st.lists(html_fragments, max_size=6))
    deep = draw(st.sampled_from([0, 0, 100, 3_000]))
    parts.append("<div>" * deep + "deep" + "</div>" * draw(st.sampled_from([0, deep])))
    cells = draw(st.sampled_from([0, 0, 50, 2_000]))
    parts.append("<table>" + "<tr><td>" * cells + "cell")
    if draw(st.booleans()):
        parts.append("&xxe; &lol9; &#0; &#xD800;</body></html>")
    name = draw(st.sampled_from(["page.html", "page.htm", "page.xhtml", "page"]))
    return name, draw(encoded("".join(parts)))


# -- RSS / Atom / RDF -----------------------------------------------------------------------------
_LOLS = "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
).replace("&lol0;", "lol")
DOCTYPES = [
    "",
    f"<!DOCTYPE rss [<!ENTITY lol0 \"lol\">{_LOLS}]>",
    '<!DOCTYPE rss [<!ENTITY big "' + "x" * 50_000 + '">]>',
    '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    '<!DOCTYPE rss [<!ENTITY xxe SYSTEM ".secret.txt">]>',
    '<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
    '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">',
    '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
    "<!DOCTYPE rss [<!ENTITY a '&b;'><!ENTITY b '&a;'>]>",
]
ENTITY_REFS = ["", "&xxe;", "&lol9;", "&big;" * 200, "&p;", "&a;", "&undefined;",
               '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}" '
               'parse="text"/>']


@st.composite
def _feed_text(draw: st.DrawFn) -> str:
    text = draw(hostile_text(8)) + draw(st.sampled_from(ENTITY_REFS))
    how = draw(st.sampled_from(["escape", "raw", "cdata", "html"]))
    if how == "escape":
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if how == "cdata":
        return f"<![CDATA[{text}]]>"
    if how == "html":
        return draw(html_fragments).replace("&", "&amp;").replace("<", "&lt;") + text
    return text


@st.composite
def feed_inputs(draw: st.DrawFn) -> Input:
    kind = draw(st.sampled_from(["rss", "atom", "rdf"]))
    n = draw(st.integers(0, 6))
    entries = []
    for i in range(n):
        title, body, date = draw(_feed_text()), draw(_feed_text()), draw(st.sampled_from(DATES))
        guid = draw(st.one_of(st.just(str(i)), hostile_text(3)))
        link = draw(st.sampled_from(["https://example.org/a", "javascript:alert(1)",
                                     "file:///etc/passwd", "", "{secret}"]))
        if kind == "atom":
            entries.append(f"<entry><title>{title}</title><id>{guid}</id><link href=\"{link}\"/>"
                           f"<updated>{date}</updated><content type=\"html\">{body}</content>"
                           f"<author><name>{draw(_feed_text())}</name></author></entry>")
        else:
            entries.append(f"<item><title>{title}</title><description>{body}</description>"
                           f"<pubDate>{date}</pubDate><guid>{guid}</guid><link>{link}</link>"
                           f"<enclosure url=\"{link}\"/></item>")
    doctype = draw(st.sampled_from(DOCTYPES)).replace("rss", {"rss": "rss", "atom": "feed",
                                                               "rdf": "rdf:RDF"}[kind])
    title = draw(_feed_text())
    if kind == "rss":
        body = (f'<rss version="2.0"><channel><title>{title}</title><language>'
                f'{draw(hostile_text(2))}</language>{"".join(entries)}</channel></rss>')
    elif kind == "atom":
        body = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
                f'{"".join(entries)}</feed>')
    else:
        body = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                f'xmlns="http://purl.org/rss/1.0/"><channel><title>{title}</title></channel>'
                f'{"".join(entries)}</rdf:RDF>')
    enc = draw(st.sampled_from(["utf-8", "windows-1251", "koi8-r", "utf-16", "bogus"]))
    text = f'<?xml version="1.0" encoding="{enc}"?>\n{doctype}\n{body}'
    name = draw(st.sampled_from(["feed.rss", "feed.xml", "feed.atom", "feed"]))
    return name, draw(encoded(text))


# -- Telegram Desktop result.json -----------------------------------------------------------------
def _dumps(obj: Any, ascii_only: bool) -> bytes:
    return json.dumps(obj, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8",
                                                                            "surrogatepass")


def _with_deep(data: bytes, depth: int, kind: str) -> bytes:
    """Splice a ``depth``-deep value in place of the placeholder string, if there is one."""
    return data.replace(b'"DEEP"', nested(depth, kind).encode(), 1)


@st.composite
def _tg_message(draw: st.DrawFn, i: int) -> Any:
    msg: dict[str, Any] = {
        "id": i, "type": "message", "date": "2022-09-10T13:00:00",
        "date_unixtime": str(1662804000 + i), "from": "Front Watch",
        "text": draw(st.one_of(hostile_text(), st.lists(st.one_of(
            hostile_text(4), st.fixed_dictionaries({"type": st.sampled_from(
                ["bold", "text_link", "link", "x"]), "text": json_values, "href": json_values}),
            json_values), max_size=4))),
    }
    how = draw(st.sampled_from(["ok", "ok", "retype", "drop", "value", "deep"]))
    if how == "retype":
        for key in draw(st.lists(st.sampled_from(
                ["id", "type", "date", "date_unixtime", "from", "text", "photo", "views",
                 "forwarded_from", "author", "text_entities", "edited"]), max_size=3)):
            msg[key] = draw(st.one_of(json_values, st.sampled_from(DATES)))
    elif how == "drop":
        for key in draw(st.lists(st.sampled_from(["id", "date", "date_unixtime", "text"]),
                                 max_size=2)):
            msg.pop(key, None)
    elif how == "value":
        return draw(json_values)
    elif how == "deep":
        msg[draw(st.sampled_from(["text", "views", "extra"]))] = "DEEP"
    return msg


@st.composite
def telegram_inputs(draw: st.DrawFn) -> Input:
    n = draw(st.integers(0, 6))
    messages = [draw(_tg_message(i)) for i in range(1, n + 1)]
    head: dict[str, Any] = {"name": "Front Watch", "type": "public_channel", "id": 777}
    if draw(st.booleans()):
        head[draw(st.sampled_from(["name", "type", "id", "about", "extra"]))] = draw(json_values)
    obj: Any = {**head, "messages": messages}
    if draw(st.integers(0, 5)) == 0:
        obj = draw(st.sampled_from([messages, {"messages": {}}, {"messages": "x"}, head, "DEEP"]))
    data = _dumps(obj, draw(st.booleans()))
    data = _with_deep(data, draw(st.sampled_from(DEPTHS)), draw(st.sampled_from(["[", "{"])))
    if draw(st.booleans()):
        data = data.replace(b"1662804001", draw(st.sampled_from(
            [b"1e999", b"-0", b"NaN", b"Infinity", b"123456789012345678901234567890"])))
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    return "result.json", data


# -- X tweets.js and JSON Lines -------------------------------------------------------------------
@st.composite
def _tweet(draw: st.DrawFn, i: int) -> Any:
    tweet: dict[str, Any] = {
        "id_str": str(1568000000000000000 + i),
        "created_at": draw(st.sampled_from(["Fri Sep 09 12:34:56 +0000 2022", *DATES])),
        "full_text": draw(hostile_text()), "lang": draw(st.sampled_from(["en", "uk", "und", 7])),
    }
    how = draw(st.sampled_from(["ok", "retype", "drop", "value", "deep"]))
    if how == "retype":
        for key in draw(st.lists(st.sampled_from(
                ["id_str", "id", "created_at", "full_text", "text", "lang", "user", "entities",
                 "extended_entities", "media"]), max_size=3)):
            tweet[key] = draw(json_values)
    elif how == "drop":
        for key in draw(st.lists(st.sampled_from(["id_str", "created_at", "full_text"]),
                                 max_size=2)):
            tweet.pop(key, None)
    elif how == "value":
        return draw(json_values)
    elif how == "deep":
        tweet["entities"] = "DEEP"
    return {"tweet": tweet} if draw(st.booleans()) else tweet


@st.composite
def x_inputs(draw: st.DrawFn) -> Input:
    tweets = [draw(_tweet(i)) for i in range(draw(st.integers(0, 6)))]
    ascii_only = draw(st.booleans())
    depth, kind = draw(st.sampled_from(DEPTHS)), draw(st.sampled_from(["[", "{"]))
    if draw(st.booleans()):
        prefix = draw(st.sampled_from([b"window.YTD.tweets.part0 = ", b"window.YTD.tweets.part0=",
                                       b"window.YTD.tweet = ", b"window.YTD.tweets.part0 = \n"]))
        data = prefix + _with_deep(_dumps(tweets, ascii_only), depth, kind)
        return draw(st.sampled_from(["tweets.js", "tweet.js", "data.js"])), data
    lines = [_with_deep(_dumps(t, ascii_only), depth, kind) for t in tweets]
    sep = draw(st.sampled_from([b"\n", b"\r\n", b"\n\n"]))
    return draw(st.sampled_from(["posts.jsonl", "posts.ndjson"])), sep.join(lines)


# -- GeoJSON --------------------------------------------------------------------------------------
coordinate = st.one_of(
    st.floats(min_value=-180, max_value=180),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0, 2**70]),
    st.sampled_from(["36.5", None, True, [], {}]),
)


@st.composite
def _ring(draw: st.DrawFn) -> list[Any]:
    n = draw(st.sampled_from([0, 1, 3, 4, 50, 5_000]))
    cx, cy = draw(st.floats(30, 40)), draw(st.floats(45, 52))
    ring: list[Any] = [[cx + math.cos(2 * math.pi * k / max(n, 1)) * 0.1,
                        cy + math.sin(2 * math.pi * k / max(n, 1)) * 0.1] for k in range(n)]
    if draw(st.booleans()) and ring:
        ring.append(ring[0])  # closed
    if draw(st.integers(0, 3)) == 0:
        ring += [[cx + 1, cy + 1], [cx - 1, cy + 1], [cx + 1, cy - 1], [cx - 1, cy - 1]]  # bowtie
    if draw(st.integers(0, 3)) == 0 and ring:
        ring[draw(st.integers(0, len(ring) - 1))] = draw(st.lists(coordinate, max_size=4))
    return ring


@st.composite
def _geometry(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["Point", "Polygon", "MultiPolygon", "LineString",
                                 "GeometryCollection", "Hexagon", "junk", "none", "deep"]))
    if kind == "Point":
        return {"type": "Point", "coordinates": draw(st.lists(coordinate, max_size=4))}
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [draw(_ring()) for _ in range(
            draw(st.integers(0, 2)))]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[draw(_ring())]]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": draw(st.lists(
            st.lists(coordinate, min_size=2, max_size=2), max_size=5))}
    if kind == "GeometryCollection":
        geoms: Any = {"type": "Point", "coordinates": [36.0, 49.0]}
        for _ in range(draw(st.sampled_from([1, 3, 10]))):
            geoms = {"type": "GeometryCollection", "geometries": [geoms]}
        return geoms
    if kind == "Hexagon":
        return {"type": "Hexagon", "coordinates": [36, 49]}
    if kind == "none":
        return None
    if kind == "deep":
        return {"type": "Polygon", "coordinates": "DEEP"}
    return draw(json_values)


@st.composite
def _feature(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 6)) == 0:
        return draw(json_values)
    props = draw(st.one_of(st.dictionaries(
        st.sampled_from(["status", "control", "name", "x", "\x00", "\ud800"]),
        st.one_of(json_values, st.just("DEEP")), max_size=4), json_values))
    return {"type": "Feature", "properties": props, "geometry": draw(_geometry())}


@st.composite
def geojson_inputs(draw: st.DrawFn) -> Input:
    features = draw(st.lists(_feature(), max_size=6))
    top: dict[str, Any] = {"type": draw(st.sampled_from(["FeatureCollection"] * 4 + [
        "Feature", None, 7]))}
    for key in draw(st.lists(st.sampled_from(["name", "date", "layer_date", "crs", "bbox", "x"]),
                             max_size=3)):
        top[key] = draw(st.one_of(json_values, st.sampled_from(DATES), st.just("DEEP")))
    top["features"] = features if draw(st.integers(0, 8)) else draw(json_values)
    data = _dumps(top, draw(st.booleans()))
    data = _with_deep(data, draw(st.sampled_from(DEPTHS)), draw(st.sampled_from(["[", "{"])))
    if draw(st.booleans()):
        data = data.replace(b"NaN", b"1e999").replace(b"Infinity", b"1e999")
    name = draw(st.sampled_from(["control_2022-09-10.geojson", "layer.geojson", "map.json"]))
    return name, data


# -- anything else --------------------------------------------------------------------------------
NAMES = ["x.txt", "x.md", "x.html", "x.xml", "x.rss", "x.atom", "x.json", "result.json",
         "tweets.js", "x.jsonl", "x.geojson", "x", "x.csv", "x.pdf.txt"]


@st.composite
def junk_inputs(draw: st.DrawFn) -> Input:
    name = draw(st.sampled_from(NAMES))
    data = draw(st.one_of(
        st.binary(max_size=3_000),
        hostile_text(40).flatmap(encoded),
        st.sampled_from([b"", b" \n\t", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00" * 100,
                         b'{"type": "FeatureCollection"', b"<rss", b"window.YTD.tweets.part0 = ["]),
    ))
    return name, data


FAMILIES: dict[str, st.SearchStrategy[Input]] = {
    "text": maybe_mutated(text_inputs()),
    "html": maybe_mutated(html_inputs()),
    "feed": maybe_mutated(feed_inputs()),
    "telegram": maybe_mutated(telegram_inputs()),
    "x": maybe_mutated(x_inputs()),
    "geojson": maybe_mutated(geojson_inputs()),
    "junk": junk_inputs(),
}
any_input = st.one_of(*FAMILIES.values())


# -- the in-process fuzz --------------------------------------------------------------------------
def _write_inputs(folder: Path, inputs: list[Input], secret: Path) -> list[Path]:
    paths = []
    for i, (name, data) in enumerate(inputs):
        path = folder / f"in{i}" / name
        path.parent.mkdir(parents=True)
        path.write_bytes(data.replace(b"{secret}", str(secret).encode()))
        shutil.copyfile(secret, path.parent / ".secret.txt")  # relative SYSTEM ids; not walked
        paths.append(path)
    return paths


def _added(before: Dump, after: Dump) -> Dump:
    return {t: after[t] - before[t] for t in after}


def fuzz_one(seeded: Seeded, family: str, inp: Input, with_good: bool) -> None:
    """Ingest one generated input (after a good file when ``with_good``) into a fresh copy of
    the seeded store and check every property in the module docstring."""
    work = Path(tempfile.mkdtemp(dir=seeded.root))
    try:
        db = work / "f.db"
        shutil.copyfile(seeded.db, db)
        url = f"sqlite:///{db}"
        settings_ = Settings(db=url, evidence_dir=str(seeded.root / "evidence"))
        [path] = _write_inputs(work, [inp], seeded.secret)
        args = [str(path)]
        if with_good:
            good = work / "good.txt"
            good.write_text(GOOD_TEXT)
            args.insert(0, str(good))
        before = dump(db)
        with Store(url) as store:
            t0 = time.perf_counter()
            batch = ingest_inputs(store, args, settings_)
            elapsed = time.perf_counter() - t0
            _count(family, batch, elapsed)
            after = dump(db)
            _check_batch(batch, args)
            report = batch.inputs[-1]
            for table, rows in before.items():  # nothing stored before changed or went
                assert rows <= after[table], f"{table}: stored rows changed"
            new = _added(before, after)
            if report.error is not None:  # rejected whole: no trace but the good file's
                assert {t: r for t, r in new.items() if r and t not in ("sources", "evidence")
                        } == {}, report.error
                assert len(new["sources"]) == (1 if with_good else 0), report.error
            if with_good:
                assert any(GOOD_TEXT.strip() in str(r) for r in new["sources"]) or any(
                    GOOD_TEXT.strip() in str(r) for r in before["sources"])
            check_not_poison(new)
            check_readable(store)
            again = ingest_inputs(store, args, settings_)
            assert again.added == 0, "re-ingest stored something new"
            assert [r.error for r in again.inputs] == [r.error for r in batch.inputs]
            assert dump(db) == after, "re-ingest changed stored rows"
        assert elapsed < HANG_S, f"{family} input took {elapsed:.1f} s"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_batch(batch: BatchReport, args: list[str]) -> None:
    """Only the documented outcomes: stored, or one-line errors naming the input."""
    assert [r.origin for r in batch.inputs] == args
    for r in batch.inputs:
        if r.error is not None and "internal error" in r.error:
            FIGURES.crashes += 1
            raise AssertionError(f"catch-all hit: {r.error}")
        for line in ([r.error] if r.error else []) + r.item_errors:
            assert "\n" not in line and line.startswith(f"{r.origin}: "), line
            assert "Traceback" not in line, line


def _count(family: str, batch: BatchReport, elapsed: float) -> None:
    FIGURES.inputs += 1
    FIGURES.by_family[family] = FIGURES.by_family.get(family, 0) + 1
    report = batch.inputs[-1]
    FIGURES.rejected_inputs += report.error is not None
    FIGURES.item_errors += len(report.item_errors)
    FIGURES.stored_records += report.added
    if elapsed > FIGURES.max_input_seconds:
        FIGURES.max_input_seconds, FIGURES.slowest_family = round(elapsed, 3), family
    FIGURES.hangs += elapsed >= HANG_S


def _fuzz_settings(n: int, shrink: bool = True, run_seed: int = SEED
                   ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Seeded (reproducible), no deadline, no example database; subprocess tests skip the
    shrink phase, which can take many minutes of CLI runs for one failure."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])

    def apply(fn: Callable[..., None]) -> Callable[..., None]:
        return seed(run_seed)(settings(max_examples=max(n, 1), deadline=None, database=None,
                                       suppress_health_check=list(HealthCheck), phases=phases,
                                       print_blob=True)(fn))
    return apply


CHUNK = 200
"""Examples per Hypothesis run in the long fuzz: one run keeps every example it generated
(its choice tree and a cache of 10,000 results, bounded by count, not bytes), so a single run
of 1,000 HTML inputs grew the process by 500-600 MB whatever ingest did; runs of 200 in a
row, each seeded from SEED and its index, hold one run's worth (RSS flat after the first)."""


def _chunks(n: int) -> list[tuple[int, int]]:
    """(seed, examples) of the runs that make up ``n`` examples; the first is seeded SEED,
    so a bounded run (n <= CHUNK) is the single run it always was."""
    return [(SEED + k, min(CHUNK, n - k * CHUNK)) for k in range(max(-(-n // CHUNK), 1))]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_generated_input_crashes_poisons_or_changes_stored_data(
        seeded: Seeded, family: str) -> None:
    def run(inp: Input, with_good: bool) -> None:
        fuzz_one(seeded, family, inp, with_good)

    _reset_vm_hwm()
    try:
        for run_seed, n in _chunks(INPUTS // len(FAMILIES)):
            _fuzz_settings(n, run_seed=run_seed)(
                given(inp=FAMILIES[family], with_good=st.booleans())(run))()
    finally:  # the peak of this family's inputs (pytest and hypothesis included)
        FIGURES.peak_rss_mb_by_family[family] = _vm_hwm_mb()
        FIGURES.peak_rss_mb_in_process = max(FIGURES.peak_rss_mb_by_family.values())
    assert FIGURES.by_family.get(family, 0) > 0


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="FRONTLENS_TEST_PG_URL unset")
def test_generated_inputs_are_stored_alike_on_postgresql_and_sqlite(
        pg_url: str, seeded: Seeded) -> None:
    """The same inputs, in the same order, into one PostgreSQL and one SQLite store: the same
    outcome on both (PostgreSQL refuses NULs, lone surrogates and NaN in JSON, so poison
    shows up there as an error SQLite would not have raised), and re-ingest is a no-op."""
    work = Path(tempfile.mkdtemp(dir=seeded.root))
    stores = {"postgresql": Store(pg_url), "sqlite": Store(f"sqlite:///{work / 'same.db'}")}
    try:
        def run(inp: Input) -> None:
            folder = Path(tempfile.mkdtemp(dir=work))
            [path] = _write_inputs(folder, [inp], seeded.secret)
            outcome = {}
            for name, store in stores.items():
                batch = ingest_inputs(store, [str(path)], Settings(db=store.url,
                                                                   evidence_max_bytes=0))
                _check_batch(batch, [str(path)])
                again = ingest_inputs(store, [str(path)], Settings(db=store.url,
                                                                   evidence_max_bytes=0))
                assert again.added == 0
                outcome[name] = (batch.added, batch.skipped, batch.errors)
            assert outcome["postgresql"] == outcome["sqlite"]
            FIGURES.pg_inputs += 1

        for run_seed, n in _chunks(max(INPUTS // 5, 1)):
            _fuzz_settings(n, run_seed=run_seed)(given(inp=any_input)(run))()
        assert stores["postgresql"].counts() == stores["sqlite"].counts()
    finally:
        for store in stores.values():
            store.close()


def test_external_entity_file_is_never_read_into_storage(seeded: Seeded) -> None:
    """The classic XXE payloads, every one: the referenced local file stays out of storage."""
    for doctype in DOCTYPES[3:6]:
        for ref in ("&xxe;", "&p;", ENTITY_REFS[-1]):
            feed = (f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>T'
                    f"</title><item><title>Item {ref}</title><description>Fighting near Izium "
                    f"{ref} continued.</description><guid>g</guid></item></channel></rss>")
            fuzz_one(seeded, "feed", ("feed.rss", feed.encode()), with_good=False)
    assert MARKER in seeded.secret.read_text()  # the file was there to be read


def test_yaml_python_tags_are_not_executed(seeded: Seeded) -> None:
    canary = Path(tempfile.gettempdir()) / "frontlens-fuzz-yaml-canary"
    canary.unlink(missing_ok=True)
    doc = f'---\ntitle: !!python/object/apply:os.system ["touch {canary}"]\n---\nFighting.\n'
    fuzz_one(seeded, "text", ("tag.md", doc.encode()), with_good=True)
    assert not canary.exists()


# -- the same inputs as one batch through the real command ----------------------------------------
HWM_PROG = """import atexit, sys
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            sys.stderr.write('fuzz-vmhwm-kb ' + line.split()[1] + '\\n')
atexit.register(_hwm)
from frontlens.cli import run
sys.argv = ['frontlens', *sys.argv[1:]]
run()
"""


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    rss_mb: int
    seconds: float


def run_cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 300
            ) -> CliResult:
    """``frontlens ARGS`` in a fresh interpreter, with its own peak RSS (VmHWM) at exit."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", HWM_PROG, *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - t0
    lines = proc.stderr.splitlines()
    rss = [int(ln.split()[1]) // 1024 for ln in lines if ln.startswith("fuzz-vmhwm-kb ")]
    stderr = "\n".join(ln for ln in lines if not ln.startswith("fuzz-vmhwm-kb "))
    FIGURES.peak_rss_mb_cli = max(FIGURES.peak_rss_mb_cli, *rss, 0)
    return CliResult(proc.returncode, proc.stdout, stderr, rss[0] if rss else 0, seconds)


def assert_clean_exit(r: CliResult, codes: tuple[int, ...] = (0, 1, 2),
                      stderr_lines: tuple[str, ...] = ("error: ",)) -> None:
    """An expected exit code, no traceback, and every stderr line one of the expected kinds."""
    assert r.code in codes, (r.code, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr[-3000:]
    for line in r.stderr.splitlines():
        assert line.startswith(stderr_lines), line


def test_cli_ingest_of_a_hostile_batch_exits_cleanly_and_keeps_what_was_stored(
        seeded: Seeded) -> None:
    @_fuzz_settings(CLI_BATCHES, shrink=False)
    @given(batch=st.lists(any_input, min_size=2, max_size=8))
    def run(batch: list[Input]) -> None:
        work = Path(tempfile.mkdtemp(dir=seeded.root))
        try:
            db = work / "c.db"
            shutil.copyfile(seeded.db, db)
            folder = work / "batch"
            _write_inputs(folder, batch, seeded.secret)
            (folder / "good.txt").write_text(GOOD_TEXT)
            url = f"sqlite:///{db}"
            env = {"FRONTLENS_EVIDENCE_DIR": str(work / "ev")}
            before = dump(db)
            first = run_cli(["--db", url, "ingest", str(folder)], env)
            assert_clean_exit(first, (0, 1))
            FIGURES.cli_batches += 1
            FIGURES.cli_inputs += len(batch) + 1
            FIGURES.cli_exit_codes[str(first.code)] = FIGURES.cli_exit_codes.get(
                str(first.code), 0) + 1
            after = dump(db)
            for table, rows in before.items():
                assert rows <= after[table], f"{table}: stored rows changed"
            assert any(GOOD_TEXT.strip() in str(r) for r in after["sources"] - before["sources"])
            check_not_poison(_added(before, after))
            second = run_cli(["--db", url, "ingest", str(folder)], env)
            assert_clean_exit(second, (first.code,))
            assert " 0 records stored" in second.stdout, second.stdout
            assert dump(db) == after
            for args in (["sources", "--json", "--limit", "10000"],
                         ["export", "--format", "jsonl", "-o", str(work / "all.jsonl")]):
                assert_clean_exit(run_cli(["--db", url, *args], env), (0,), ("jsonl: ",))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    run()
    assert FIGURES.cli_batches > 0


# -- giant inputs: time and memory per input ------------------------------------------------------
def _polygon_layer(n: int) -> bytes:
    ring = [[37 + math.cos(2 * math.pi * k / n) * 0.1, 49 + math.sin(2 * math.pi * k / n) * 0.1]
            for k in range(n)]
    ring.append(ring[0])
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"status": "occupied"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()


def _many_features(n: int) -> bytes:
    feature = ('{"type":"Feature","properties":{"status":"occupied","name":"p%d"},'
               '"geometry":{"type":"Point","coordinates":[37.%d,49.5]}}')
    return ('{"type":"FeatureCollection","features":['
            + ",".join(feature % (i, i) for i in range(n)) + "]}").encode()


def _telegram(n: int) -> bytes:
    msgs = ",".join(f'{{"id":{i},"type":"message","date":"2022-09-10T13:00:00",'
                    f'"date_unixtime":"{1662804000 + i}","text":"Shelling of Kupiansk, '
                    f'report {i}."}}' for i in range(n))
    return ('{"name":"Big","type":"public_channel","id":9,"messages":[' + msgs + "]}").encode()


SCALE = 10 if GIANT else 1
LEAD = b"<p>Shelling near Kupiansk was reported on Monday by regional officials.</p>"
GIANTS: dict[str, Callable[[], Input]] = {
    "polygon_vertices": lambda: ("control_2022-09-10.geojson", _polygon_layer(100_000 * SCALE)),
    "layer_features": lambda: ("many_2022-09-10.geojson", _many_features(10_000 * SCALE)),
    "telegram_messages": lambda: ("result.json", _telegram(5_000 * SCALE)),
    "html_nested_cells": lambda: ("cells.html", b"<html><body>" + LEAD + b"<table>"
                                  + b"<tr><td>" * (30_000 * SCALE) + b"x</body></html>"),
    "html_flat_elements": lambda: ("flat.html", b"<html><body>" + LEAD
                                   + b"<p>word</p>" * (90_000 * SCALE) + b"</body></html>"),
    "html_deep_divs": lambda: ("deep.html", b"<html><body>" + LEAD + b"<div>" * 100_000
                               + b"</body></html>"),
    "text_large": lambda: ("big.txt", (GOOD_TEXT.encode() * 150_000)[: 1_000_000 * SCALE]),
    "json_nested": lambda: ("result.json", b'{"name":"x","type":"public_channel","messages":['
                            + b"[" * (100_000 * SCALE) + b"]" * (100_000 * SCALE) + b"]}"),
    "feed_billion_laughs": lambda: ("laughs.rss", (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{_LOLS}]><rss version="2.0">'
        "<channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;"
        "</description></item></channel></rss>").encode()),
    "feed_quadratic_blowup": lambda: ("quad.rss", (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + "x" * 100_000 + '">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>t</title><description>'
        + "&big;" * 5_000 + "</description></item></channel></rss>").encode()),
    "yaml_alias_bomb": lambda: ("bomb.md", f"---\n{_alias_bomb()}\n---\nFighting.\n".encode()),
    # one message with a huge text: over FRONTLENS_MAX_TEXT_CHARS, rejected, read in linear time
    "telegram_huge_message": lambda: ("result.json", _telegram(3).replace(
        b'"text":"Shelling', b'"text":"' + b"Kupiansk. " * (1_500_000 * SCALE) + b'Shelling', 1)),
    # the feed's root after 100 KB of comments, instructions and blank lines
    "feed_long_preamble": lambda: ("late.rss", b'<?xml version="1.0"?>\n'
                                   + b"<!-- preamble -->\n  \n<?pi x?>\n" * 3_000
                                   + b'<rss version="2.0"><channel><title>t</title><item>'
                                   b"<title>Kupiansk</title><description>Shelling of Kupiansk."
                                   b"</description></item></channel></rss>"),
}


@pytest.fixture(scope="module")
def cli_baseline_mb(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> int:
    """Peak RSS of ``ingest`` on a small good text into a copy of the seed: what any input
    costs, so a giant's own share is its peak above this (issue 15's "above the baseline")."""
    root = tmp_path_factory.mktemp("baseline")
    path = root / "small.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    db = root / "b.db"
    shutil.copyfile(seeded.db, db)
    r = run_cli(["--db", f"sqlite:///{db}", "ingest", str(path)],
                {"FRONTLENS_EVIDENCE_DIR": str(root / "ev")})
    assert_clean_exit(r, (0,))
    FIGURES.cli_baseline_rss_mb = r.rss_mb
    return r.rss_mb


@pytest.mark.parametrize("name", list(GIANTS))
def test_giant_input_is_handled_within_30_s_and_1_gib(seeded: Seeded, tmp_path: Path,
                                                      cli_baseline_mb: int, name: str) -> None:
    """Each through the real command on its own, so its time and peak RSS are its own; its
    RSS above a small input's stays under 500 MB."""
    file_name, data = GIANTS[name]()
    path = tmp_path / file_name
    path.write_bytes(data)
    db = tmp_path / "g.db"
    shutil.copyfile(seeded.db, db)
    before = dump(db)
    r = run_cli(["--db", f"sqlite:///{db}", "ingest", str(path)],
                {"FRONTLENS_EVIDENCE_DIR": str(tmp_path / "ev")}, timeout=HANG_S * 4)
    assert_clean_exit(r, (0, 1))
    FIGURES.giants[name] = {"bytes": len(data), "seconds": round(r.seconds, 2),
                            "rss_mb": r.rss_mb, "rss_above_baseline_mb": r.rss_mb - cli_baseline_mb,
                            "exit": r.code}
    after = dump(db)
    for table, rows in before.items():
        assert rows <= after[table]
    assert r.seconds < HANG_S, f"{name}: {r.seconds:.1f} s"
    assert 0 < r.rss_mb < RSS_LIMIT_MB, f"{name}: {r.rss_mb} MB"
    assert r.rss_mb - cli_baseline_mb < RSS_ABOVE_BASELINE_MB, (name, r.rss_mb, cli_baseline_mb)


# -- what the fuzz run found, pinned --------------------------------------------------------------
def _ingest(tmp_path: Path, name: str, data: bytes) -> tuple[Store, BatchReport]:
    path = tmp_path / name
    path.write_bytes(data)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url)
    return store, ingest_inputs(store, [str(path)], Settings(db=url))


def _layer(*features: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


POINT = {"type": "Point", "coordinates": [37.5, 48.1]}


def test_geojson_nul_surrogate_and_nan_in_properties_are_cleaned_not_stored(
        tmp_path: Path) -> None:
    """They were stored as they came: PostgreSQL's JSONB refuses all three (so the same layer
    failed there), and a browser's JSON.parse refuses the infinity (1e999) stored as NaN."""
    props = {"status": "occupied\x00", "note": "\ud800", "\x00k": "INF", "name": "Izium"}
    store, batch = _ingest(tmp_path, "l.geojson", _layer(
        {"type": "Feature", "properties": props, "geometry": POINT}).replace(b'"INF"', b"1e999"))
    assert batch.errors == [] and store.counts()["map_features"] == 1
    check_not_poison(dump(Path(store.engine.url.database or "")))
    store.close()


def test_geojson_feature_named_by_a_list_is_stored_without_a_name(tmp_path: Path) -> None:
    """A list under "name" was an internal error (ValidationError) rejecting the whole layer."""
    store, batch = _ingest(tmp_path, "l.geojson", _layer(
        {"type": "Feature", "properties": {"name": [], "status": "x" * 300}, "geometry": POINT},
        {"type": "Feature", "properties": {"name": 7}, "geometry": POINT}))
    assert batch.errors == []
    with store.engine.connect() as conn:
        rows = sorted(conn.exec_driver_sql("SELECT idx, name, length(status) FROM map_features"))
    assert rows == [(0, None, 64), (1, "7", None)]  # status fits PostgreSQL's VARCHAR(64)
    store.close()


@pytest.mark.parametrize("coords", [b"[1e999, 48.1]", b"[37.5, -1e999]", b"[37.5, 48.1, 1e999]"])
def test_geojson_infinite_coordinates_reject_the_feature(tmp_path: Path, coords: bytes) -> None:
    data = _layer({"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                                                                       "coordinates": "C"}},
                  {"type": "Feature", "properties": {}, "geometry": POINT})
    store, batch = _ingest(tmp_path, "l.geojson", data.replace(b'"C"', coords))
    assert len(batch.errors) == 1 and "not all finite" in batch.errors[0], batch.errors
    assert store.counts()["map_features"] == 1
    store.close()


def test_feed_with_a_surrogate_character_reference_is_stored(tmp_path: Path) -> None:
    """``&#xD800;`` in a feed that is not well-formed XML raised UnicodeEncodeError inside
    feedparser: the whole feed was an internal error."""
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T &#xD800;</title><item>'
            b"<title>Izium &#0; &#x110000; &#55296;</title><description>Fighting near Izium."
            b"</description><guid>1</guid></item></channel><unclosed></rss>")
    store, batch = _ingest(tmp_path, "f.rss", feed)
    assert batch.errors == []
    [src] = store.list_sources()
    assert src.title is not None and src.title.startswith("Izium \ufffd")
    store.close()


def test_html_page_of_many_elements_skips_main_text_extraction(tmp_path: Path) -> None:
    """300,000 nested table cells (2.4 MB) took 27 s in trafilatura; now the visible text."""
    page = (b"<html><body><p>Shelling near Kupiansk was reported on Monday.</p><table>"
            + b"<tr><td>" * 300_000 + b"cell</body></html>")
    t0 = time.perf_counter()
    store, batch = _ingest(tmp_path, "p.html", page)
    assert time.perf_counter() - t0 < 10 and batch.errors == []
    [src] = store.list_sources()
    assert "Shelling near Kupiansk" in src.text and "visible text" in src.meta["text_from"]
    store.close()


@pytest.mark.parametrize(("depth", "reason"), [(5_000, "nested too deeply to read"),
                                               (40, "nested deeper than 32 levels")])
def test_deeply_nested_front_matter_is_one_line_rejection(
        tmp_path: Path, depth: int, reason: str) -> None:
    """PyYAML composes recursively: front matter 1,000 levels deep was an internal error
    (RecursionError); 40 levels were stored in meta, deeper than any other record may be."""
    doc = f"---\ntitle: {'[' * depth}{']' * depth}\n---\nFighting near Izium.\n"
    store, batch = _ingest(tmp_path, "deep.md", doc.encode())
    assert len(batch.errors) == 1 and reason in batch.errors[0], batch.errors
    assert "internal error" not in batch.errors[0] and store.counts()["sources"] == 0
    store.close()


def test_html_and_feed_text_with_xml_forbidden_control_characters_are_stored(
        tmp_path: Path) -> None:
    """lxml parses \\x01 out of HTML but refuses it when a dropped <script> hands its tail
    back: the page was an internal error, and the feed entry an item error."""
    page = b"<html><body><p>Izium \x01 held.</p><script>x</script>\x0c tail</body></html>"
    store, batch = _ingest(tmp_path, "p.html", page)
    assert batch.errors == [] and "Izium" in store.list_sources()[0].text
    store.close()
    feed = (b'<rss version="2.0"><channel><title>T</title><item><title>Izium</title>'
            b"<description>&lt;p&gt;Held \x01&lt;script&gt;x&lt;/script&gt; tail&lt;/p&gt;"
            b"</description><guid>1</guid></item></channel></rss>")
    (tmp_path / "feed").mkdir()
    store, batch = _ingest(tmp_path / "feed", "f.rss", feed)
    assert batch.errors == [] and "tail" in store.list_sources()[0].text
    store.close()
