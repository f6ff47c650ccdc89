"""A whole document: load the inputs, process the pages in parallel (a process pool, `OMP_THREAD_LIMIT=1`),
assemble the PDF/A, the text, the JSON sidecar, the page issues and the extracted fields.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.logging import get_logger
from core.types import DocumentInfo, PageIssue
from ocr.fields import extract_fields
from ocr.inputs import load_pages
from ocr.models import OcrOptions, OcrResult, PageImage, PageProgress, PageResult
from ocr.page import process_page
from ocr.pdf import assemble_pdf
from ocr.settings import ocr_settings

Progress = Callable[[PageProgress], None]


def _limit_threads() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def worker_count(jobs: int | None, pages: int) -> int:
    wanted = jobs or ocr_settings().jobs or (os.cpu_count() or 1)
    return max(1, min(wanted, pages))


def run_pages(
    pages: Sequence[PageImage], options: OcrOptions, progress: Progress | None = None, jobs: int | None = None
) -> list[PageResult]:
    """Process pages in a pool of worker processes (in this process when one worker suffices)."""
    workers = worker_count(jobs, len(pages))
    log = get_logger(__name__)  # per run: a cached logger would keep a stream that may since have closed
    results: dict[int, PageResult] = {}

    def finished(result: PageResult) -> None:
        results[result.number] = result
        log.info(
            "ocr.page",
            page=result.number,
            of=len(pages),
            rotation=result.cleanup.rotation,
            orientation_by=result.cleanup.rotation_method,
            skew=result.cleanup.skew,
            confidence=result.mean_confidence,
            verdicts=[str(v) for v, _ in result.verdicts],
        )
        if progress:
            progress(PageProgress(len(results), len(pages), result.number, tuple(v for v, _ in result.verdicts)))

    if progress:
        progress(PageProgress(0, len(pages), 0))  # the total is known: let a progress bar show it at once
    if workers == 1:
        _limit_threads()
        for number, page in enumerate(pages, start=1):
            finished(process_page(page, options, number))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_limit_threads) as pool:
            futures: list[Future[PageResult]] = [
                pool.submit(process_page, page, options, number) for number, page in enumerate(pages, start=1)
            ]
            for future in as_completed(futures):
                finished(future.result())
    return [results[n] for n in sorted(results)]


def sidecar(results: Sequence[PageResult]) -> dict[str, Any]:
    """JSON-able words, boxes (pixels of the archived page image) and confidences per page."""
    return {
        "pages": [
            {
                "page": r.number,
                "source": r.source,
                "width": r.image.width,
                "height": r.image.height,
                "dpi": list(r.image.dpi),
                "dropped": r.dropped,
                "rotation": r.cleanup.rotation,
                "skew": r.cleanup.skew,
                "mean_confidence": r.mean_confidence,
                "notes": list(r.notes),
                "verdicts": [{"verdict": str(v), "reason": why} for v, why in r.verdicts],
                "words": [w.as_json() for w in r.words],
            }
            for r in results
        ]
    }


def ocr_document(
    paths: Sequence[Path],
    info: DocumentInfo | None = None,
    options: OcrOptions | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    drop_blank: bool = False,
) -> OcrResult:
    """Inputs (pages of one document, in order) to a searchable PDF/A and its text, sidecar, issues and fields.

    Raises `ocr.errors.UnusableInput` before any page is processed when an input cannot be used, and
    `ocr.engine.EngineFailed` when the OCR engine fails on a page. Page numbers in issues are 1-based places
    in the input order (dropped blank pages keep their number, so the station finds the sheet).
    """
    info = info or DocumentInfo()
    options = options or OcrOptions.from_settings()
    pages = load_pages([Path(p) for p in paths])
    results = run_pages(pages, options, progress, jobs)
    if drop_blank and not all(r.blank for r in results):  # a PDF needs one page: all blank keeps them all
        results = [replace(r, dropped=True) if r.blank else r for r in results]
    issues: list[PageIssue] = [issue for r in results for issue in r.issues()]
    pdf = assemble_pdf(results, info)
    kept = [r for r in results if not r.dropped]
    text = "\f".join(r.text for r in kept)
    return OcrResult(
        pdf=pdf,
        text=text,
        sidecar=sidecar(results),
        issues=issues,
        fields=extract_fields(text),
        page_count=len(kept),
        pages=results,
    )
