"""`ocr_document`, the call behind `sohoa ocr`: progress per page, text, sidecar, fields and the PDF together."""

from __future__ import annotations

import pytest

from core.types import DocumentInfo
from ocr.document import ocr_document
from ocr.models import PageProgress
from tests.ocr.scans import Case

pytestmark = pytest.mark.slow


def test_document_result_and_progress(cases: dict[str, Case]) -> None:
    events: list[PageProgress] = []
    paths = [cases["clean"].path, cases["blank"].path]
    result = ocr_document(paths, DocumentInfo(title="Hồ sơ"), progress=events.append, jobs=2)
    assert [(e.done, e.total) for e in events] == [(0, 2), (1, 2), (2, 2)]
    assert result.page_count == 2 and result.pdf.startswith(b"%PDF-1.7")
    assert "Độc lập - Tự do - Hạnh phúc" in result.text
    assert "35/2022/QĐ-UBND" in result.fields["document_numbers"]
    assert "2022-10-31" in result.fields["dates"]
    assert [p["page"] for p in result.sidecar["pages"]] == [1, 2]
    assert result.sidecar["pages"][1]["words"] == []
    assert [(i.page, i.verdict) for i in result.issues] == [(2, "blank")]
    assert not result.needs_rescan
