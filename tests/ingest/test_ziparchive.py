"""Station zips: extracted when safe, refused with the reason when not (nothing left half-written is the
caller's job: it extracts into a fresh folder and removes it on refusal)."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from ingest.sniff import sniff_bytes, sniff_file
from ingest.ziparchive import UnsafeArchive, ZipLimits, extract_zip

JPEG_HEAD = b"\xff\xd8\xff\xe0" + b"\x00" * 60


def _zip(path: Path, entries: dict[str, bytes], *, link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, "/etc/passwd")
    return path


def test_good_zip_is_extracted_in_order(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"manifest.json": b"{}", "p1.jpg": JPEG_HEAD, "p2.jpg": JPEG_HEAD})
    out = tmp_path / "out"
    out.mkdir()
    paths = extract_zip(archive, out, ZipLimits())
    assert [p.name for p in paths] == ["manifest.json", "p1.jpg", "p2.jpg"]
    assert sniff_file(paths[1]) == "image/jpeg"


@pytest.mark.parametrize(
    ("entries", "link", "reason"),
    [
        ({"../evil.jpg": JPEG_HEAD}, None, "parent path"),
        ({"/etc/evil.jpg": JPEG_HEAD}, None, "absolute"),
        ({"sub/p1.jpg": JPEG_HEAD}, None, "folder"),
        ({"p1.jpg": JPEG_HEAD}, "link.jpg", "link"),
        ({"bomb.tif": b"\x00" * (20 * 1024 * 1024)}, None, "compression ratio"),
    ],
)
def test_unsafe_zips_are_refused(tmp_path: Path, entries: dict[str, bytes], link: str | None, reason: str) -> None:
    archive = _zip(tmp_path / "bad.zip", entries, link=link)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsafeArchive, match=reason):
        extract_zip(archive, out, ZipLimits())


def test_nested_archive_and_garbage_are_refused(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as bundle:
        bundle.writestr("p.jpg", JPEG_HEAD)
    archive = _zip(tmp_path / "nested.zip", {"inner.jpg": inner.getvalue()})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsafeArchive, match="itself an archive"):
        extract_zip(archive, out, ZipLimits())
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeArchive, match="not a readable zip"):
        extract_zip(tmp_path / "garbage.zip", out, ZipLimits())


def test_sniffing_ignores_names() -> None:
    assert sniff_bytes(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_bytes(b"II*\x00\x08") == "image/tiff"
    assert sniff_bytes(b"hello, I am a .jpg") is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (".", "not a file name"),
        ("..", "parent path|not a file name"),
        (" ", "not a file name"),
        ("a" * 300 + ".jpg", "longer than 120"),
        ("Giấy khai sinh " * 20 + ".jpg", "longer than 120"),
        ("p1\n.jpg", "control characters"),
        ("./p1.jpg", "folder|not a file name"),
    ],
)
def test_entry_names_that_are_no_plain_file_name_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    """Issue #13 item 1: `.` and a 300-character name ended in a 500; now each is an UnsafeArchive."""
    archive = tmp_path / "names.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("manifest.json", b"{}")
        bundle.writestr(zipfile.ZipInfo(name), JPEG_HEAD)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsafeArchive, match=reason):
        extract_zip(archive, out, ZipLimits())


def test_damaged_entry_data_is_an_unsafe_archive(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "crc.zip", {"p1.jpg": JPEG_HEAD * 100})
    data = bytearray(archive.read_bytes())
    data[40] ^= 0xFF  # inside the first entry's compressed data
    archive.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, out, ZipLimits())
