"""Every ingestor on small inputs written by the tests: what each format turns into, language
detection, idempotent re-ingestion, format auto-detection and streaming of large exports.

All fixtures are built inline under ``tmp_path``; nothing is read from the repository."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from frontlens.config import Settings
from frontlens.ingest import BatchReport, ingest_inputs
from frontlens.model import MapFeature, MapLayer, Source
from frontlens.store import schema
from frontlens.store.db import Store

MB = 1024 * 1024


# -- helpers -------------------------------------------------------------------------------------
def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def ingest_ok(store: Store, settings: Settings, *paths: Path) -> BatchReport:
    """Ingest and insist that nothing was rejected."""
    batch = ingest_inputs(store, [str(p) for p in paths], settings)
    assert batch.errors == [], batch.errors
    assert batch.exit_code == 0
    return batch


def all_sources(store: Store) -> list[Source]:
    return store.list_sources(limit=10_000)


def only_source(store: Store) -> Source:
    found = all_sources(store)
    assert len(found) == 1, [s.origin for s in found]
    return found[0]


def by_external_id(store: Store) -> dict[str | None, Source]:
    return {s.external_id: s for s in all_sources(store)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Telegram Desktop export shape: channel scalars first, then "messages".
CHANNEL_ID = 1234567890


def tg_message(mid: int, text: Any, unixtime: int, **extra: Any) -> dict[str, Any]:
    local = datetime.fromtimestamp(unixtime + 3 * 3600, UTC).replace(tzinfo=None)  # Kyiv time
    return {
        "id": mid,
        "type": "message",
        "date": local.isoformat(),
        "date_unixtime": str(unixtime),
        "from": "Front Watch",
        "from_id": f"channel{CHANNEL_ID}",
        "text": text,
        **extra,
    }


def tg_export(messages: list[dict[str, Any]], name: str = "Front Watch") -> str:
    doc = {"name": name, "type": "public_channel", "id": CHANNEL_ID, "messages": messages}
    return json.dumps(doc, ensure_ascii=False, indent=1)


SEP_10_10H = 1662804000  # 2022-09-10T10:00:00Z (13:00 in Kyiv)
SEP_11_08H = 1662883200  # 2022-09-11T08:00:00Z

TWEET_TEXT = "Ukrainian forces have liberated Balakliia in the Kharkiv region https://t.co/abc"


def tweets_js(*tweets: dict[str, Any]) -> str:
    return "window.YTD.tweets.part0 = " + json.dumps([{"tweet": t} for t in tweets], indent=2)


def archive_tweet() -> dict[str, Any]:
    return {
        "id_str": "1568000000000000001",
        "id": "1568000000000000001",
        "created_at": "Fri Sep 09 12:34:56 +0000 2022",
        "full_text": TWEET_TEXT,
        "lang": "en",
        "entities": {
            "urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.org/balakliia"}],
            "media": [{"media_url_https": "https://pbs.twimg.com/media/A.jpg"}],
        },
        "extended_entities": {
            "media": [
                {"media_url_https": "https://pbs.twimg.com/media/A.jpg"},
                {"media_url_https": "https://pbs.twimg.com/media/B.jpg"},
            ]
        },
    }


ACCOUNT_JS = 'window.YTD.account.part0 = [{"account": {"username": "frontdesk", "accountId": "7"}}]'

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Frontline Wire</title>
<link>https://wire.example.org/</link>
<item>
<title>Bridge destroyed near Izium</title>
<link>https://wire.example.org/a/1</link>
<guid>wire-1</guid>
<pubDate>Tue, 06 Sep 2022 14:30:00 +0300</pubDate>
<description>&lt;p&gt;A &lt;b&gt;bridge&lt;/b&gt; over the Donets river was destroyed.&lt;/p&gt;\
&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;Traffic was diverted north.&lt;/p&gt;</description>
<enclosure url="https://wire.example.org/img/1.jpg" type="image/jpeg" length="1"/>
</item>
<item>
<title>Shelling reported in Kramatorsk</title>
<link>https://wire.example.org/a/2</link>
<pubDate>Wed, 07 Sep 2022 09:00:00 GMT</pubDate>
<description>Residents reported shelling of the city centre overnight.</description>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom Front Notes</title>
<id>urn:atom-front</id>
<updated>2022-09-08T10:00:00Z</updated>
<entry>
<title>Counteroffensive continues</title>
<id>urn:atom-front:1</id>
<link href="https://atom.example.org/1"/>
<published>2022-09-08T09:00:00+02:00</published>
<updated>2022-09-08T12:00:00Z</updated>
<author><name>Night Desk</name></author>
<summary type="html">&lt;p&gt;Troops &lt;em&gt;advanced&lt;/em&gt; ten kilometres.&lt;/p&gt;\
&lt;p&gt;Second &lt;a href="https://x.example/"&gt;linked&lt;/a&gt; paragraph.&lt;/p&gt;</summary>
</entry>
</feed>
"""

