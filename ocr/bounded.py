"""Bounded reading of image containers before any pixel is decoded: JPEG segments, PNG chunks, inflate with an
output cap, and the declared size of a PDF image stream.

Two jobs. (1) Only the image's own bytes go forward (`jpeg_image_bytes`, `png_image_bytes`): metadata segments,
comments and anything appended after the end marker (a JPEG+ZIP polyglot) are dropped, so nothing but image data
can enter an archived record. (2) Sizes are known before decoding: a stream that would inflate beyond what its
header declares is refused (`inflated_size` stops at the cap, in constant memory).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

CHUNK = 256 * 1024


class Malformed(ValueError):
    """The container is damaged, truncated, or larger than it declares; the message says how."""


# JPEG markers kept: frames (SOFn), Huffman and arithmetic tables, quantisation tables, restart interval, scans.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_KEPT = _JPEG_FRAMES | {0xC4, 0xCC, 0xDB, 0xDD, 0xDA}
_JPEG_SOS, _JPEG_EOI, _JPEG_APP0, _JPEG_APP14 = 0xDA, 0xD9, 0xE0, 0xEE


def _keep_app(marker: int, body: bytes) -> bool:
    """JFIF (density) and Adobe (colour transform) segments change how the pixels read; all else is metadata."""
    return (marker == _JPEG_APP0 and body.startswith(b"JFIF\x00")) or (
        marker == _JPEG_APP14 and body.startswith(b"Adobe")
    )


def _entropy_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at `pos` ends: the next marker that is not a restart or stuffing."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise Malformed("JPEG data ends inside a scan (no end marker): truncated")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def jpeg_image_bytes(data: bytes) -> bytes:
    """The JPEG's image: SOI, tables, frame, scans and EOI, byte for byte; Exif, ICC, XMP, comments and
    everything after the end marker dropped. Raises Malformed for a damaged or truncated structure."""
    if not data.startswith(b"\xff\xd8"):
        raise Malformed("not a JPEG (no start marker)")
    out = [b"\xff\xd8"]
    pos, frames, scans = 2, 0, 0
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise Malformed("JPEG structure is damaged or truncated (expected a marker)")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise Malformed("JPEG ends without its end marker: truncated")
        marker = data[pos]
        pos += 1
        if marker == _JPEG_EOI:
            if not scans or not frames:
                raise Malformed("JPEG ends before any image data")
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # standalone markers carry nothing
        if pos + 2 > len(data):
            raise Malformed("JPEG segment is truncated")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if length < 2 or end > len(data):
            raise Malformed("JPEG segment length runs past the end of the file: truncated or damaged")
        segment = data[pos - 2 : end]
        if marker in _JPEG_FRAMES:
            frames += 1
        if marker in _JPEG_KEPT or _keep_app(marker, data[pos + 2 : end]):
            out.append(segment)
        pos = end
        if marker == _JPEG_SOS:
            scans += 1
            stop = _entropy_end(data, pos)
            out.append(data[pos:stop])
            pos = stop


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEPT = {b"IHDR", b"PLTE", b"tRNS", b"pHYs", b"IDAT", b"IEND"}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks up to IEND (type, data), each CRC checked; anything after IEND is ignored."""
    if not data.startswith(_PNG_SIGNATURE):
        raise Malformed("not a PNG (no signature)")
    chunks, pos = [], len(_PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise Malformed("PNG ends without its IEND chunk: truncated")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if length > 2**31 - 1 or len(body) != length or pos + 12 + length > len(data):
            raise Malformed("PNG chunk runs past the end of the file: truncated")
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise Malformed(f"PNG chunk {kind!r} is damaged (CRC mismatch)")
        chunks.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            return chunks


def png_size(chunks: list[tuple[bytes, bytes]]) -> tuple[int, int, int]:
    """Width, height and the exact size of the filtered image data the IDAT chunks must inflate to."""
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise Malformed("PNG does not start with a valid IHDR chunk")
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16) or width == 0 or height == 0:
        raise Malformed("PNG header declares an impossible image")
    bits = depth * _PNG_CHANNELS[colour]
    rows = height * (1 + (width * bits + 7) // 8)
    if interlace:  # Adam7 passes add a filter byte per row of each pass: bound it generously
        rows += height * 7 + 7 * 8
    return width, height, rows


def png_image_bytes(data: bytes, max_pixels: int) -> tuple[bytes, int, int]:
    """The PNG's image (critical chunks, transparency and density only), checked to inflate to no more than its
    header declares; with its width and height."""
    chunks = png_chunks(data)
    width, height, expected = png_size(chunks)
    if width * height > max_pixels:
        raise Malformed(f"PNG of {width}x{height} pixels exceeds the limit of {max_pixels} pixels")
    idat = [body for kind, body in chunks if kind == b"IDAT"]
    if not idat:
        raise Malformed("PNG holds no image data")
    inflated_size(idat, expected)
    kept = b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in chunks
        if kind in _PNG_KEPT
    )
    return _PNG_SIGNATURE + kept, width, height


def inflated_size(parts: Iterable[bytes], limit: int, *, wbits: int = zlib.MAX_WBITS) -> int:
    """The size of zlib data once inflated, never holding more than a chunk of it; Malformed past `limit`."""
    engine = zlib.decompressobj(wbits)
    total = 0
    try:
        for part in parts:
            pending = part
            while pending:
                total += len(engine.decompress(pending, CHUNK))
                pending = engine.unconsumed_tail
                if total > limit:
                    raise Malformed(f"compressed data inflates beyond the {limit} bytes its header declares")
                if engine.eof:
                    return total
        total += len(engine.flush(CHUNK))
    except zlib.error as exc:
        raise Malformed(f"compressed data is damaged ({exc})") from exc
    if total > limit:
        raise Malformed(f"compressed data inflates beyond the {limit} bytes its header declares")
    return total


def raw_image_bytes(width: int, height: int, components: int, bits: int) -> int:
    """Bytes of an uncompressed raster (rows padded to whole bytes), as a PDF image stream holds it."""
    return height * ((width * components * bits + 7) // 8)
