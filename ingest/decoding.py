"""Pixels for the splits that look at pages (QR cover sheets, blank separators), decoded in a child process: the
API process keeps to headers and bounded data, and a page's pixels (up to ~450 MB at the pixel limit) never enter it.

A small pool of decoder processes (forkserver, modules preloaded, recycled after a few batches) answers one file at
a time with plain marks: a cover sheet's payload or none, blank or not; a refusal comes back as a value.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from core.logging import get_logger
from ingest.split import is_blank_page
from issuing.qr import CoverSheetPayload, PayloadError, find_cover_sheet
from ocr.errors import UnusableInput
from ocr.inputs import decode_page, load_file
from ocr.settings import OcrSettings

log = get_logger("sohoa.intake")

DECODERS = 2  # processes; each holds at most one page's pixels at a time
FILES_PER_DECODER = 50  # then a fresh process: what a decoder's allocator kept goes back to the system


@dataclass(frozen=True)
class Unreadable:
    """Why a file's pages cannot be split: the HTTP status and the reason for the station."""

    status: int
    reason: str


Marks = list[CoverSheetPayload | None] | list[bool]

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _decoders() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")  # never fork a threaded API process
            context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(DECODERS, mp_context=context, max_tasks_per_child=FILES_PER_DECODER)
        return _pool


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def page_marks(path: Path, *, qr: bool, first_page: int, ocr: OcrSettings) -> Marks | Unreadable:
    """The marks of every page of `path` (cover sheet payloads when `qr`, else blank flags), decoded in a
    decoder process; `first_page` numbers the pages in refusals. A decoder that dies refuses the file."""
    pool = _decoders()
    try:
        return pool.submit(file_marks, str(path), qr, first_page, ocr).result()
    except BrokenProcessPool:
        log.error("a page decoder died", file_type=path.suffix[-5:])
        _drop_pool(pool)
        return Unreadable(422, f"{path.name}: the pages could not be decoded")


def file_marks(path: str, qr: bool, first_page: int, ocr: OcrSettings) -> Marks | Unreadable:
    """In the decoder process: decode the file's pages one at a time and mark each."""
    name = Path(path).name
    sheets: list[CoverSheetPayload | None] = []
    blanks: list[bool] = []
    try:
        for page in load_file(Path(path), ocr):
            pixels = decode_page(page)
            if not qr:
                blanks.append(is_blank_page(pixels))
                continue
            try:
                sheets.append(find_cover_sheet(pixels, strict=True))
            except PayloadError as exc:
                number = first_page + len(sheets)
                return Unreadable(422, f"page {number}: a sohoa cover sheet that cannot be read ({exc})")
    except UnusableInput as exc:
        return Unreadable(422, f"{name}: {exc.reason}")
    return sheets if qr else blanks
