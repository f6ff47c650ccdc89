"""A handler issues a dossier's result from its page (no API client needed): the agency's signed PDF uploaded
with its paper's details, checked as the API checks it, stored as <code>-KQ1 with every page shown, the dossier
moved to "Đã có kết quả" with returning it as the next step; an unsigned PDF is refused in Vietnamese. Browser
(Chromium) on the real server; the PDF signed with `sohoa sign --stamp agency` of the installation's development
agency identity, which the server trusts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from core.types import Role
from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, agency_signed, handler_on_the_dossier, opened_by_a_station


def _fill(person: Any, pdf: Path, name: str, issued: str = "30/11/2026", valid: str = "") -> None:
    person.page.set_input_files("#result-file", str(pdf))
    person.page.fill("#result-name", name)
    person.page.fill("#result-type", "GPXD")
    person.page.fill("#result-number", "12/GPXD")
    person.page.fill("#result-issued", issued)
    person.page.fill("#result-valid", valid)
    person.page.click("#result-form button[type=submit]")
    person.page.wait_for_load_state("load")


def test_a_handler_stores_the_agencys_signed_result_from_the_dossier_page(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    code = opened_by_a_station(server, "station-kq")
    signed = agency_signed(server, tmp_path, "kq", "Giấy phép xây dựng", pages=3)
    unsigned = tmp_path / "kq-unsigned.pdf"  # the same paper before it was signed, kept beside it

    minh = handler_on_the_dossier(browser, server, shots, code, "Trả kết quả giải quyết", ready="#result-form")
    minh.page.locator("#result-form").scroll_into_view_if_needed()
    minh.shot("63-ho-so-form-ket-qua")
    minh.check_accessibility()

    for field in ("#result-issued", "#result-valid"):  # typed day/month/year, not the browser's own date picker
        assert minh.page.locator(field).get_attribute("type") in (None, "text")
        hint = minh.page.locator(f"{field}-hint")
        assert hint.inner_text() == "Ngày/tháng/năm, ví dụ 31/12/2026." and hint.is_visible()
    _fill(minh, signed, "Giấy phép xây dựng", issued="11/30/2026")  # month first, as an English browser writes
    alert = minh.page.locator("#move-error").inner_text()
    assert alert == "Thông tin kết quả chưa đúng: ngày ban hành viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
    assert minh.page.input_value("#result-issued") == "11/30/2026"  # kept as typed, to be put right
    assert minh.page.input_value("#result-name") == "Giấy phép xây dựng"
    minh.page.locator("#result-form").scroll_into_view_if_needed()
    minh.shot("63b-ho-so-ket-qua-ngay-sai")
    _fill(minh, signed, "Giấy phép xây dựng", valid="31/02/2031")  # no such day
    alert = minh.page.locator("#move-error").inner_text()
    assert alert == "Thông tin kết quả chưa đúng: ngày hết hiệu lực viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
    assert minh.page.locator("section.card[id^=doc-]").count() == 0  # nothing stored
    assert minh.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"

    _fill(minh, unsigned, "Giấy phép xây dựng")  # no signature: refused, in Vietnamese, nothing stored
    alert = minh.page.locator("#move-error").inner_text()
    assert alert.startswith("Kết quả bị từ chối"), alert
    assert minh.page.locator("section.card[id^=doc-]").count() == 0

    _fill(minh, signed, "Giấy phép xây dựng", valid="30/11/2031")
    card = minh.page.locator("section.card[id^=doc-]")
    assert card.count() == 1
    text = card.inner_text()
    assert "Giấy phép xây dựng" in text and "Kết quả giải quyết" in text and "3 trang" in text, text
    assert card.locator(".thumbs img").count() == 3  # every page of the result, not the first only
    assert card.locator(".badge").inner_text().startswith("Hợp lệ")
    assert minh.page.locator("#result-form").count() == 1, "a further result (KQ2) may still be stored"
    # the dossier has its result: its state moved, and the next step is returning it, not "Có kết quả" again
    assert minh.page.locator("#dossier-status").inner_text() == "Đã có kết quả"
    assert minh.page.locator("#move-result_ready").count() == 0 and minh.page.locator("#move-return").count() == 1
    assert minh.page.locator("#return-without-result").count() == 0
    ready = minh.page.locator("#events tr.event[data-action=result_ready]")
    assert ready.count() == 1 and f"{code}-KQ1" in ready.inner_text()
    assert card.locator(".result-status [data-status=valid]").inner_text() == "Còn hiệu lực"
    doc_id = card.get_attribute("id").removeprefix("doc-")
    handler = {"Authorization": f"Bearer {server.token(Role.HANDLER, 'handler-kq', agency=AGENCY)}"}
    stored = httpx.get(f"{server.url}/api/v1/documents/{doc_id}", headers=handler, params={"purpose": "kiểm tra"})
    assert stored.status_code == 200, stored.text
    assert (stored.json()["issue_date"], stored.json()["valid_until"]) == ("2026-11-30", "2031-11-30")
    assert card.locator(".issued-step").count() == 1
    minh.shot("64-ho-so-luu-ket-qua")
    minh.check_accessibility()
