"""Small drawing helpers for the one-page papers sohoa issues (cover sheets, receipts): text and QR codes.

Text goes through pyHanko's OpenType engine (HarfBuzz shaping, embedded font subset with a ToUnicode map),
so Vietnamese diacritics print and extract correctly; QR codes are drawn as vector modules from `qrcode`.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import qrcode
import qrcode.constants
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from core.settings import core_settings
from issuing.settings import issuing_settings
from signing.fonts import prepared_font

A4 = (595.276, 841.89)  # points (210 x 297 mm)
MM = 72 / 25.4

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation2"),
)
FONT_FILES = {
    "serif": "LiberationSerif-Regular.ttf",
    "serif-bold": "LiberationSerif-Bold.ttf",
    "serif-italic": "LiberationSerif-Italic.ttf",
    "sans": "LiberationSans-Regular.ttf",
    "sans-bold": "LiberationSans-Bold.ttf",
}
FontName = Literal["serif", "serif-bold", "serif-italic", "sans", "sans-bold"]
Align = Literal["left", "center", "right"]

QR_ERROR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


class FontNotFound(RuntimeError):
    """A Liberation font file is missing (install the `fonts-liberation2` package)."""


def font_path(name: FontName, font_dir: Path | None = None) -> Path:
    """The TrueType file of one of the Liberation faces, from `font_dir` or the system font folders."""
    file_name = FONT_FILES[name]
    for folder in (font_dir, *FONT_DIRS):
        if folder is not None and (folder / file_name).is_file():
            return folder / file_name
    raise FontNotFound(f"font {file_name} not found: install fonts-liberation2 or set a font folder")


@lru_cache(maxsize=8)
def font_program(path: Path) -> bytes:
    """The font subset to Latin + Vietnamese and rescaled to 1000 units per em (`signing.fonts`), as PDF glyph
    widths (/W) are in thousandths of an em and pyHanko writes them in font units (Liberation has 2048).

    Built once and kept in `<data dir>/cache/fonts`; a read-only data folder builds it in a temporary folder.
    """
    try:
        return prepared_font(path, core_settings().data_dir / "cache" / "fonts").read_bytes()
    except OSError:
        with tempfile.TemporaryDirectory() as folder:
            return prepared_font(path, Path(folder)).read_bytes()


def qr_matrix(payload: str, error_level: str = "M") -> list[list[bool]]:
    """The module matrix of the smallest QR code (ISO/IEC 18004) holding `payload`, without quiet zone."""
    code = qrcode.QRCode(error_correction=QR_ERROR_LEVELS[error_level], border=0, box_size=1)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


@dataclass
class PdfDocument:
    """A new PDF with A4 pages; fonts are embedded as subsets holding only the glyphs used."""

    title: str = ""
    author: str = ""
    font_dir: Path | None = None
    page_size: tuple[float, float] = A4
    _writer: PdfFileWriter = field(init=False)
    _fonts: dict[str, GlyphAccumulator] = field(init=False, default_factory=dict)
    _pages: list[PageCanvas] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self._writer = PdfFileWriter(stream_xrefs=False)
        self._writer.document_meta.title = self.title or None
        self._writer.document_meta.author = self.author or None
        self._writer.document_meta.creator = "sohoa"

    def engine(self, name: FontName) -> GlyphAccumulator:
        if name not in self._fonts:
            folder = self.font_dir or issuing_settings().font_dir
            program = io.BytesIO(font_program(font_path(name, folder)))
            self._fonts[name] = GlyphAccumulator(self._writer, program, font_size=10, bcp47_lang_code="vi")
        return self._fonts[name]

    def new_page(self) -> PageCanvas:
        page = PageCanvas(self)
        self._pages.append(page)
        return page

    def to_bytes(self) -> bytes:
        """Write the document; the object can not be drawn on afterwards."""
        for page in self._pages:
            self._writer.insert_page(page.page_object())
        subset_logger = logging.getLogger("fontTools.subset")
        level = subset_logger.level
        subset_logger.setLevel(logging.ERROR)  # it reports every table it drops
        try:
            for engine in self._fonts.values():
                engine.prepare_write()
        finally:
            subset_logger.setLevel(level)
        out = io.BytesIO()
        self._writer.write(out)
        return out.getvalue()


@dataclass
class PageCanvas:
    """One page; coordinates in points from the bottom-left corner, as PDF has them."""

    doc: PdfDocument
    _ops: list[bytes] = field(default_factory=list)

    @property
    def width(self) -> float:
        return self.doc.page_size[0]

    @property
    def height(self) -> float:
        return self.doc.page_size[1]

    def _engine(self, font: FontName, size: float) -> GlyphAccumulator:
        engine = self.doc.engine(font)
        engine.font_size = size  # type: ignore[assignment]  # used only to place glyphs, a float is fine
        return engine

    def text_width(self, text: str, font: FontName = "serif", size: float = 12) -> float:
        engine = self._engine(font, size)
        return float(engine.shape(text, with_actual_text=False).x_advance) * size

    def text(
        self,
        x: float,
        y: float,
        text: str,
        font: FontName = "serif",
        size: float = 12,
        align: Align = "left",
    ) -> None:
        """One line of text with its baseline at y; x is its left end, centre or right end per `align`."""
        if not text:
            return
        shaped = self._engine(font, size).shape(text)
        width = shaped.x_advance * size
        start = x - width / 2 if align == "center" else x - width if align == "right" else x
        resource = f"/F{list(self.doc._fonts).index(font) + 1}".encode()
        self._ops.append(b"BT %s %g Tf 1 0 0 1 %.2f %.2f Tm %s ET" % (resource, size, start, y, shaped.graphics_ops))

    def wrap(self, text: str, max_width: float, font: FontName = "serif", size: float = 12) -> list[str]:
        """Break text into lines no wider than max_width (at spaces; a word longer than a line is kept)."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if current and self.text_width(candidate, font, size) > max_width:
                lines.append(current)
                current = word
            else:
                current = candidate
        if current:
            lines.append(current)
        return lines

    def paragraph(
        self,
        x: float,
        y: float,
        text: str,
        max_width: float,
        font: FontName = "serif",
        size: float = 12,
        leading: float | None = None,
        indent: float = 0,
    ) -> float:
        """Wrapped text from baseline y down; later lines start `indent` points right. Returns the next y."""
        step = leading or size * 1.35
        for number, line in enumerate(self.wrap(text, max_width - indent, font, size)):
            self.text(x + (indent if number else 0), y, line, font, size)
            y -= step
        return y

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        self._ops.append(b"q %g w %.2f %.2f m %.2f %.2f l S Q" % (width, x1, y1, x2, y2))

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.6) -> None:
        self._ops.append(b"q %g w %.2f %.2f %.2f %.2f re S Q" % (width, x, y, w, h))

    def qr(self, x: float, top: float, size: float, payload: str, error_level: str = "M") -> float:
        """A QR code `size` points wide with its top-left corner at (x, top). Returns the module size.

        Only the dark modules are drawn; leave at least 4 modules of white around it (the quiet zone).
        """
        matrix = qr_matrix(payload, error_level)
        count = len(matrix)
        module = size / count
        rects: list[bytes] = []
        for row_index, row in enumerate(matrix):
            col = 0
            while col < count:
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < count and row[col]:
                    col += 1
                rects.append(b"%d %d %d 1 re" % (start, count - 1 - row_index, col - start))
        bottom = top - size
        self._ops.append(b"q 0 g %.4f 0 0 %.4f %.2f %.2f cm %s f Q" % (module, module, x, bottom, b" ".join(rects)))
        return module

    def page_object(self) -> PageObject:
        writer = self.doc._writer
        fonts = generic.DictionaryObject(
            {
                generic.NameObject(f"/F{index + 1}"): engine.as_resource()
                for index, engine in enumerate(self.doc._fonts.values())
            }
        )
        stream = generic.StreamObject(stream_data=b"\n".join(self._ops))
        stream.compress()
        resources = generic.DictionaryObject({generic.NameObject("/Font"): fonts})
        return PageObject(
            contents=writer.add_object(stream),
            media_box=(0, 0, *self.doc.page_size),
            resources=resources,
        )
