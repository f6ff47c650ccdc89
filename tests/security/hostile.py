"""Builders of hostile files for the security tests: polyglots, smuggled metadata, bombs, damaged structures.

Each builder returns bytes; `MARKER` is what a smuggler hides, so a test can look for it in what was kept.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import lru_cache

import numpy as np
import pikepdf
from PIL import Image

MARKER = b"SOHOA-SMUGGLED-PAYLOAD-7f3a"


def page_image(width: int = 620, height: int = 877) -> Image.Image:
    """A light grey A4-shaped page with a dark bar (not blank for the blank detector's eyes, cheap to make)."""
    pixels = np.full((height, width), 235, dtype=np.uint8)
    pixels[height // 3 : height // 3 + 12, width // 6 : width - width // 6] = 20
    return Image.fromarray(pixels, "L")


def jpeg(width: int = 620, height: int = 877, **save: object) -> bytes:
    out = io.BytesIO()
    page_image(width, height).save(out, "JPEG", quality=85, dpi=(100, 100), **save)
    return out.getvalue()


def png(width: int = 620, height: int = 877) -> bytes:
    out = io.BytesIO()
    page_image(width, height).save(out, "PNG", dpi=(100, 100))
    return out.getvalue()


def zip_with_marker() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        bundle.writestr("payload.txt", MARKER * 4)
    return out.getvalue()


def jpeg_zip_polyglot() -> bytes:
    """A JPEG followed by a zip: image viewers show the page, unzip finds the payload."""
    return jpeg() + zip_with_marker()


def jpeg_with_metadata() -> bytes:
    """The marker in a comment, an Exif block and an unknown APP segment."""
    data = jpeg(exif=b"Exif\x00\x00" + MARKER)
    comment = b"\xff\xfe" + struct.pack(">H", len(MARKER) + 2) + MARKER
    app9 = b"\xff\xe9" + struct.pack(">H", len(MARKER) + 2) + MARKER
    return data[:2] + comment + app9 + data[2:]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_payload() -> bytes:
    """A PNG with the marker in a text chunk and after IEND."""
    data = png()
    return data[:33] + _chunk(b"tEXt", b"Comment\x00" + MARKER) + data[33:] + MARKER


def png_idat_bomb(width: int = 2000, height: int = 2000, inflated: int = 256 * 1024**2) -> bytes:
    """A PNG whose IDAT inflates far beyond its header's width × height."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zeros(inflated)) + _chunk(b"IEND", b"")


@lru_cache(maxsize=4)
def zeros(size: int) -> bytes:
    """zlib data of `size` zero bytes (about size / 1000 bytes), built in chunks."""
    engine = zlib.compressobj(9)
    block = bytes(16 * 1024**2)
    parts = [engine.compress(block) for _ in range(size // len(block))]
    parts.append(engine.compress(bytes(size % len(block))))
    return b"".join([*parts, engine.flush()])


def pdf_with_image(stream_data: bytes, width: int, height: int, **entries: object) -> bytes:
    """A one-page PDF whose only image stream holds `stream_data` as is, with the given dictionary entries."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, stream_data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = width, height
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    for key, value in entries.items():
        image[f"/{key}"] = value
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def pdf_flate_bomb(inflated: int = 1024**3) -> bytes:
    """Issue #13 item 3: a ~1 MB PDF whose one 2000×2000 grey image inflates to `inflated` bytes (1 GiB)."""
    return pdf_with_image(zeros(inflated), 2000, 2000, Filter=pikepdf.Name.FlateDecode)


def pdf_content_bomb(inflated: int = 1024**3) -> bytes:
    """A text page whose content stream inflates to `inflated` bytes (a page kept as received is parsed)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    stream = pikepdf.Stream(pdf, zeros(inflated))
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_dct_polyglot() -> bytes:
    """A PDF whose DCT image stream is a JPEG with a zip appended."""
    return pdf_with_image(jpeg_zip_polyglot(), 620, 877, Filter=pikepdf.Name.DCTDecode)


def pdf_dct_lying_size() -> bytes:
    """A DCT stream whose JPEG is 30000×30000 while the dictionary says 620×877."""
    return pdf_with_image(jpeg_header_only(30000, 30000), 620, 877, Filter=pikepdf.Name.DCTDecode)


def jpeg_header_only(width: int, height: int) -> bytes:
    """A real JPEG's tables with a frame header claiming `width`×`height` (a 'pixel flood' header)."""
    data = bytearray(jpeg(16, 16))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiff_many_pages(pages: int) -> bytes:
    out = io.BytesIO()
    first = Image.new("1", (64, 64), 1)
    first.save(out, "TIFF", save_all=True, append_images=[Image.new("1", (64, 64), 1)] * (pages - 1))
    return out.getvalue()


def pdf_without_images() -> bytes:
    """An A4 page with no image: not a scan."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def big_blank_png(width: int, height: int) -> bytes:
    """A white grey PNG of width × height built row by row (never the whole raster in memory)."""
    engine = zlib.compressobj(6)
    row = b"\x00" + b"\xff" * width
    parts = [engine.compress(row) for _ in range(height)]
    parts.append(engine.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
