"""`ocr.api.ocr_document`, the one entry point behind `sohoa ocr` and the pipeline: progress per page, text,
sidecar, fields and the PDF together; processes or threads give the same document; blank pages dropped."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pikepdf
import pytest

from core.types import DocumentInfo
from ocr.api import DocumentOptions, ocr_document
from ocr.engine import EngineFailed
from ocr.errors import NothingToArchive
from ocr.inputs import load_pages
from ocr.models import OcrOptions, PageImage, PageProgress, PageResult
from tests.ocr.scans import Case

pytestmark = pytest.mark.slow


def _pages(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def test_document_result_and_progress(cases: dict[str, Case]) -> None:
    events: list[PageProgress] = []
    pages = load_pages([cases["clean"].path, cases["blank"].path])
    result = ocr_document(pages, DocumentOptions(info=DocumentInfo(title="Hồ sơ"), workers=2), events.append)
    assert [(e.done, e.total) for e in events] == [(0, 2), (1, 2), (2, 2)]
    assert result.page_count == 2 and result.pdf.startswith(b"%PDF-1.7")
    assert "Độc lập - Tự do - Hạnh phúc" in result.text
    assert "35/2022/QĐ-UBND" in result.fields["document_numbers"]
    assert "2022-10-31" in result.fields["dates"]
    assert [p["page"] for p in result.sidecar["pages"]] == [1, 2]
    assert result.sidecar["pages"][1]["words"] == []
    assert [(i.page, i.verdict) for i in result.issues] == [(2, "blank")]
    assert not result.needs_rescan
    # Threads (the pipeline's choice inside a Celery child) make the same document as processes.
    threaded = ocr_document(pages, DocumentOptions(info=DocumentInfo(title="Hồ sơ"), workers=2, pool="threads"))
    assert threaded.text == result.text and threaded.issues == result.issues and threaded.fields == result.fields


def test_drop_blank_leaves_blank_pages_out_and_says_so(cases: dict[str, Case]) -> None:
    pages = load_pages([cases["blank"].path, cases["clean"].path])
    result = ocr_document(pages, DocumentOptions(drop_blank=True, workers=1))
    assert result.page_count == 1 and _pages(result.pdf) == 1
    assert "\f" not in result.text and "Độc lập - Tự do - Hạnh phúc" in result.text
    assert [(i.page, i.verdict) for i in result.issues] == [(1, "blank")]  # the sheet keeps its number
    assert result.sidecar["page_count"] == 1
    assert [(p["page"], p["dropped"]) for p in result.sidecar["pages"]] == [(1, True), (2, False)]


def test_a_document_of_blank_pages_only_is_refused_when_blanks_are_dropped(cases: dict[str, Case]) -> None:
    pages = load_pages([cases["blank"].path, cases["blank"].path])
    with pytest.raises(NothingToArchive, match=r"all 2 page\(s\) are blank"):
        ocr_document(pages, DocumentOptions(drop_blank=True, workers=1))
    kept = ocr_document(pages, DocumentOptions(workers=1))  # without drop_blank they are archived as scanned
    assert kept.page_count == 2 and _pages(kept.pdf) == 2
    with pytest.raises(NothingToArchive, match="no page"):
        ocr_document([], DocumentOptions())


def test_a_failed_page_stops_the_pages_not_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page that fails (or a task's time limit) does not wait for the rest of the document to be OCR'd."""
    started: list[int] = []

    def process_page(page: PageImage, options: OcrOptions, number: int) -> PageResult:
        started.append(number)
        if number == 1:
            raise EngineFailed("tesseract crashed")
        time.sleep(0.5)
        raise AssertionError("only page 1 is expected to finish")

    monkeypatch.setattr("ocr.api.process_page", process_page)
    page = PageImage("scan.jpg", 1, b"", "jpeg", 10, 10, "L", (300.0, 300.0))
    with pytest.raises(EngineFailed):
        ocr_document([page] * 8, DocumentOptions(page=OcrOptions(), workers=2, pool="threads"))
    assert 1 in started and max(started) <= 3


# Run in its own process: OpenCV's thread pool is started in the parent (two Python threads blurring a large
# image) before pages run in forked workers, in threads and in forked workers again; the workers must see OpenCV
# on one thread and the parent its own setting back. It hung when the setting was made in the forked workers.
OPENCV_AFTER_FORK = """
import sys
from concurrent.futures import ThreadPoolExecutor
import cv2
import numpy as np
import ocr.api as api
from ocr.inputs import load_pages
from ocr.models import OcrOptions
from pathlib import Path

big = np.random.default_rng(0).integers(0, 255, (2500, 2500), dtype=np.uint8)
with ThreadPoolExecutor(2) as pool:
    list(pool.map(lambda _: cv2.GaussianBlur(big, (0, 0), 3).mean(), range(6)))
cv2.setNumThreads(2)
pages = load_pages([Path(p) for p in sys.argv[1:]])
texts = {api.ocr_document(pages, api.DocumentOptions(workers=2, pool=p)).text for p in ("processes", "threads")}
def seen(page, options, number):
    return cv2.getNumThreads()
api.process_page = seen
inside = {kind: set(api._processed(pages, OcrOptions(), 2, kind)) for kind in ("processes", "threads")}
print(len(texts), sorted(inside["processes"]), sorted(inside["threads"]), cv2.getNumThreads())
"""


def test_pages_in_parallel_run_opencv_on_one_thread_without_hanging(cases: dict[str, Case]) -> None:
    pages = [str(cases["clean"].path), str(cases["blank"].path)]
    done = subprocess.run(
        [sys.executable, "-c", OPENCV_AFTER_FORK, *pages], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].split() == ["1", "[1]", "[1]", "2"]  # same text; one thread inside; restored
