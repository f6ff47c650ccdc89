"""Recognise an uploaded file by its first bytes, never by its name or declared content type.

Page formats are the OCR stage's own recognition (`ocr.inputs.sniff_format`); intake adds only the zip.
"""

from __future__ import annotations

from pathlib import Path

from ocr.inputs import sniff_format

HEAD_BYTES = 1024  # a PDF header may follow some junk within the first kilobyte
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff", "pdf": "application/pdf"}
PAGE_TYPES = frozenset(MEDIA_TYPES.values())


def sniff_bytes(head: bytes) -> str | None:
    """The media type of a file starting with `head`, or None."""
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    fmt = sniff_format(head)
    return MEDIA_TYPES[fmt] if fmt else None


def sniff_file(path: Path) -> str | None:
    with path.open("rb") as handle:
        return sniff_bytes(handle.read(HEAD_BYTES))