HTML_LEAD = (
    "Ukrainian units crossed the Oskil river near Kupiansk on Tuesday and established a "
    "bridgehead on the eastern bank, according to officials in the regional administration."
)
HTML_SECOND = (
    "The advance follows the rapid collapse of Russian lines in the Kharkiv region earlier "
    "this month, which saw dozens of settlements change hands within days."
)
HTML_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fallback title | Kyiv Bulletin</title>
<meta property="og:title" content="Forces cross the Oskil river">
<meta property="og:site_name" content="Kyiv Bulletin">
<meta property="article:published_time" content="2022-09-20T06:15:00+03:00">
<meta name="author" content="Olena Kovalenko">
<meta property="og:image" content="https://img.example.org/oskil.jpg">
<script>var trackingCode = "SECRET_TRACKER"; document.write("<b>tracked</b>");</script>
<style>.lead {{ color: red }}</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="/world">World NAVLINK</a></nav>
<article>
<h1>Forces cross the Oskil river</h1>
<p class="lead">{HTML_LEAD}</p>
<p>{HTML_SECOND}</p>
</article>
<footer>Copyright FOOTERJUNK 2022. All rights reserved.</footer>
<script>console.log("INLINE_SCRIPT_BODY")</script>
</body>
</html>
"""

GEOJSON_2 = {
    "type": "FeatureCollection",
    "name": "Control map",
    "features": [
        {
            "type": "Feature",
            "properties": {"status": "ua_liberated", "name": "Balakliia pocket"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[36.0, 49.0], [37.0, 49.0], [37.0, 50.0], [36.0, 50.0], [36.0, 49.0]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"control": "ru_occupied"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[38.0, 47.5], [39.5, 47.5], [39.5, 48.5], [38.0, 47.5]]],
            },
        },
    ],
}


def map_features(store: Store, layer_id: str) -> list[MapFeature]:
    t = schema.map_features
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.layer_id == layer_id).order_by(t.c.idx))
        return [MapFeature.model_validate(dict(r._mapping)) for r in rows]


# -- text and Markdown ---------------------------------------------------------------------------
def test_markdown_front_matter_sets_metadata_and_quoted_date_is_midnight_utc(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "balakliia.md",
        (
            "---\n"
            'title: "Армія звільнила Балаклію"\n'
            'date: "2022-09-10"\n'
            "outlet: Ukrainska Pravda\n"
            "author: Ivan Petrenko\n"
            "tags: [war, kharkiv]\n"
            "---\n"
            "# Heading that is not the title\n\n"
            "Збройні сили України звільнили місто Балаклія в Харківській області.\n"
        ),
    )
    ingest_ok(store, settings, path)
    src = only_source(store)
    assert src.title == "Армія звільнила Балаклію"  # front matter wins over the heading
    assert src.published_at == utc(2022, 9, 10)
    assert src.outlet == "Ukrainska Pravda"
    assert src.author == "Ivan Petrenko"
    assert src.kind == "article"  # an outlet makes it an article
    assert src.origin == str(path)
    assert src.text.startswith("# Heading that is not the title")
    assert "---" not in src.text and "tags:" not in src.text
    assert src.meta["format"] == "markdown"
    assert src.meta["front_matter"] == {"tags": ["war", "kharkiv"]}  # unknown keys kept


def test_markdown_front_matter_real_datetime_is_converted_to_utc(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "report.markdown",
        (
            "---\n"
            "title: Report\n"
            "date: 2022-09-11T08:30:00+03:00\n"  # unquoted: YAML gives a real datetime
            "url: https://example.org/r\n"
            "---\n"
            "Ukrainian forces advanced east of Kharkiv, the general staff said.\n"
        ),
    )
    ingest_ok(store, settings, path)
    src = only_source(store)
    assert src.published_at == utc(2022, 9, 11, 5, 30)
    assert src.url == "https://example.org/r"
    assert src.kind == "article"
    assert src.text == "Ukrainian forces advanced east of Kharkiv, the general staff said."


def test_plain_text_takes_title_from_first_heading_and_has_no_date(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    body = "# Заголовок новости\n\nРоссийские войска отступили из города после тяжелых боев.\n"
    ingest_ok(store, settings, write(tmp_path / "note.txt", body))
    src = only_source(store)
    assert src.kind == "text"
    assert src.title == "Заголовок новости"
    assert src.published_at is None
    assert src.text == body.strip("\n")
    assert src.meta["format"] == "text" and src.meta["encoding"] == "utf-8"


# -- HTML ----------------------------------------------------------------------------------------
def test_html_head_metadata_gives_title_date_outlet_author_and_image(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    ingest_ok(store, settings, write(tmp_path / "oskil.html", HTML_PAGE))
    src = only_source(store)
    assert src.kind == "article"
    assert src.title == "Forces cross the Oskil river"
    assert src.published_at == utc(2022, 9, 20, 3, 15)  # article:published_time, to UTC
    assert src.outlet == "Kyiv Bulletin"
    assert src.author == "Olena Kovalenko"
    assert src.language == "en"  # declared by <html lang>
    assert src.media == ["https://img.example.org/oskil.jpg"]


def test_html_main_text_is_kept_without_scripts_tags_or_boilerplate(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    ingest_ok(store, settings, write(tmp_path / "oskil.html", HTML_PAGE))
    text = only_source(store).text
    assert HTML_LEAD in text and HTML_SECOND in text
    for junk in (
        "SECRET_TRACKER",
        "INLINE_SCRIPT_BODY",
        "document.write",
        "color: red",
        "NAVLINK",
        "FOOTERJUNK",
        "<",
        ">",
    ):
        assert junk not in text, junk


def test_html_pages_parsed_one_after_another_keep_no_page_text_alive(tmp_path: Path) -> None:
    """trafilatura's and htmldate's module-level caches are bounded by entries, not bytes: a
    page holding its text in one element left that text cached for about the next thousand
    such pages (the fuzz process grew ~70 MB per 1,000 HTML inputs). Forty such pages of 60 kB
    each leave less than 1.5 MB behind (13 MB with the caches kept)."""
    from frontlens.ingest import html
    from frontlens.ingest.base import RawInput

    def parse(i: int) -> None:
        words = " ".join(f"w{i}x{k}" for k in range(8_000))  # new text on every page
        page = write(tmp_path / f"p{i}.html",
                     f"<html><head><title>Report {i}</title></head><body><div>Izium {words}."
                     "</div></body></html>")
        [src] = html.parse(RawInput(origin=str(page), path=page), Settings())
        assert f"w{i}x7999" in src.text

    parse(-1)  # imports, lazy tables and fixed-size caches before the measured pages
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for i in range(40):
            parse(i)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 1.5 * MB, f"{(after - before) / MB:.1f} MB kept after 40 pages"


# -- RSS and Atom --------------------------------------------------------------------------------
def test_rss_items_become_sources_with_feed_title_as_outlet_and_pubdate_in_utc(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    batch = ingest_ok(store, settings, write(tmp_path / "wire.rss", RSS))
    assert batch.inputs[0].format == "feed" and batch.added == 2
    items = {s.url: s for s in all_sources(store)}
    bridge = items["https://wire.example.org/a/1"]
    shelling = items["https://wire.example.org/a/2"]
    assert {bridge.outlet, shelling.outlet} == {"Frontline Wire"}
    assert {bridge.kind, shelling.kind} == {"feed_item"}
    assert bridge.title == "Bridge destroyed near Izium"
    assert bridge.external_id == "wire-1"
    assert shelling.external_id == "https://wire.example.org/a/2"  # no guid: the link
    assert bridge.published_at == utc(2022, 9, 6, 11, 30)
    assert shelling.published_at == utc(2022, 9, 7, 9, 0)
    assert bridge.media == ["https://wire.example.org/img/1.jpg"]
    assert bridge.meta["format"] == "rss"


def test_rss_html_description_is_turned_into_plain_text(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    ingest_ok(store, settings, write(tmp_path / "wire.rss", RSS))
    bridge = next(s for s in all_sources(store) if s.external_id == "wire-1")
    assert (
        bridge.text == "A bridge over the Donets river was destroyed.\nTraffic was diverted north."
    )
    assert "alert" not in bridge.text


def test_atom_entry_uses_published_date_author_and_html_summary_as_text(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    batch = ingest_ok(store, settings, write(tmp_path / "notes.atom", ATOM))
    assert batch.inputs[0].format == "feed"
    src = only_source(store)
    assert src.outlet == "Atom Front Notes"
    assert src.external_id == "urn:atom-front:1"
    assert src.url == "https://atom.example.org/1"
    assert src.author == "Night Desk"
    assert src.published_at == utc(2022, 9, 8, 7, 0)  # <published>, not <updated>
    assert src.text == "Troops advanced ten kilometres.\nSecond linked paragraph."
    assert src.meta["format"] == "atom"


# -- Telegram ------------------------------------------------------------------------------------
def test_telegram_string_text_photo_unixtime_date_and_ids(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    export = tg_export(
        [
            tg_message(
                2,
                "Балаклія звільнена від окупантів.",
                SEP_10_10H,
                photo="photos/photo_1@10-09-2022.jpg",
                views=1200,
            ),
        ]
    )
    batch = ingest_ok(store, settings, write(tmp_path / "result.json", export))
    assert batch.inputs[0].format == "telegram"
    src = only_source(store)
    assert src.kind == "telegram"
    assert src.text == "Балаклія звільнена від окупантів."
    assert src.media == ["photos/photo_1@10-09-2022.jpg"]
    # date_unixtime (UTC) wins over "date", which is the exporter's local time (13:00)
    assert src.published_at == utc(2022, 9, 10, 10, 0)
    assert src.external_id == f"{CHANNEL_ID}/2"
    assert src.outlet == "Front Watch"
    assert src.meta["channel_id"] == CHANNEL_ID and src.meta["message_id"] == 2
    assert src.meta["views"] == 1200
    assert src.forwarded_from is None


def test_telegram_message_text_list_is_flattened_with_links_kept(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    text = [
        "Details ",
        {"type": "text_link", "text": "here", "href": "https://example.org/details"},
        " and ",
        {"type": "bold", "text": "more"},
        " at ",
        {"type": "link", "text": "https://example.org/x"},
    ]
    export = tg_export([tg_message(3, text, SEP_11_08H)])
    ingest_ok(store, settings, write(tmp_path / "result.json", export))
    src = only_source(store)
    assert src.text == "Details here and more at https://example.org/x"
    assert src.meta["links"] == ["https://example.org/details", "https://example.org/x"]


def test_telegram_service_messages_are_skipped_and_forwards_keep_their_origin(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    service = {
        "id": 1,
        "type": "service",
        "date": "2022-09-01T10:00:00",
        "date_unixtime": "1662026400",
        "actor": "Front Watch",
        "action": "create_channel",
        "title": "Front Watch",
        "text": "",
    }
    export = tg_export(
        [
            service,
            tg_message(
                4,
                "Генштаб: ворог відступає з Ізюма.",
                SEP_11_08H,
                forwarded_from="General Staff of the AFU",
            ),
        ]
    )
    batch = ingest_ok(store, settings, write(tmp_path / "result.json", export))
    assert batch.added == 1
    src = only_source(store)
    assert src.external_id == f"{CHANNEL_ID}/4"
    assert src.forwarded_from == "General Staff of the AFU"


# -- X / Twitter ---------------------------------------------------------------------------------
def test_x_archive_prefix_twitter_dates_media_and_url_from_account_handle(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    write(tmp_path / "data" / "account.js", ACCOUNT_JS)
    path = write(tmp_path / "data" / "tweets.js", tweets_js(archive_tweet()))
    batch = ingest_ok(store, settings, tmp_path / "data")  # account.js itself is not ingested
    assert [r.format for r in batch.inputs] == ["x-archive"]
    src = only_source(store)
    assert src.origin == str(path)
    assert src.kind == "tweet"
    assert src.external_id == "1568000000000000001"
    assert src.text == TWEET_TEXT
    assert src.published_at == utc(2022, 9, 9, 12, 34, 56)
    assert src.media == ["https://pbs.twimg.com/media/A.jpg", "https://pbs.twimg.com/media/B.jpg"]
    assert src.url == "https://x.com/frontdesk/status/1568000000000000001"
    assert src.outlet == "@frontdesk"
    assert src.language == "en"  # X's own tag
    assert src.meta["links"] == ["https://example.org/balakliia"]


def test_x_archive_without_account_js_gets_a_handle_free_url(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    ingest_ok(store, settings, write(tmp_path / "tweets.js", tweets_js(archive_tweet())))
    src = only_source(store)
    assert src.url == "https://x.com/i/web/status/1568000000000000001"
    assert src.outlet is None


def test_x_json_lines_with_iso_dates_string_user_and_media_list(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    lines = [
        {
            "id": "1568000000000000002",
            "created_at": "2022-09-10T07:00:00Z",
            "full_text": "Российские войска покинули Изюм, сообщают местные жители.",
            "user": "otherdesk",
            "media": ["https://pbs.twimg.com/media/C.jpg"],
        },
        {
            "id_str": "1568000000000000003",
            "created_at": "Sat Sep 10 09:15:00 +0000 2022",
            "text": "Kupiansk: flag raised over the city council.",
            "user": {"screen_name": "thirddesk", "name": "Third Desk"},
        },
    ]
    path = write(tmp_path / "posts.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    batch = ingest_ok(store, settings, path)
    assert batch.inputs[0].format == "x-jsonl" and batch.added == 2
    got = by_external_id(store)
    izium, kupiansk = got["1568000000000000002"], got["1568000000000000003"]
    assert izium.published_at == utc(2022, 9, 10, 7, 0)
    assert izium.url == "https://x.com/otherdesk/status/1568000000000000002"
    assert izium.outlet == "@otherdesk"
    assert izium.media == ["https://pbs.twimg.com/media/C.jpg"]
    assert kupiansk.text == "Kupiansk: flag raised over the city council."  # "text" accepted
    assert kupiansk.published_at == utc(2022, 9, 10, 9, 15)
    assert kupiansk.author == "Third Desk" and kupiansk.outlet == "@thirddesk"


# -- GeoJSON -------------------------------------------------------------------------------------
def test_geojson_is_stored_as_dated_map_layer_with_bbox_and_features_not_as_source(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "control-2022-09-12.geojson", json.dumps(GEOJSON_2))
    batch = ingest_ok(store, settings, path)
    assert batch.inputs[0].format == "geojson"
    counts = store.counts()
    assert counts["sources"] == 0
    assert counts["map_layers"] == 1 and counts["map_features"] == 2
    layer_id = "map-" + hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    layer = store.get(MapLayer, layer_id)
    assert layer is not None
    assert layer.name == "Control map"
    assert layer.layer_date == date(2022, 9, 12)  # from the file name
    assert layer.feature_count == 2
    assert layer.bbox == [36.0, 47.5, 39.5, 50.0]
    assert layer.origin == str(path)
    features = map_features(store, layer_id)
    assert [(f.idx, f.status, f.name) for f in features] == [
        (0, "ua_liberated", "Balakliia pocket"),
        (1, "ru_occupied", None),  # "control" is read as the status too
    ]
    assert features[0].geometry == GEOJSON_2["features"][0]["geometry"]


def test_geojson_layer_date_from_top_level_member_beats_file_name(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    doc = {
        "type": "FeatureCollection",
        "date": "2022-10-01",
        "source": "analyst",
        "features": [
            {
                "type": "Feature",
                "properties": {"state": "contested"},
                "geometry": {"type": "Point", "coordinates": [35.0, 48.0]},
            }
        ],
    }
    ingest_ok(store, settings, write(tmp_path / "map-2021-01-01.json", json.dumps(doc)))
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(schema.map_layers))]
    assert len(rows) == 1
    layer = MapLayer.model_validate(rows[0])
    assert layer.layer_date == date(2022, 10, 1)
    assert layer.bbox == [35.0, 48.0, 35.0, 48.0]
    assert layer.meta == {"date": "2022-10-01", "source": "analyst"}
    assert [f.status for f in map_features(store, layer.id)] == ["contested"]


def test_geojson_feature_without_usable_geometry_is_reported_and_the_rest_kept(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    doc = json.loads(json.dumps(GEOJSON_2))
    doc["features"].insert(1, {"type": "Feature", "properties": {"status": "x"}, "geometry": None})
    path = write(tmp_path / "layer-2022-09-12.geojson", json.dumps(doc))
    batch = ingest_inputs(store, [str(path)], settings)
    assert batch.exit_code == 1
    assert len(batch.errors) == 1 and "feature #1" in batch.errors[0]
    assert store.counts()["map_layers"] == 1
    with store.engine.connect() as conn:
        layer = MapLayer.model_validate(
            dict(conn.execute(select(schema.map_layers)).one()._mapping)
        )
    assert layer.feature_count == 2
    assert [f.idx for f in map_features(store, layer.id)] == [0, 2]


# -- language ------------------------------------------------------------------------------------
def test_language_is_detected_for_undeclared_sources_and_declared_one_kept(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    files = {
        "uk.txt": "Збройні сили України звільнили Балаклію та просуваються до Куп'янська.\n",
        "ru.txt": "Российские войска отступили из Изюма после тяжёлых боёв, сообщают источники.\n",
        "en.txt": "Ukrainian forces liberated Balakliia and are advancing towards Kupiansk.\n",
        "declared.md": "---\nlanguage: UK\n---\nThis English text is declared Ukrainian.\n",
    }
    for name, body in files.items():
        write(tmp_path / "in" / name, body)
    export = tg_export([tg_message(9, "Ворог обстрілює Харків, бережіть себе.", SEP_10_10H)])
    write(tmp_path / "in" / "result.json", export)
    ingest_ok(store, settings, tmp_path / "in")
    got = {Path(s.origin).name: s for s in all_sources(store)}
    assert {n: s.language for n, s in got.items()} == {
        "uk.txt": "uk",
        "ru.txt": "ru",
        "en.txt": "en",
        "declared.md": "uk",
        "result.json": "uk",
    }
    for name in ("uk.txt", "ru.txt", "en.txt", "result.json"):
        score = got[name].language_score
        assert score is not None and 0.5 < score <= 1.0, name
    assert got["declared.md"].language_score is None  # declared, not guessed


# -- idempotency ---------------------------------------------------------------------------------
def build_mixed_directory(root: Path) -> Path:
    write(root / "a.md", "---\ntitle: A\ndate: 2022-09-10\n---\nForces advanced near Izium.\n")
    write(root / "b.txt", "Шелінг Харкова тривав усю ніч, повідомляє ОВА.\n")
    write(root / "page.html", HTML_PAGE)
    write(root / "wire.rss", RSS)
    write(root / "notes.atom", ATOM)
    write(
        root / "tg" / "result.json",
        tg_export(
            [
                tg_message(2, "Балаклія звільнена.", SEP_10_10H),
                tg_message(
                    3,
                    ["Link: ", {"type": "text_link", "text": "x", "href": "https://e.org"}],
                    SEP_11_08H,
                ),
            ]
        ),
    )
    write(root / "x" / "account.js", ACCOUNT_JS)
    write(root / "x" / "tweets.js", tweets_js(archive_tweet()))
    write(root / "control-2022-09-12.geojson", json.dumps(GEOJSON_2))
    write(root / "README.md", "This directory holds test inputs.\n")  # skipped by name
    return root


def test_ingesting_the_same_directory_twice_adds_nothing_the_second_time(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    root = build_mixed_directory(tmp_path / "inputs")
    first = ingest_ok(store, settings, root)
    formats = sorted(r.format or "" for r in first.inputs)
    assert formats == ["feed", "feed", "geojson", "html", "telegram", "text", "text", "x-archive"]
    counts = store.counts()
    ids = sorted(s.id for s in all_sources(store))
    # md, txt, html, 2 RSS items, 1 Atom entry, 2 Telegram messages, 1 tweet
    assert counts["sources"] == 9
    assert (counts["map_layers"], counts["map_features"]) == (1, 2)
    assert first.added == 9 + 1 + 2
    second = ingest_ok(store, settings, root)
    assert second.added == 0
    assert second.skipped == first.added
    assert store.counts() == counts
    assert sorted(s.id for s in all_sources(store)) == ids


def test_same_tweet_in_archive_and_json_lines_is_stored_once(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    archive = write(tmp_path / "archive" / "tweets.js", tweets_js(archive_tweet()))
    line = {
        "id": "1568000000000000001",
        "created_at": "2022-09-09T12:34:56Z",
        "full_text": TWEET_TEXT,
        "user": {"screen_name": "frontdesk"},
    }
    jsonl = write(tmp_path / "copy.jsonl", json.dumps(line) + "\n")
    first = ingest_ok(store, settings, archive)
    second = ingest_ok(store, settings, jsonl)
    assert (first.added, second.added, second.skipped) == (1, 0, 1)
    assert store.counts()["sources"] == 1
    # provenance (origin, meta) comes from the richer copy, whichever was ingested first: the
    # JSON Lines copy names the account, this archive has no account.js
    assert only_source(store).origin == str(jsonl)


# -- format auto-detection -----------------------------------------------------------------------
DETECTION_CASES = [
    (
        "channel-export.json",
        tg_export([tg_message(5, "Повідомлення каналу.", SEP_10_10H)]),
        "telegram",
    ),
    ("tweet-part1.js", tweets_js(archive_tweet()).replace("part0", "part1"), "x-archive"),
    (
        "posts.json",
        "\n".join(
            json.dumps(
                {
                    "id": str(i),
                    "created_at": "2022-09-10T07:00:00Z",
                    "full_text": f"post {i} from the front",
                }
            )
            for i in (1, 2)
        )
        + "\n",
        "x-jsonl",
    ),
    ("frontline.xml", RSS, "feed"),
    ("atomfeed", ATOM, "feed"),
    ("layer.json", json.dumps(GEOJSON_2), "geojson"),
    ("article.htm", HTML_PAGE, "html"),
    ("report", "Plain report with no suffix about the situation near Lyman.\n", "text"),
    ("notes.markdown", "# Notes\n\nForces held the line near Bakhmut.\n", "text"),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), DETECTION_CASES, ids=[c[0] for c in DETECTION_CASES]
)
def test_format_is_auto_detected_from_name_and_content(
    store: Store, settings: Settings, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    batch = ingest_ok(store, settings, write(tmp_path / name, content))
    assert batch.inputs[0].format == expected
    assert batch.added >= 1


# -- streaming -----------------------------------------------------------------------------------
def test_large_telegram_export_is_streamed_in_bounded_memory(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "big-channel.json"  # not result.json: detected by content
    messages = 200
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"name": "Big Channel", "type": "public_channel", "id": 42, "messages": [\n')
        for i in range(messages):
            text = f"Report {i}: forces advanced near the river, shelling continued. " * 1600
            msg = tg_message(i + 1, text, SEP_10_10H + i)
            fh.write(("," if i else "") + json.dumps(msg) + "\n")
        fh.write("]}\n")
    size = path.stat().st_size
    assert 18 * MB < size < 24 * MB
    # With 20 records per write only ~20 messages (~2 MB of text) are alive at once. Bound:
    # peak traced Python memory below half the file size (about 10 MB); reading the export
    # whole (json.load) would need more than the file size for its bytes and strings alone.
    settings = Settings(db=db_url, batch_size=20)
    tracemalloc.start()
    try:
        batch = ingest_inputs(store, [str(path)], settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batch.errors == []
    assert batch.inputs[0].format == "telegram"
    assert batch.added == messages and store.counts()["sources"] == messages
    assert peak < size / 2, f"peak {peak / MB:.1f} MB for a {size / MB:.1f} MB export"


def test_ingest_date_dates_only_the_undated_sources(db_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from frontlens.cli import app

    undated = write(tmp_path / "a.txt", "Fighting near Kupiansk.")
    dated = write(tmp_path / "b.md", "---\ndate: 2022-09-11\n---\nFighting near Izium.")
    r = CliRunner().invoke(app, ["--db", db_url, "ingest", "--date", "2022-09-10",
                                 str(undated), str(dated)])
    assert r.exit_code == 0, r.output
    got = {s.origin.rsplit("/", 1)[-1]: s for s in Store(db_url).list_sources(limit=10)}
    assert got["a.txt"].published_at.date().isoformat() == "2022-09-10"
    assert got["a.txt"].meta["date_source"] == "ingest --date"
    assert got["b.md"].published_at.date().isoformat() == "2022-09-11"
    assert "date_source" not in got["b.md"].meta
    bad = CliRunner().invoke(app, ["--db", db_url, "ingest", "--date", "Sept 10", str(undated)])
    assert bad.exit_code == 2 and "--date" in bad.output


def test_month_only_front_matter_date_is_read_as_the_month(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.md", "---\ndate: 2023-06\n---\nFighting near Bakhmut.")
    report = ingest_inputs(store, [str(path)], Settings(db=store.url))
    assert not report.errors, report.errors
    src = store.list_sources(limit=1)[0]
    assert src.published_at.isoformat().startswith("2023-06-01")
    assert src.meta["date_precision"] == "month"


def test_two_copies_of_one_tweet_store_the_same_row_in_either_order(
    db_url: str, tmp_path: Path
) -> None:
    """The archive copy lacks the handle (no account.js); the JSON Lines copy has it. Whichever
    comes first, the stored source has the handle, so its grade does not depend on order."""
    archive = write(tmp_path / "archive" / "tweets.js", tweets_js(archive_tweet()))
    line = {"id": "1568000000000000001", "created_at": "2022-09-09T12:34:56Z",
            "full_text": TWEET_TEXT, "user": {"screen_name": "frontdesk"}}
    jsonl = write(tmp_path / "copy.jsonl", json.dumps(line) + "\n")
    rows = []
    for k, order in enumerate(((archive, jsonl), (jsonl, archive))):
        url = db_url if k == 0 else f"sqlite:///{tmp_path / 'second.db'}"
        store = Store(url)
        for path in order:
            ingest_ok(store, Settings(db=url), path)
        (src,) = store.list_sources(limit=5)
        rows.append((src.id, src.outlet, src.author, src.url, src.published_at))
    assert rows[0] == rows[1]
    assert rows[0][1]  # the handle one copy had is kept
