"""A handler corrects and cancels a dossier's result from its page, as the API does (the same calls and checks):
a correction is the next version of the same result with its reason, an unsigned correction is refused with the
reason kept, a cancellation needs a reason and happens once; the result's history says who did what and when
(Vietnam time, dd/mm/yyyy HH:MM). Desktop and phone widths, axe-core on each state. Browser (Chromium) on the
real server; the PDFs signed with `sohoa sign --stamp agency` (the installation's development agency identity)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.types import Role
from tests.support.pdfs import born_digital
from tests.support.stack import SohoaStack
from tests.web.conftest import (
    AGENCY,
    Person,
    agency_signed,
    handler_on_the_dossier,
    opened_by_a_station,
    result_stored,
)

WHEN = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


def _dossier_with_result(server: SohoaStack, pdf: Path) -> tuple[str, str]:
    code = opened_by_a_station(server, "station-dc")
    handler = {"Authorization": f"Bearer {server.token(Role.HANDLER, 'handler-api', agency=AGENCY)}"}
    meta = {"type_code": "GPXD", "name": "Giấy phép xây dựng", "issued_at": "2026-11-30", "permanent": True}
    return code, result_stored(server, code, pdf, meta, handler)


def _signed_in_with_purpose(browser: Any, server: SohoaStack, shots: Path, code: str, phone: bool = False) -> Person:
    purpose = "Đính chính kết quả giải quyết"
    return handler_on_the_dossier(browser, server, shots, code, purpose, ready="section.card[id^=doc-]", phone=phone)


def _submit(person: Any, form: str) -> int:
    with person.page.expect_navigation() as navigation:
        person.page.click(f"{form} button[type=submit]")
    response = navigation.value
    return int(response.status) if response is not None else 0


def test_a_handler_corrects_then_cancels_a_result_from_the_dossier_page(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    code, doc_id = _dossier_with_result(server, agency_signed(server, tmp_path, "v1", "Giấy phép xây dựng"))
    corrected = agency_signed(server, tmp_path, "v2", "Giấy phép xây dựng (đính chính)", pages=2)
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(born_digital(title="Bản chưa ký"))
    minh = _signed_in_with_purpose(browser, server, shots, code)
    card = minh.page.locator(f"#doc-{doc_id}")
    assert card.locator("[data-status]").inner_text() == "Còn hiệu lực"
    minh.page.click(f"#fix-correct-{doc_id} summary")
    minh.page.click(f"#fix-cancel-{doc_id} summary")
    card.scroll_into_view_if_needed()
    minh.shot("70-ket-qua-dinh-chinh-huy-form")
    minh.check_accessibility()

    # an unsigned correction: refused in Vietnamese, the reason kept, the form open again, nothing stored
    minh.page.set_input_files(f"#correct-file-{doc_id}", str(unsigned))
    minh.page.fill(f"#correct-reason-{doc_id}", "Sai tên chủ đầu tư")
    assert _submit(minh, f"#fix-correct-{doc_id}") == 422
    assert minh.page.locator("#move-error").inner_text().startswith("Kết quả bị từ chối: tệp chưa có chữ ký số")
    assert minh.page.locator(f"#fix-correct-{doc_id}").get_attribute("open") is not None
    assert minh.page.input_value(f"#correct-reason-{doc_id}") == "Sai tên chủ đầu tư"
    assert minh.page.locator(f"#correct-again-{doc_id}").is_visible()  # the file is chosen again
    assert minh.page.locator(f"#doc-{doc_id} .version").get_attribute("data-version") == "1"
    minh.shot("71-ket-qua-dinh-chinh-bi-tu-choi")
    minh.check_accessibility()

    # the signed correction: version 2 of the same result, the reason in its history
    minh.page.set_input_files(f"#correct-file-{doc_id}", str(corrected))
    assert _submit(minh, f"#fix-correct-{doc_id}") == 200
    card = minh.page.locator(f"#doc-{doc_id}")
    assert card.locator(".version").get_attribute("data-version") == "2"
    assert card.locator(".thumbs img").count() == 2 and f"{code}-KQ1" in card.inner_text()
    steps = card.locator(".issued-step")
    assert steps.count() == 2
    cells = steps.nth(1).locator("td").all_inner_texts()
    assert WHEN.match(cells[0]) and cells[1] == "Đính chính (phiên bản 2)" and cells[3] == "Sai tên chủ đầu tư", cells
    assert WHEN.match(steps.nth(0).locator("td").first.inner_text())

    # cancelling needs a reason (spaces are not one), checked by the server too
    csrf = minh.page.locator(f"#fix-cancel-{doc_id} input[name=csrf]").input_value()
    blank = minh.page.request.post(
        f"{server.url}/ho-so/{code}/ket-qua/{doc_id}/huy", form={"csrf": csrf, "reason": "   "}
    )
    assert blank.status == 422 and "Nêu lý do" in blank.text()
    minh.page.click(f"#fix-cancel-{doc_id} summary")
    minh.page.fill(f"#cancel-reason-{doc_id}", "Cấp nhầm cho hồ sơ khác")
    assert _submit(minh, f"#fix-cancel-{doc_id}") == 200
    card = minh.page.locator(f"#doc-{doc_id}")
    assert card.locator("[data-status]").inner_text() == "Đã hủy"
    assert card.locator(".status-reason").inner_text() == "Cấp nhầm cho hồ sơ khác"
    assert card.locator(".issued-step").nth(2).locator("td").nth(1).inner_text() == "Hủy"
    assert card.locator("details.fix").count() == 0  # nothing more to correct or cancel
    assert minh.page.locator("#return-without-result").is_visible()  # returning now needs a result in force
    card.scroll_into_view_if_needed()
    minh.shot("72-ket-qua-da-huy")
    minh.check_accessibility()

    # a stale form (another tab) cancelling again: refused in Vietnamese, the result untouched
    again = minh.page.request.post(
        f"{server.url}/ho-so/{code}/ket-qua/{doc_id}/huy", form={"csrf": csrf, "reason": "Lần hai"}
    )
    assert again.status == 409 and "Kết quả này đã được hủy trước đó." in again.text()
    stale = minh.page.request.post(
        f"{server.url}/ho-so/{code}/ket-qua/{doc_id}/dinh-chinh",
        multipart={
            "csrf": csrf,
            "reason": "Sửa sau khi hủy",
            "file": {"name": "kq.pdf", "mimeType": "application/pdf", "buffer": corrected.read_bytes()},
        },
    )
    assert stale.status == 409 and "không đính chính được, hãy lưu kết quả mới" in stale.text()

    phone = _signed_in_with_purpose(browser, server, shots, code, phone=True)
    phone.page.locator(f"#doc-{doc_id}").scroll_into_view_if_needed()
    phone.shot("73-ket-qua-lich-su-dien-thoai")
    phone.check_accessibility()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone: {width}px"
