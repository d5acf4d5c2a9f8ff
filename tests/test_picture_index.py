"""The in-memory as-of index answers exactly what the SQL picture answers, and notices when
fusion rewrites the timeline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from frontlens.extract.pipeline import run_extract
from frontlens.fuse.picture import PictureIndex, picture, picture_stamp, run_fusion
from frontlens.model import Source
from frontlens.store.db import Store


def _add(store: Store, text: str, day: int) -> None:
    src = Source(kind="article", origin="t", outlet="frontlens test", language="en", text=text,
                 published_at=datetime(2022, 9, day, 12, tzinfo=UTC))
    with store.transaction() as conn:
        store.insert_new(conn, [src])
    run_extract(store)
    run_fusion(store)


def test_index_matches_picture_and_is_invalidated_by_fusion(store: Store) -> None:
    _add(store, "Ukrainian forces liberated Balakliia on Thursday.", 9)
    index = PictureIndex(store)
    for k in range(0, 20, 2):
        d = date(2022, 9, 1) + timedelta(days=k)
        assert json.loads(index.json(d)) == json.loads(json.dumps(picture(store, d), default=str))
    assert json.loads(index.json(date(2022, 9, 20)))[0]["place"] == "Balakliia"
    stamp = index.stamp
    _add(store, "Ukrainian forces liberated Izium on Saturday.", 11)
    assert picture_stamp(store) != stamp
