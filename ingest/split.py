"""Split a batch's pages into documents: by manifest page ranges, by QR cover sheets, or by blank separators.

Page numbers in manifests are 1-based as people write them; the results hold 0-based indices into the batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from core.types import DocumentKind
from issuing.qr import CoverSheetPayload, PayloadError, find_cover_sheets

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


class SplitError(ValueError):
    """The pages can not be split as asked; `document_index` (0-based) names the document at fault, if one."""

    def __init__(self, message: str, document_index: int | None = None) -> None:
        super().__init__(message)
        self.document_index = document_index


class DescribedDocument(Protocol):
    """A manifest entry (`ingest.manifest.ManifestDocument` fits): type code, name, kind, page ranges."""

    @property
    def type_code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> DocumentKind: ...

    @property
    def pages(self) -> str | None: ...


@dataclass(frozen=True)
class SplitDocument:
    """One document of a batch: its pages (0-based batch indices, in order) and what it is; it always has a
    name (the vault stores no document without one)."""

    pages: tuple[int, ...]
    type_code: str | None
    name: str
    kind: DocumentKind = DocumentKind.COMPONENT
    dossier_code: str | None = None  # from a cover sheet; None when the batch's own dossier applies

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("every document of a split needs a name")


def untitled(position: int) -> str:
    """The name of a document that no cover sheet or manifest entry names: its 1-based place in the batch."""
    return f"Tài liệu {position}"


@dataclass(frozen=True)
class SplitResult:
    documents: tuple[SplitDocument, ...]
    left_out: tuple[int, ...] = ()  # 0-based pages in no document: cover sheets, blank separators


def parse_page_ranges(text: str, page_count: int, document_index: int | None = None) -> list[int]:
    """'4-7,9' -> [3, 4, 5, 6, 8] (0-based), in the order written; raises SplitError naming the document."""
    where = f"documents[{document_index}].pages" if document_index is not None else "pages"
    pages: list[int] = []
    for part in text.replace(" ", "").split(","):
        match = _RANGE.fullmatch(part)
        if not match:
            raise SplitError(f"{where}: {part!r} is not a page number or range like 3 or 4-7", document_index)
        first = int(match[1])
        last = int(match[2]) if match[2] else first
        if first < 1:
            raise SplitError(f"{where}: pages are numbered from 1, not {first}", document_index)
        if last < first:
            raise SplitError(f"{where}: range {part} runs backwards", document_index)
        if last > page_count:
            raise SplitError(f"{where}: page {last} is beyond the batch's {page_count} pages", document_index)
        for number in range(first, last + 1):
            if number - 1 in pages:
                raise SplitError(f"{where}: page {number} is listed twice", document_index)
            pages.append(number - 1)
    return pages


def _page_list(pages: Sequence[int]) -> str:
    return ", ".join(str(page + 1) for page in pages)


def split_by_manifest(
    page_count: int, documents: Sequence[DescribedDocument], *, allow_uncovered: bool = False
) -> SplitResult:
    """Documents from the manifest's page ranges.

    Errors: a range outside the batch, a page in two documents (both indices named), and, unless
    `allow_uncovered`, a page in no document: every scanned page must land in a document (Circular 01/2023
    art. 8 counts page images against physical pages), so a forgotten range is refused rather than dropped.
    """
    if page_count < 1:
        raise SplitError("the batch has no pages")
    if not documents:
        raise SplitError("the manifest lists no documents")
    owner: dict[int, int] = {}
    result: list[SplitDocument] = []
    for index, doc in enumerate(documents):
        if doc.pages is None:
            raise SplitError(f"documents[{index}].pages: missing (needed with split 'manifest')", index)
        pages = parse_page_ranges(doc.pages, page_count, index)
        for page in pages:
            if page in owner:
                raise SplitError(
                    f"documents[{index}].pages: page {page + 1} is already in documents[{owner[page]}]", index
                )
            owner[page] = index
        result.append(SplitDocument(tuple(pages), doc.type_code, doc.name, doc.kind))
    uncovered = [page for page in range(page_count) if page not in owner]
    if uncovered and not allow_uncovered:
        raise SplitError(f"page(s) {_page_list(uncovered)} are in no document of the manifest")
    return SplitResult(tuple(result), tuple(uncovered))


LeadingPages = Literal["error", "untyped"]


def split_by_cover_sheets(
    sheets: Sequence[CoverSheetPayload | None],
    *,
    leading: LeadingPages = "error",
    dossier_code: str | None = None,
) -> SplitResult:
    """Documents from per-page cover sheet findings (None for an ordinary page); the sheets are left out.

    Pages before the first sheet are an error by default (a sheet was forgotten or mis-fed: the station is
    told which pages), or with `leading="untyped"` a document without type, named "Tài liệu 1". A sheet followed by no
    page, and, when `dossier_code` is given, a sheet of another dossier, are errors.
    """
    if not sheets:
        raise SplitError("the batch has no pages")
    # Segments: the pages before the first sheet, then each sheet's page with the pages after it.
    leading_pages: list[int] = []
    segments: list[tuple[int, CoverSheetPayload, list[int]]] = []
    for page, sheet in enumerate(sheets):
        if sheet is None:
            (segments[-1][2] if segments else leading_pages).append(page)
            continue
        if dossier_code is not None and sheet.dossier_code != dossier_code:
            raise SplitError(
                f"the cover sheet on page {page + 1} is for dossier {sheet.dossier_code}, "
                f"not this batch's {dossier_code}",
                len(segments),
            )
        segments.append((page, sheet, []))
    if not segments and leading == "error":
        raise SplitError("no cover sheet found in the batch")
    documents: list[SplitDocument] = []
    if leading_pages:
        if leading == "error":
            raise SplitError(f"page(s) {_page_list(leading_pages)} come before the first cover sheet")
        documents.append(SplitDocument(tuple(leading_pages), None, untitled(1)))
    for sheet_page, sheet, pages in segments:
        if not pages:
            index = len(documents)
            raise SplitError(
                f"the cover sheet on page {sheet_page + 1} (documents[{index}]) is followed by no page", index
            )
        documents.append(SplitDocument(tuple(pages), sheet.type_code, sheet.name, sheet.kind, sheet.dossier_code))
    return SplitResult(tuple(documents), tuple(page for page, _sheet, _pages in segments))


def split_pages_by_qr(
    pages: Sequence[NDArray[np.uint8]],
    *,
    leading: LeadingPages = "error",
    dossier_code: str | None = None,
    max_side: int = 1200,
) -> SplitResult:
    """Find the cover sheets in decoded page images (OpenCV's QR detector) and split there.

    A sohoa code that is not a usable cover sheet (another payload version, a damaged field) is an error naming
    the page, rather than a page silently added to the previous document.
    """
    try:
        sheets = find_cover_sheets(pages, max_side, strict=True)
    except PayloadError as exc:
        raise SplitError(str(exc)) from exc
    return split_by_cover_sheets(sheets, leading=leading, dossier_code=dossier_code)


def split_by_blank(is_blank: Sequence[bool], documents: Sequence[DescribedDocument] | None = None) -> SplitResult:
    """Documents between blank separator pages; a run of blank pages is one separator, and blank pages at
    the start or end are dropped too. With `documents` (the manifest's list, page ranges ignored) the n-th
    document found takes the n-th entry's type, name and kind, and the counts must match; else untyped and
    named by place ("Tài liệu 1", "Tài liệu 2", …).
    """
    groups: list[list[int]] = []
    left_out: list[int] = []
    current: list[int] = []
    for page, blank in enumerate(is_blank):
        if blank:
            left_out.append(page)
            if current:
                groups.append(current)
                current = []
        else:
            current.append(page)
    if current:
        groups.append(current)
    if not groups:
        raise SplitError("no document found: every page of the batch is blank")
    if documents is not None and len(documents) != len(groups):
        raise SplitError(f"the blank separators give {len(groups)} document(s) but the manifest lists {len(documents)}")
    result = [
        SplitDocument(tuple(group), documents[i].type_code, documents[i].name, documents[i].kind)
        if documents is not None
        else SplitDocument(tuple(group), None, untitled(i + 1))
        for i, group in enumerate(groups)
    ]
    return SplitResult(tuple(result), tuple(left_out))


def is_blank_page(
    image: NDArray[np.uint8], *, ink_ratio: float = 0.0003, contrast: int = 60, margin: float = 0.06
) -> bool:
    """A small blank test for separator pages when no OCR verdict is at hand.

    The page is downscaled to ~100 dpi, `margin` of each side is ignored (scanner edges and shadows), and it
    is blank when fewer than `ink_ratio` of its pixels are `contrast` grey levels darker than the paper
    (the median). Prefer the OCR stage's blank verdict where the pipeline has it.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, 1200 / max(grey.shape[:2]))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.medianBlur(grey, 3)
    height, width = grey.shape[:2]
    dy, dx = int(height * margin), int(width * margin)
    inner = grey[dy : height - dy, dx : width - dx]
    paper = float(np.median(inner))
    ink = np.count_nonzero(inner < paper - contrast)
    return bool(ink < ink_ratio * inner.size)
