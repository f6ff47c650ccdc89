"""Fonts and XObjects shared again between pages kept as received: each kept page travels as its own one-page PDF,
so a font or a logo used on every page of a born-digital file would otherwise be copied once per page.

Resources are compared by content (dictionaries, arrays and the raw bytes of streams, recursively); the second
and later copies are pointed at the first, and the copies no page uses are not written.
"""

from __future__ import annotations

import hashlib

import pikepdf

CATEGORIES = ("/Font", "/XObject")
MAX_DEPTH = 12


def digest(obj: pikepdf.Object | None, depth: int = 0) -> bytes:
    """A content hash of an object and what it refers to (streams by their raw bytes), to `MAX_DEPTH` levels."""
    sha = hashlib.sha256()
    if depth > MAX_DEPTH:
        sha.update(b"deep")
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        sha.update(b"S" if isinstance(obj, pikepdf.Stream) else b"D")
        keys = sorted(obj.keys())
        for key in keys:
            if key not in ("/Length", "/Parent"):
                sha.update(key.encode() + digest(obj.get(key), depth + 1))
        if isinstance(obj, pikepdf.Stream):
            sha.update(hashlib.sha256(obj.read_raw_bytes()).digest())
    elif isinstance(obj, pikepdf.Array):
        sha.update(b"A")
        for item in obj:
            sha.update(digest(item, depth + 1))
    else:
        sha.update(repr(obj).encode())
    return sha.digest()


def share_resources(page: pikepdf.Page, seen: dict[bytes, pikepdf.Object]) -> None:
    """Point the page's fonts and XObjects at equal ones already in the file (`seen`, filled as pages come)."""
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        return
    for category in CATEGORIES:
        entries = resources.get(category)
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        names = entries.keys()
        for name in names:
            value = entries.get(name)
            if value is None or not value.is_indirect:
                continue
            key = digest(value)
            if key in seen:
                entries[name] = seen[key]
            else:
                seen[key] = value
