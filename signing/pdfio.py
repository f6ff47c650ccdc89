"""Opening PDF bytes for signing or validation, with clear errors for encrypted or broken files.

Nothing here writes: callers get a pyHanko reader or incremental writer over an in-memory copy.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from signing.errors import PdfBrokenError, PdfEncryptedError


def _check_header(data: bytes) -> None:
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfBrokenError("not a PDF file (no %PDF- header)")


def open_reader(data: bytes) -> Any:
    """A pyHanko PdfFileReader over `data`; PdfEncryptedError / PdfBrokenError when unusable."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    _check_header(data)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        encrypted = reader.encrypted
        if not encrypted:
            _ = reader.root["/Pages"]
    except (PdfError, KeyError, ValueError, TypeError, IndexError, AssertionError) as exc:
        raise PdfBrokenError(f"broken PDF: {exc}") from exc
    if encrypted:
        raise PdfEncryptedError("the PDF is encrypted: decrypt it before signing or validating")
    return reader


def page_count(data: bytes) -> int:
    """How many pages a PDF has (PdfEncryptedError / PdfBrokenError as `open_reader`)."""
    return int(open_reader(data).root["/Pages"]["/Count"])


def open_incremental_writer(data: bytes) -> Any:
    """A pyHanko IncrementalPdfFileWriter over `data` (the original bytes are kept untouched)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    _check_header(data)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        encrypted = writer.prev.encrypted
        if not encrypted:
            _ = writer.prev.root["/Pages"]
    except (PdfError, KeyError, ValueError, TypeError, IndexError, AssertionError) as exc:
        raise PdfBrokenError(f"broken PDF: {exc}") from exc
    if encrypted:
        raise PdfEncryptedError("the PDF is encrypted: decrypt it before signing or validating")
    return writer


def page_box(writer: Any, page_index: int) -> tuple[float, float, float, float]:
    """The /MediaBox (x0, y0, x1, y1) of a page (0-based, negative from the end), inherited if needed."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

    try:
        page_ref, _ = writer.find_page_for_modification(page_index)
        box = find_inherited_value_in_tree(page_ref.get_object(), "/MediaBox", "/Parent")
        x0, y0, x1, y1 = (float(v) for v in box)
    except (PdfError, IndexError, KeyError, ValueError, TypeError) as exc:
        raise PdfBrokenError(f"page {page_index + 1 if page_index >= 0 else page_index} not found: {exc}") from exc
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
