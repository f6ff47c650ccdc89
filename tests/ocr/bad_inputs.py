"""Bad input files the OCR stage must refuse with a clear reason: each builder writes one into a folder."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
from PIL import Image


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (240, 240, 235)).save(out, "JPEG", quality=90, dpi=(300, 300))
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def empty(folder: Path) -> Path:
    path = folder / "empty.jpg"
    path.write_bytes(b"")
    return path


def truncated_jpeg(folder: Path) -> Path:
    path = folder / "truncated.jpg"
    data = _jpeg()
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_jpeg(folder: Path) -> Path:
    path = folder / "notes.jpg"
    path.write_text("Đây không phải là ảnh quét.\n", encoding="utf-8")
    return path


def png_bomb(folder: Path) -> Path:
    """A 200-byte PNG whose header claims 60000 x 60000 pixels."""
    path = folder / "bomb.png"
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    body = _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _png_chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def encrypted_pdf(folder: Path) -> Path:
    path = folder / "encrypted.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(path, encryption=pikepdf.Encryption(owner="chu", user="mat-khau"))
    return path


def pdf_without_images(folder: Path) -> Path:
    path = folder / "no-images.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(path)
    return path


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (empty, "empty"),
    "truncated": (truncated_jpeg, "damaged or incomplete"),
    "text": (text_as_jpeg, "not a JPEG, PNG, TIFF or PDF"),
    "bomb": (png_bomb, "too large"),
    "encrypted": (encrypted_pdf, "encrypted"),
    "no-images": (pdf_without_images, "no text, image or drawing"),
}
