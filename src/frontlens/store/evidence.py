"""Originals kept as they were received, so a citation can be proven later.

Every ingested input (a file, or a fetched body with its HTTP status and content type) and
every photo or video an export names and ships beside it is copied, byte for byte, into the
evidence folder under its SHA-256 (``<folder>/ab/abcdef…``) and recorded in the ``evidence``
table with its size, origin and capture time. Sources point at their original through
``meta.evidence`` and at their media through ``meta.media_sha256``. ``verify`` re-hashes
every recorded file, so a changed or missing original is found (OSINT practice: preserved
originals, hashes, capture time; cf. the Berkeley Protocol).

A kept photo also gets a perceptual hash (:func:`photo_dhash`, in ``meta.media_dhash`` beside
``meta.media_sha256``): a repost of the same photo re-encoded or resized has another SHA-256
but the same or a nearly equal dHash, so the ledger can tell it is the same item.

The folder is ``FRONTLENS_EVIDENCE_DIR``, else ``<database file>.evidence`` beside a SQLite
file; a PostgreSQL store keeps originals only when ``FRONTLENS_EVIDENCE_DIR`` is set. The
folder may grow to ``FRONTLENS_EVIDENCE_MAX_BYTES`` (0 keeps nothing).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.engine import make_url

from frontlens.model import Evidence
from frontlens.store import schema

_BLOCK = 1 << 20


class EvidenceFull(Exception):
    """Keeping an original would take the folder past FRONTLENS_EVIDENCE_MAX_BYTES."""


def evidence_dir(db_url: str, configured: str | None) -> Path | None:
    """Where originals of the store at ``db_url`` are kept (None: not kept)."""
    if configured:
        return Path(configured).expanduser()
    try:
        url = make_url(db_url)
    except Exception:
        return None
    db = url.database
    if url.get_backend_name() != "sqlite" or not db or db == ":memory:" or \
            db.startswith("file:"):
        return None
    return Path(db).expanduser().with_name(Path(db).name + ".evidence")


DHASH_SAME_BITS = 4
"""Two photos whose dHashes differ in at most this many of 64 bits are one photo: a JPEG
re-encode or a resize moves a few bits (0–2 in the tests), an unrelated photo about half."""
_DHASH_MAX_PIXELS = 50_000_000


def photo_dhash(path: Path) -> str | None:
    """The 64-bit difference hash of an image as 16 hex digits; None for what Pillow cannot
    read as an image (a video, a damaged or oversized file).

    The photo, turned upright by its EXIF orientation and made grey, is shrunk to 9×8; each
    bit says whether a pixel is brighter than its right neighbour. It follows the gradients
    of the picture, not its bytes, so re-encoding, resizing and small colour changes keep it
    (Krawetz's "dHash"; written here from that description)."""
    try:
        from PIL import Image, ImageOps
    except ImportError:  # Pillow is a dependency; a broken install keeps the SHA-256 only
        return None
    try:
        with Image.open(path) as img:
            if img.width * img.height > _DHASH_MAX_PIXELS:
                return None
            img.draft("L", (256, 256))  # JPEG: decode at a reduced scale, much faster
            grey = ImageOps.exif_transpose(img).convert("L").resize(
                (9, 8), Image.Resampling.LANCZOS)
            px = grey.tobytes()  # one byte per pixel in mode L, row by row
    except Exception:  # any unreadable or hostile file: no perceptual hash, nothing else lost
        return None
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return f"{bits:016x}"


def dhash_distance(a: str, b: str) -> int:
    """How many of the 64 bits two dHashes differ in."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Keeper:
    """Copies originals into one evidence folder and records them in the ``evidence`` table,
    inside the ingest's transaction (a rolled-back input leaves at most an unrecorded file,
    which ``verify`` ignores)."""

    root: Path
    conn: Connection
    max_bytes: int
    used: int | None = None
    _dhashes: dict[str, str | None] = field(default_factory=dict)

    def _room(self, size: int, what: str) -> None:
        if self.used is None:
            self.used = int(self.conn.execute(
                select(func.coalesce(func.sum(schema.evidence.c.size), 0))).scalar_one())
        if self.used + size > self.max_bytes:
            raise EvidenceFull(
                f"keeping {what} ({size:,} bytes) would take the evidence folder {self.root} "
                f"past FRONTLENS_EVIDENCE_MAX_BYTES ({self.max_bytes:,}); raise it, or set it "
                "to 0 to ingest without keeping originals")

    def keep(self, fh: IO[bytes], *, kind: str, origin: str, captured_at: datetime,
             media_type: str | None = None, http_status: int | None = None,
             headers: dict[str, str] | None = None) -> Evidence:
        """Copy a stream into the folder (once per content) and describe it."""
        self.root.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".in-", delete=False) as tmp:
            try:
                for block in iter(lambda: fh.read(_BLOCK), b""):
                    h.update(block)
                    size += len(block)
                    tmp.write(block)
            except BaseException:
                os.unlink(tmp.name)
                raise
        sha = h.hexdigest()
        dest = path_for(self.root, sha)
        try:
            if dest.exists():
                os.unlink(tmp.name)
            else:
                self._room(size, origin)
                dest.parent.mkdir(exist_ok=True)
                os.replace(tmp.name, dest)
                os.chmod(dest, 0o444)
                self.used = (self.used or 0) + size
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
        dhash = None
        if kind == "media":  # the kept file, as `evidence dhash` would hash it later
            if sha not in self._dhashes:
                self._dhashes[sha] = photo_dhash(dest)
            dhash = self._dhashes[sha]
        ev = Evidence(sha256=sha, size=size, kind=kind, origin=origin,
                      media_type=media_type, captured_at=captured_at,
                      http_status=http_status, headers=headers or {}, dhash=dhash)
        from frontlens.store.db import insert_ignore

        t = schema.evidence
        self.conn.execute(insert_ignore(self.conn, t), [ev.model_dump()])
        if dhash is not None:  # a row kept before photos were hashed gets its hash now
            self.conn.execute(t.update().where(t.c.sha256 == sha, t.c.dhash.is_(None))
                              .values(dhash=dhash))
        return ev


def verify(conn: Connection, root: Path) -> tuple[int, list[str]]:
    """(originals checked, one line per problem): missing, wrong size or wrong hash."""
    problems: list[str] = []
    n = 0
    for r in conn.execute(select(schema.evidence).order_by(schema.evidence.c.sha256)):
        n += 1
        p = path_for(root, r.sha256)
        if not p.is_file():
            problems.append(f"{r.sha256}: missing ({r.origin})")
        elif p.stat().st_size != r.size:
            problems.append(f"{r.sha256}: size {p.stat().st_size}, recorded {r.size} "
                            f"({r.origin})")
        elif file_sha256(p) != r.sha256:
            problems.append(f"{r.sha256}: content changed, SHA-256 no longer matches "
                            f"({r.origin})")
    return n, problems


@dataclass
class DhashBackfill:
    """What :func:`backfill_dhashes` did."""

    hashed: int = 0
    not_images: int = 0
    missing: int = 0


def backfill_dhashes(conn: Connection, root: Path) -> DhashBackfill:
    """Give every kept photo without a perceptual hash one, read from its preserved file
    (photos kept before dHashes were computed; the 0011 migration fills those whose source
    already named theirs). Videos and unreadable files stay NULL and are counted."""
    t = schema.evidence
    out = DhashBackfill()
    todo = [r[0] for r in conn.execute(select(t.c.sha256).where(
        t.c.kind == "media", t.c.dhash.is_(None)).order_by(t.c.sha256))]
    for sha in todo:
        p = path_for(root, sha)
        if not p.is_file():
            out.missing += 1
            continue
        dh = photo_dhash(p)
        if dh is None:
            out.not_images += 1
            continue
        conn.execute(update(t).where(t.c.sha256 == sha).values(dhash=dh))
        out.hashed += 1
    if out.hashed:
        mark_fusion_stale(conn, DHASH_STALE)
    return out


DHASH_STALE = "photo dHashes added by `frontlens evidence dhash`"


def mark_fusion_stale(conn: Connection, why: str) -> None:
    """Make the next fusion a rebuild, and say why: fusion keeps what it read of each fused
    source (``fusion_sources.photos``), so a change it cannot see as a new source or extraction
    (a photo's dHash filled in later) reaches the events only through a rebuild. No-op when
    nothing was fused yet."""
    conn.execute(update(schema.fusion_state).values(config=schema.STALE_CONFIG + why))


def near_photos(items: Iterable[tuple[str, str]], bits: int = DHASH_SAME_BITS
                ) -> list[tuple[str, str]]:
    """Pairs of keys whose photos' dHashes differ in at most ``bits`` bits, each pair once
    (sorted), from (key, dHash) items; a key may have several photos.

    Not all pairs are compared: the 64 bits are cut into ``bits + 1`` parts, and two hashes
    that differ in at most ``bits`` bits agree exactly on at least one part (pigeonhole), so
    only hashes sharing a part are compared."""
    parts = bits + 1
    width = -(-64 // parts)
    buckets: dict[tuple[int, int], list[tuple[str, int]]] = {}
    pairs: set[tuple[str, str]] = set()
    for key, dh in items:
        try:
            v = int(dh, 16)
        except (TypeError, ValueError):
            continue
        for p in range(parts):
            b = buckets.setdefault((p, (v >> (p * width)) & ((1 << width) - 1)), [])
            for other, w in b:
                if other != key and (v ^ w).bit_count() <= bits:
                    pairs.add((min(key, other), max(key, other)))
            b.append((key, v))
    return sorted(pairs)


class KeptPhotos:
    """The dHashes of kept photos whose source's meta lacks them (kept before photos were
    hashed; ``frontlens evidence dhash`` filled ``evidence.dhash``): noted while sources are
    read, looked up in the evidence table afterwards, for fusion and the equipment ledger."""

    _IN = 500  # SHA-256s per IN (...) list

    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[str, str]]] = defaultdict(list)  # sha → (id, name)

    def note(self, source_id: str, kept: Any, named: Mapping[str, Any]) -> None:
        """``kept``: the source's ``meta.media_sha256``; ``named``: the photos it already has
        a dHash for (those are not looked up)."""
        for name, sha in (kept.items() if isinstance(kept, dict) else ()):
            if name not in named and isinstance(sha, str):
                self.pending[sha].append((source_id, name))

    def resolve(self, conn: Connection) -> dict[str, set[tuple[str, str]]]:
        """Source id → the (photo name, dHash) pairs the evidence table adds."""
        ev = schema.evidence
        shas = sorted(self.pending)
        out: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for i in range(0, len(shas), self._IN):
            for sha, dh in conn.execute(select(ev.c.sha256, ev.c.dhash).where(
                    ev.c.sha256.in_(shas[i:i + self._IN]), ev.c.dhash.is_not(None))):
                for sid, name in self.pending[sha]:
                    out[sid].add((name, dh))
        return out
