"""Unpack a station's zip (manifest.json and page files) safely, or refuse it with the reason.

Refused: `..` or absolute paths, links, nested archives or folders, too many entries, a total size over the
limit, and a suspicious compression ratio (zip bombs). Sizes are checked while extracting, not trusted.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.sniff import sniff_bytes

CHUNK = 1024 * 1024


class UnsafeArchive(ValueError):
    """The zip cannot be accepted; the message says which entry and why."""


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 1000
    max_total_bytes: int = 2 * 1024**3
    max_entry_bytes: int = 80 * 1024**2
    max_ratio: float = 50.0


def _check_entry(info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    name = info.filename
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or ".." in path.parts or "\\" in name or ":" in name:
        raise UnsafeArchive(f"zip entry {name!r} has an absolute or parent path")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchive(f"zip entry {name!r} is a link")
    if info.is_dir() or len(path.parts) > 1:
        raise UnsafeArchive(f"zip entry {name!r} is in a folder: put manifest.json and the pages at the top")
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"zip entry {name!r} is encrypted")
    if info.file_size > limits.max_entry_bytes:
        raise UnsafeArchive(f"zip entry {name!r} is larger than {limits.max_entry_bytes} bytes")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        raise UnsafeArchive(f"zip entry {name!r} has a suspicious compression ratio")


def extract_zip(archive: Path, target: Path, limits: ZipLimits) -> list[Path]:
    """Extract every entry into `target` (flat) after checking it; return the paths in archive order."""
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"not a readable zip archive: {exc}") from exc
    with bundle:
        entries = bundle.infolist()
        if len(entries) > limits.max_entries:
            raise UnsafeArchive(f"zip holds {len(entries)} entries, more than {limits.max_entries}")
        for info in entries:
            _check_entry(info, limits)
        if len({info.filename for info in entries}) != len(entries):
            raise UnsafeArchive("zip holds two entries with the same name")
        total = 0
        written: list[Path] = []
        for info in entries:
            out = target / info.filename
            with bundle.open(info) as source, out.open("xb") as sink:
                entry_bytes = 0
                while chunk := source.read(CHUNK):
                    if entry_bytes == 0 and sniff_bytes(chunk) == "application/zip":
                        raise UnsafeArchive(f"zip entry {info.filename!r} is itself an archive")
                    entry_bytes += len(chunk)
                    total += len(chunk)
                    if entry_bytes > limits.max_entry_bytes or total > limits.max_total_bytes:
                        raise UnsafeArchive(f"zip entry {info.filename!r} expands beyond the size limit")
                    if info.compress_size and entry_bytes / info.compress_size > limits.max_ratio:
                        raise UnsafeArchive(f"zip entry {info.filename!r} has a suspicious compression ratio")
                    sink.write(chunk)
            written.append(out)
        return written
