"""Anh Minh's day after the OCR reads sohoa's own text blocks (2026-12-01): the counter's batch of three generated
Vietnamese papers (two-column header, two-column signature block) uploaded as a station does; the handler opens the
dossier, reads each paper's pages, badge, OCR text and extracted fields (right values in the right fields, lines in
reading order, the PDF's text layer in the same order), issues the agency's signed result <code>-KQ1, and the
citizen's status page and vault show it. Browser (Chromium, 1,280 px) on the real server."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import httpx

from core.types import DocumentKind, Role
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from tests.support.papers import PAPERS, scan_paper
from tests.support.stack import SohoaStack
from tests.web.conftest import (
    AGENCY,
    OWNER,
    PROCEDURE,
    agency_signed,
    at_the_counter,
    handler_on_the_dossier,
    open_person,
)

CODE = "000.00.00.H30-261201-0077"
ID, DAY, NUMBER = "Số định danh cá nhân", "Ngày tháng", "Số, ký hiệu"
FIELDS = {  # the rows of each paper's fields as Anh Minh reads them: the header's date first, then the body's
    "GKS": [(ID, "045187004321"), (DAY, "28/11/2026"), (DAY, "12/03/2026"), (NUMBER, "12/2026/TK-UBND")],
    "CCCD": [(ID, "045187004321"), (DAY, "15/06/2021"), (DAY, "05/11/1987"), (DAY, "05/11/2027")],
    "CT": [(ID, "045185002468"), (DAY, "20/11/2026"), (DAY, "02/09/1985"), (NUMBER, "301/XN-CAX")],
}


def _batch(folder: Path) -> list[Path]:
    files: list[Path] = []
    for index, (type_code, name, *_rest) in enumerate(PAPERS):
        pdf = folder / f"sheet-{index}.pdf"
        pdf.write_bytes(render_cover_sheet(make_cover_sheet(CODE, type_code, name, DocumentKind.COMPONENT)))
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, folder / f"sheet-{index}"], check=True)
        files += [folder / f"sheet-{index}.png", scan_paper(folder / f"paper-{index}.jpg", index)]
    return files


def _bare(lines: list[str]) -> list[str]:
    """Lines without their tone and vowel marks: the order and the words are checked, a misread mark (TRÂN for
    TRẦN) is Tesseract's letter error, not the reading order's."""
    decomposed = (unicodedata.normalize("NFD", line.replace("Đ", "D").replace("đ", "d")) for line in lines)
    return ["".join(c for c in line if not unicodedata.combining(c)) for line in decomposed]


def _expected_lines(index: int) -> list[str]:
    _code, _name, agency, dated, title, body, sent_to, signer = PAPERS[index]
    motto = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", dated)
    return [*agency, *motto, title, *body, *(line for line in sent_to if line), *signer]


def test_minh_reads_the_block_read_papers_copies_their_fields_and_issues_the_result(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    lan.page.set_input_files("#files", [str(p) for p in _batch(tmp_path)])
    lan.page.fill("#owner", OWNER)
    lan.page.fill("#owner_name", "Trần Thị Hoa")
    lan.page.fill("#procedure", PROCEDURE)
    lan.page.fill("#dossier", CODE)
    lan.page.check("input[name=split][value=qr]")
    lan.page.click("#upload-form button[type=submit]")
    lan.page.wait_for_url("**/quay/lo/*")
    lan.page.wait_for_selector("#live[data-finished=true]", timeout=600_000)
    lan.page.wait_for_load_state("networkidle")
    lan.shot("m1-quay-lo-xong")
    lan.page.context.close()

    minh = handler_on_the_dossier(browser, server, shots, CODE, "Giải quyết hồ sơ khai sinh", ready="#result-form")
    minh.shot("m2-ho-so")
    cards = minh.page.locator("section.card[id^=doc-]")
    assert cards.count() == 3
    ids = [str(cards.nth(i).get_attribute("id")).removeprefix("doc-") for i in range(3)]
    for i in range(3):
        assert cards.nth(i).locator(".thumbs img").count() == 1
        assert cards.nth(i).locator(".badge").inner_text().startswith("Hợp lệ")
    handler = {"Authorization": f"Bearer {server.token(Role.HANDLER, 'handler-minh', agency=AGENCY)}"}
    seen = []
    for doc_id in ids:
        minh.go(f"/ho-so/{CODE}/tai-lieu/{doc_id}")
        minh.page.wait_for_selector("#badge")
        type_code = minh.page.inner_text("main h1 + p").split("(")[1].split(")")[0]
        index = [paper[0] for paper in PAPERS].index(type_code)
        seen.append(type_code)
        viewed = minh.page.locator("ol.pages img").first
        viewed.scroll_into_view_if_needed()
        minh.page.wait_for_function("document.querySelector('ol.pages img').naturalWidth > 0")
        assert viewed.evaluate("img => img.naturalWidth") == 1000  # the page drawn by the server, not a broken image
        minh.shot(f"m3-tai-lieu-{type_code}")
        assert minh.page.locator("#badge").inner_text().startswith("Hợp lệ")
        assert minh.page.locator("ol.pages img").count() == 1
        lines = [line for line in minh.page.locator("#ocr-text").inner_text().splitlines() if line.strip()]
        assert _bare(lines) == _bare(_expected_lines(index)), lines
        rows = minh.page.locator("#fields-h ~ div table tr")
        cells = [rows.nth(r).locator("th, td span[id^=field-]").all_inner_texts() for r in range(rows.count())]
        assert [(label.strip(), value) for label, value in cells] == FIELDS[type_code], cells
        pdf = httpx.get(
            f"{server.url}/api/v1/documents/{doc_id}/content",
            headers=handler,
            params={"purpose": "kiểm tra"},
            timeout=60,
        )
        assert pdf.status_code == 200, pdf.text
        (tmp_path / f"{type_code}.pdf").write_bytes(pdf.content)
        layer = subprocess.run(
            ["pdftotext", "-raw", tmp_path / f"{type_code}.pdf", "-"], capture_output=True, text=True, check=True
        )
        copied = [line for line in layer.stdout.splitlines() if line.strip(" \f")]
        assert copied == lines  # the text layer gives the page's lines in the order the OCR text shows them

    assert sorted(seen) == sorted(FIELDS)
    minh.go(f"/ho-so/{CODE}")
    signed = agency_signed(server, tmp_path, "kq", "Giấy khai sinh")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", signed, shots / "m4-ket-qua-pdf"], check=True)
    minh.page.set_input_files("#result-file", str(signed))
    minh.page.fill("#result-name", "Giấy khai sinh")
    minh.page.fill("#result-type", "GKS")
    minh.page.fill("#result-number", "45/GKS")
    minh.page.fill("#result-issued", "01/12/2026")
    minh.page.click("#result-form button[type=submit]")
    minh.page.wait_for_load_state("load")
    ready = minh.page.locator("#events tr.event[data-action=result_ready]")
    assert ready.count() == 1 and f"{CODE}-KQ1" in ready.inner_text()
    minh.shot("m5-ho-so-ket-qua")

    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    hoa.go(f"/tra-cuu/{CODE}")
    hoa.shot("m6-tra-cuu")
    assert "Đã có kết quả" in hoa.page.inner_text("main")
    hoa.go("/kho")
    hoa.shot("m7-kho")
    assert "Giấy khai sinh" in hoa.page.inner_text("main")
