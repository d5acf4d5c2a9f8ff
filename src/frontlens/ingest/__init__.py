"""Ingest stage: files, directories and user-given URLs in, ``Source``/``MapLayer`` records out.

Importing this package registers every format (one module each); ``ingest_inputs`` is the
entry point the CLI and the web UI share.
"""

from frontlens.ingest import feed, geojson, html, telegram, text, twitter  # noqa: F401 (registry)
from frontlens.ingest.base import FORMATS, IngestError, ItemError, RawInput
from frontlens.ingest.pipeline import BatchReport, InputReport, ingest_inputs

__all__ = [
    "FORMATS",
    "BatchReport",
    "IngestError",
    "InputReport",
    "ItemError",
    "RawInput",
    "ingest_inputs",
]
