"""Plain, picklable data passed between the OCR steps: pages in, per-page results, the document result.

`PageImage` keeps the encoded bytes (decoded lazily in a worker), `PageResult` the archival image and the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.types import PageIssue, PageVerdict


@dataclass(frozen=True)
class PageImage:
    """One scanned page as read from its file: encoded bytes, their format and the resolution.

    `fmt` is "jpeg", "png" or "tiff" (bytes of a one-page image file), `dpi` is (x, y); `dpi_inferred` says the
    file had none and it was guessed from the page size (`dpi_note` says how). `fmt` "pdf" is a PDF page kept as
    received (`ocr.pdfinput`): `data` a one-page PDF, width and height in points, dpi 72, and `mode` what the page
    carries: "text", "drawing" or "empty".
    """

    source: str
    number_in_source: int
    data: bytes
    fmt: str
    width: int
    height: int
    mode: str
    dpi: tuple[float, float]
    dpi_inferred: bool = False
    dpi_note: str = ""


@dataclass(frozen=True)
class OcrOptions:
    """What a page run needs to know besides the page: language, thresholds and output encoding."""

    lang: str = "vie"
    min_dpi: float = 200.0
    jpeg_quality: int = 75
    mixed_raster: bool = True
    blank_ink_fraction: float = 0.0015
    dark_paper_level: float = 100.0
    light_ink_contrast: float = 70.0
    min_confidence: float = 55.0
    tesseract_timeout: int = 180
    engine: str = "tesserocr"

    @classmethod
    def from_settings(cls, **overrides: Any) -> OcrOptions:
        from ocr.settings import ocr_settings

        s = ocr_settings()
        values: dict[str, Any] = {
            "lang": s.lang,
            "min_dpi": s.min_dpi,
            "jpeg_quality": s.jpeg_quality,
            "mixed_raster": s.mixed_raster,
            "blank_ink_fraction": s.blank_ink_fraction,
            "dark_paper_level": s.dark_paper_level,
            "light_ink_contrast": s.light_ink_contrast,
            "min_confidence": s.min_confidence,
            "tesseract_timeout": s.tesseract_timeout,
            "engine": s.engine,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass(frozen=True)
class Word:
    """A recognised word: NFC text, box in pixels of the page's archival image (left, top, width, height),
    Tesseract confidence 0-100, and its line's box and number in reading order."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: int
    line_box: tuple[int, int, int, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": [self.left, self.top, self.width, self.height],
            "conf": round(self.conf, 1),
            "line": self.line,
        }


@dataclass(frozen=True)
class ArchivalImage:
    """The page image as it goes into the PDF: encoded bytes and how to declare them.

    `fmt` is "jpeg" (DCTDecode, passed through as is), "ccitt" (CCITT G4 data, black is 1), "bilevel" (1-bit
    rows, 1 = white, Flate-compressed) or "pdf" (a page kept as received: a one-page PDF, sized in points);
    `colour` is "rgb", "gray" or "bilevel". Mixed raster content (`ocr.mrc`): `mask` is the page's black print as
    CCITT G4 data (black is 1) at width x height, painted in `ink` (0-255 per channel of `colour`) over the image,
    which then holds the page without that print, at a lower resolution (`pixels` its own size).
    """

    data: bytes
    fmt: str
    width: int
    height: int
    colour: str
    dpi: tuple[float, float]
    mask: bytes = b""
    ink: tuple[int, ...] = ()
    pixels: tuple[int, int] = (0, 0)  # the JPEG's own width and height when it is smaller (an MRC background)


@dataclass(frozen=True)
class Cleanup:
    """What cleanup did to a page: rotation (clockwise degrees applied), skew removed (degrees), crop box."""

    rotation: int = 0
    rotation_method: str = ""
    skew: float = 0.0
    crop: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass(frozen=True)
class PageResult:
    """Everything known about one processed page; picklable so that it can leave a worker process."""

    number: int
    source: str
    image: ArchivalImage
    words: tuple[Word, ...]
    text: str
    verdicts: tuple[tuple[PageVerdict, str], ...]
    cleanup: Cleanup
    mean_confidence: float
    ink_fraction: float
    dropped: bool = False
    notes: tuple[str, ...] = ()  # facts the station should know that are not verdicts (e.g. inferred dpi)
    pdfa_problems: tuple[str, ...] = ()  # why a page kept as received keeps the file from claiming PDF/A
    print: str | None = None  # the cleaned page's perceptual hash (`ocr.prints`); None for a page kept as received

    @property
    def kept(self) -> bool:
        """A PDF page kept as received (not rasterised, not OCR'd into a text layer)."""
        return self.image.fmt == "pdf"

    @property
    def blank(self) -> bool:
        return any(v == PageVerdict.BLANK for v, _ in self.verdicts)

    def issues(self, page_number: int | None = None) -> list[PageIssue]:
        n = self.number if page_number is None else page_number
        return [PageIssue(n, verdict, reason) for verdict, reason in self.verdicts]


@dataclass(frozen=True)
class PageProgress:
    """Sent to a progress callback once at the start (done 0, page 0) and as each page finishes."""

    done: int
    total: int
    page: int
    verdicts: tuple[PageVerdict, ...] = ()


@dataclass
class DocumentOcr:
    """A document: the PDF/A bytes, its text, the JSON-able sidecar, issues, extracted fields, page count (pages
    in the PDF), and every page's result (dropped pages included)."""

    pdf: bytes
    text: str
    sidecar: dict[str, Any]
    issues: list[PageIssue]
    fields: dict[str, list[str]]
    page_count: int
    pages: list[PageResult] = field(default_factory=list)

    @property
    def needs_rescan(self) -> bool:
        from core.types import RESCAN_VERDICTS

        return any(issue.verdict in RESCAN_VERDICTS for issue in self.issues)

    def issues_json(self) -> list[dict[str, Any]]:
        return [{"page": i.page, "verdict": str(i.verdict), "reason": i.reason} for i in self.issues]
