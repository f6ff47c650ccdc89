"""Unpack a station's zip (manifest.json and page files) safely, or refuse it with the reason.

Refused: `..` or absolute paths, links, nested archives or folders, names that are not a plain file name
(`.`, empty, control characters, longer than 120 characters), too many entries, a total size over the limit, and
a suspicious compression ratio (zip bombs). Sizes are checked while extracting, not trusted. Every failure of the
archive itself (damaged data, unknown compression) is an `UnsafeArchive`, never another exception.
"""

from __future__ import annotations

import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.sniff import sniff_bytes

CHUNK = 1024 * 1024
MAX_NAME_CHARS = 120  # far below the 255 bytes a file name may take on Linux, even in Vietnamese UTF-8
# What a damaged or exotic archive raises from zipfile while reading (bad CRC, truncated or unknown data).
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


class UnsafeArchive(ValueError):
    """The zip cannot be accepted; the message says which entry and why."""


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 1000
    max_total_bytes: int = 2 * 1024**3
    max_entry_bytes: int = 80 * 1024**2
    max_ratio: float = 50.0


def _shown(name: str) -> str:
    """An entry name fit for a message: control characters escaped, cut to a readable length."""
    return repr(name[:60] + ("…" if len(name) > 60 else ""))


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME_CHARS:
        raise UnsafeArchive(f"zip entry {_shown(name)} has a name longer than {MAX_NAME_CHARS} characters")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise UnsafeArchive(f"zip entry {_shown(name)} has control characters in its name")
    if name.strip(" .") == "" or name != name.strip():
        raise UnsafeArchive(f"zip entry {_shown(name)} is not a file name")


def _check_entry(info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    name = info.filename
    _check_name(name)
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or ".." in path.parts or "\\" in name or ":" in name:
        raise UnsafeArchive(f"zip entry {_shown(name)} has an absolute or parent path")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchive(f"zip entry {_shown(name)} is a link")
    if info.is_dir() or len(path.parts) != 1 or path.name != name:
        raise UnsafeArchive(f"zip entry {_shown(name)} is in a folder: put manifest.json and the pages at the top")
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"zip entry {_shown(name)} is encrypted")
    if info.file_size > limits.max_entry_bytes:
        raise UnsafeArchive(f"zip entry {_shown(name)} is larger than {limits.max_entry_bytes} bytes")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        raise UnsafeArchive(f"zip entry {_shown(name)} has a suspicious compression ratio")


def extract_zip(archive: Path, target: Path, limits: ZipLimits) -> list[Path]:
    """Extract every entry into `target` (flat) after checking it; return the paths in archive order."""
    try:
        bundle = zipfile.ZipFile(archive)
    except _READ_ERRORS as exc:
        raise UnsafeArchive(f"not a readable zip archive: {exc}") from exc
    try:
        with bundle:
            return _extract(bundle, target, limits)
    except _READ_ERRORS as exc:
        raise UnsafeArchive(f"the zip archive is damaged or uses an unsupported format: {exc}") from exc


def _extract(bundle: zipfile.ZipFile, target: Path, limits: ZipLimits) -> list[Path]:
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
                    raise UnsafeArchive(f"zip entry {_shown(info.filename)} is itself an archive")
                entry_bytes += len(chunk)
                total += len(chunk)
                if entry_bytes > limits.max_entry_bytes or total > limits.max_total_bytes:
                    raise UnsafeArchive(f"zip entry {_shown(info.filename)} expands beyond the size limit")
                if info.compress_size and entry_bytes / info.compress_size > limits.max_ratio:
                    raise UnsafeArchive(f"zip entry {_shown(info.filename)} has a suspicious compression ratio")
                sink.write(chunk)
        written.append(out)
    return written
