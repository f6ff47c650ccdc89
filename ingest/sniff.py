"""Recognise an uploaded file by its first bytes, never by its name or declared content type."""

from __future__ import annotations

from pathlib import Path

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)

PAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "application/pdf"})


def sniff_bytes(head: bytes) -> str | None:
    """The media type whose signature `head` starts with, or None."""
    for magic, media_type in SIGNATURES:
        if head.startswith(magic):
            return media_type
    return None


def sniff_file(path: Path) -> str | None:
    with path.open("rb") as handle:
        return sniff_bytes(handle.read(16))
