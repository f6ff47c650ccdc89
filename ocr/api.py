"""The one OCR entry point for a document, in the style of OCRmyPDF's `api.ocr()`: pages in, options, a per-page
progress callback, the document's result out (page results, text, fields, issues, sidecar, PDF/A bytes).

`sohoa ocr` and the pipeline's OCR step both call `ocr_document`; they differ only in where the pages come from,
how pages run in parallel (a process pool, or threads inside a Celery prefork child) and where results are written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import cv2

from core.logging import get_logger
from core.metrics import timed_step
from core.types import DocumentInfo
from ocr.errors import NothingToArchive
from ocr.fields import extract_fields
from ocr.models import DocumentOcr, OcrOptions, PageImage, PageProgress, PageResult
from ocr.page import process_page
from ocr.pdf import assemble_pdf, pdfa_problems
from ocr.settings import ocr_settings

Progress = Callable[[PageProgress], None]
Pool = Literal["processes", "threads"]


@dataclass(frozen=True)
class DocumentOptions:
    """How to OCR one document.

    `page`: the per-page options (None: from `SOHOA_OCR_*`); `info`: the PDF's metadata; `drop_blank`: leave
    pages with the blank verdict out of the PDF, the text and the page count (they stay in the issues and the
    sidecar, marked dropped); `workers`: pages at once (None: `SOHOA_OCR_JOBS` or one per core); `pool`:
    "processes", or "threads" where a process may not start a pool of its own (either way Tesseract runs with
    `OMP_THREAD_LIMIT=1` and, with more than one worker, OpenCV with one thread).
    """

    page: OcrOptions | None = None
    info: DocumentInfo = field(default_factory=DocumentInfo)
    drop_blank: bool = False
    workers: int | None = None
    pool: Pool = "processes"


def _limit_threads() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


@contextmanager
def _opencv_one_thread() -> Iterator[None]:
    """OpenCV on one thread while pages run in parallel (its own two threads per worker cost ≈10% more CPU per
    page, tuning split; same results). Set in THIS process, before the pool starts, and restored after: forked
    workers inherit the setting. Never set in a forked worker: there `cv2.setNumThreads` tears down the thread
    pool inherited from the parent, whose threads did not survive the fork, and waits for them forever (the hang
    of tests/ocr/test_api.py seen when it was set in the pool's initializer)."""
    before = cv2.getNumThreads()
    if before != 1:
        cv2.setNumThreads(1)
    try:
        yield
    finally:
        if before != 1:
            cv2.setNumThreads(before)


def worker_count(jobs: int | None, pages: int) -> int:
    wanted = jobs or ocr_settings().jobs or (os.cpu_count() or 1)
    return max(1, min(wanted, pages))


def _processed(pages: Sequence[PageImage], options: OcrOptions, workers: int, pool: Pool) -> Iterator[PageResult]:
    """Page results as they finish: in this process for one worker, else in a pool of processes or threads."""
    if workers == 1:
        _limit_threads()
        for number, page in enumerate(pages, start=1):
            yield process_page(page, options, number)
        return
    executor: Executor
    if pool == "threads":
        _limit_threads()
        executor = ThreadPoolExecutor(max_workers=workers)
    else:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=_limit_threads)
    with _opencv_one_thread(), executor:
        futures: list[Future[PageResult]] = [
            executor.submit(process_page, page, options, number) for number, page in enumerate(pages, start=1)
        ]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:  # a failed page or a time limit: pages not started yet are not started at all
            for future in futures:
                future.cancel()
            raise


def run_pages(
    pages: Sequence[PageImage],
    options: OcrOptions,
    progress: Progress | None = None,
    jobs: int | None = None,
    pool: Pool = "processes",
) -> list[PageResult]:
    """Process pages `jobs` at a time; results in page order. `progress` hears (0, total) first, then each page."""
    log = get_logger(__name__)  # per run: a cached logger would keep a stream that may since have closed
    results: dict[int, PageResult] = {}
    if progress:
        progress(PageProgress(0, len(pages), 0))  # the total is known: let a progress bar show it at once
    for result in _processed(pages, options, worker_count(jobs, len(pages)), pool):
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
    return [results[n] for n in sorted(results)]


def sidecar(results: Sequence[PageResult]) -> dict[str, Any]:
    """JSON-able words, boxes (pixels of the archived page image) and confidences per page; `page_count` is the
    number of pages in the PDF (pages marked `dropped` are not); `pdfa` false, with the reasons, when a page kept
    as received keeps the PDF from claiming PDF/A."""
    problems = pdfa_problems(results)
    return {
        "page_count": sum(1 for r in results if not r.dropped),
        "pdfa": not problems,
        "pdfa_problems": problems,
        "pages": [
            {
                "page": r.number,
                "source": r.source,
                "width": r.image.width,
                "height": r.image.height,
                "dpi": list(r.image.dpi),
                "dropped": r.dropped,
                "kept_as_received": r.kept,
                "rotation": r.cleanup.rotation,
                "skew": r.cleanup.skew,
                "mean_confidence": r.mean_confidence,
                "notes": list(r.notes),
                "verdicts": [{"verdict": str(v), "reason": why} for v, why in r.verdicts],
                "words": [w.as_json() for w in r.words],
            }
            for r in results
        ],
    }


def drop_blank_pages(results: Sequence[PageResult]) -> list[PageResult]:
    """Mark the pages with the blank verdict dropped; `NothingToArchive` when no page would be left."""
    if all(r.blank for r in results):
        raise NothingToArchive(f"all {len(results)} page(s) are blank and blank pages are dropped")
    return [replace(r, dropped=True) if r.blank else r for r in results]


def ocr_document(
    pages: Sequence[PageImage], options: DocumentOptions | None = None, progress: Progress | None = None
) -> DocumentOcr:
    """The pages of one document, in order, to a searchable PDF/A and its text, sidecar, issues and fields.

    Raises `ocr.engine.EngineFailed` when the OCR engine fails on a page, and `ocr.errors.NothingToArchive`
    when blank pages are dropped and every page is blank. Page numbers in issues are 1-based places in `pages`
    (dropped blank pages keep their number, so the station finds the sheet).
    """
    if not pages:
        raise NothingToArchive("the document has no page")
    options = options or DocumentOptions()
    page_options = options.page or OcrOptions.from_settings()
    results = run_pages(pages, page_options, progress, options.workers, options.pool)
    if options.drop_blank:
        results = drop_blank_pages(results)
    kept = [r for r in results if not r.dropped]
    text = "\f".join(r.text for r in kept)
    with timed_step("pdfa"):
        pdf = assemble_pdf(results, options.info)
    return DocumentOcr(
        pdf=pdf,
        text=text,
        sidecar=sidecar(results),
        issues=[issue for r in results for issue in r.issues()],
        fields=extract_fields(text),
        page_count=len(kept),
        pages=results,
    )
