"""Chị Lan's steps 1–2 and Bà Hoa's steps 1–2 walked on a counter PC (1280 px) and a phone (375 px): her vault
holds another agency's electronic birth certificate, a cancelled ID card result and an expired marriage-status
paper; the counter sees which is which, reuses the first with her one-time code, and the new dossier is received,
not "result ready"; she follows it from the receipt's QR and reads in her vault who checked what and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from core.types import Role
from tests.support.stack import SohoaStack
from tests.web.conftest import (
    Person,
    agency_signed,
    at_the_counter,
    check_the_vault,
    open_person,
    opened_by_a_station,
    reads_out_her_code,
    result_stored,
)
from web.purposes import CHECKING, CONSENTED

HOA = "079190054321"  # made up, this test's own citizen
OTHER_AGENCY = "000.00.12.H30"


def _issued_elsewhere(server: SohoaStack, tmp_path: Path, owner: str = HOA) -> dict[str, str]:
    """Agency B's results for Bà Hoa, stored the way the product stores them (a dossier of B, its handler's signed
    results through the API): a birth certificate in force, an ID card result then cancelled, an expired paper."""
    handler = server.token(Role.HANDLER, "minh-b", agency=OTHER_AGENCY, name="Lê Văn Bình")
    code = opened_by_a_station(server, "qt-b", agency=OTHER_AGENCY, owner=owner)
    signed = agency_signed(server, tmp_path, "kq", "Giấy khai sinh")
    papers = {
        "GKS": {"name": "Giấy khai sinh (bản điện tử)", "issued_at": "2026-11-20", "permanent": True},
        "CCCD": {"name": "Căn cước công dân", "issued_at": "2026-01-05", "permanent": True},
        "GXNHN": {"name": "Giấy xác nhận tình trạng hôn nhân", "issued_at": "2026-05-20", "valid_until": "2026-11-20"},
    }
    ids: dict[str, str] = {}
    headers = {"Authorization": f"Bearer {handler}", "X-Purpose": quote("trả kết quả giải quyết")}
    for type_code, fields in papers.items():
        metadata = {"type_code": type_code, "number_symbol": f"1/{type_code}", "scope": "toàn quốc"} | fields
        ids[type_code] = result_stored(server, code, signed, metadata, headers)
    cancelled = httpx.post(
        f"{server.url}/api/v1/documents/{ids['CCCD']}/cancel",
        headers=headers,
        json={"reason": "cấp nhầm"},
        timeout=60,
    )
    assert cancelled.status_code == 200, cancelled.text
    return ids


def test_lan_reuses_another_agencys_result_and_hoa_follows_it_on_her_phone(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    ids = _issued_elsewhere(server, tmp_path)
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan, owner=HOA)
    items = {item.split(" ")[1]: item for item in lan.page.locator("#onfile li").all_inner_texts()}
    assert "kết quả điện tử của" in items["GKS"] and f"({OTHER_AGENCY})" in items["GKS"], items["GKS"]
    assert ids["GKS"] not in items["GKS"]  # the paper's internal id is of no use to Lan (the walk of 2026-12-01)
    assert "có trong kho nhưng đã bị hủy, cần giấy mới" in items["CCCD"], items["CCCD"]  # not "chưa có"
    assert "có trong kho nhưng đã hết hạn, cần giấy mới (hết hạn ngày 20/11/2026)" in items["GXNHN"], items["GXNHN"]
    assert lan.page.locator("#onfile-summary").inner_text() == "1/4 giấy tờ đã có trong kho; cần quét 3."
    assert lan.page.input_value("#open-types") == "GKS"  # only what can be reused
    lan.shot("a0-quay-kiem-tra-ket-qua-co-quan-khac")
    lan.check_accessibility()

    lan.page.click("#consent-form button[type=submit]")
    assert lan.page.evaluate("document.activeElement.id") == "consent-code"  # the next thing she types, in view
    assert lan.page.locator("#consent-code").is_visible()
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=HOA, phone=True)
    lan.page.fill("#consent-code", reads_out_her_code(hoa))
    lan.page.click("#open-form button[type=submit]")
    lan.page.wait_for_url("**/ho-so/*")
    code = lan.page.url.rsplit("/", 1)[1]
    assert lan.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"  # not "Đã có kết quả": B's result
    card = lan.page.locator(f"#doc-{ids['GKS']}")
    assert "tái sử dụng từ kho: kết quả của" in card.inner_text() and "Hợp lệ" in card.inner_text()
    lan.shot("a1-ho-so-dung-lai-ket-qua")
    lan.check_accessibility()

    anyone = open_person(browser, server, shots, role=None, phone=True)  # the receipt's QR, no sign-in
    anyone.go(f"/tra-cuu/{code}")
    assert anyone.page.locator("#state").inner_text() == "Đã tiếp nhận"
    html = anyone.page.content()
    assert HOA not in html and "Hoa" not in html and "******" not in html  # no ID, name, or masked ID
    assert anyone.page.locator("#to-vault a").get_attribute("href") == "/dang-nhap?next=/kho"
    anyone.shot("a2-tra-cuu-dien-thoai")
    anyone.check_accessibility()
    anyone.page.click("#to-vault a")  # on to her vault, signing in on the way
    anyone.page.select_option("#role", "citizen")
    anyone.page.fill("#name", "Trần Thị Hoa")
    anyone.page.fill("#owner", HOA)
    anyone.page.click("form[action='/dang-nhap/phat-trien'] button[type=submit]")
    anyone.page.wait_for_url("**/kho")

    hoa.go("/kho")
    row = hoa.page.locator(f"#dossiers tr.dossier[data-code='{code}']")
    assert "Đã tiếp nhận" in row.inner_text()
    log = hoa.page.locator("#access-log tbody tr").all_inner_texts()
    checked = [r for r in log if "Kiểm tra có trong kho (không mở giấy tờ)" in r]
    assert checked and all(CHECKING in r for r in checked), log
    reused = [r for r in log if "Dùng lại trong hồ sơ" in r]
    assert len(reused) == 1 and CONSENTED in reused[0] and code in reused[0], reused
    assert any("Hủy giấy tờ" in r for r in log), log  # agency B's cancellation, in words
    assert not any(raw in r for r in log for raw in ("status:", "match", "revoke_grant", "check")), log
    hoa.page.locator("#access-log").scroll_into_view_if_needed()
    hoa.shot("a3-kho-nhat-ky-dien-thoai")
    hoa.check_accessibility()

    zoomed = _zoomed_phone(browser, server, shots)  # her phone with the text at 200 %: 188 CSS pixels wide
    for path, name in (("/kho", "a5-kho-phong-to-200"), (f"/tra-cuu/{code}", "a6-tra-cuu-phong-to-200")):
        zoomed.go(path)
        zoomed.shot(name)
        assert zoomed.page.evaluate("document.documentElement.scrollWidth") <= 188, path
        cut = zoomed.page.evaluate(
            "() => [...document.querySelectorAll('.phone-cards td')].filter(td => td.scrollWidth > td.clientWidth + 1"
            " || td.getBoundingClientRect().right > td.closest('.table-wrap').getBoundingClientRect().right + 1)"
            ".map(td => td.innerText)"
        )
        assert not cut, (path, cut)  # "Việc: Kiểm tra có trong kho (không mở giấy tờ)" was cut at the right


def _zoomed_phone(browser: Any, server: SohoaStack, shots: Path) -> Person:
    """Bà Hoa signed in on a 375 px phone whose text is zoomed to 200 %: a 188 px wide page at twice the scale."""
    context = browser.new_context(viewport={"width": 188, "height": 370}, device_scale_factor=2, locale="vi-VN")
    person = Person(context.new_page(), server.url, shots)
    person.go("/dang-nhap?next=/kho")
    person.page.select_option("#role", "citizen")
    person.page.fill("#name", "Trần Thị Hoa")
    person.page.fill("#owner", HOA)
    person.page.click("form[action='/dang-nhap/phat-trien'] button[type=submit]")
    person.page.wait_for_url("**/kho")
    return person


def test_withdrawing_a_dossier_asks_first_and_works_by_keyboard(browser: Any, server: SohoaStack, shots: Path) -> None:
    code = opened_by_a_station(server, "qt-rut", agency=OTHER_AGENCY, owner=HOA)
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=HOA, phone=True)
    hoa.go("/kho")
    row = hoa.page.locator(f"#dossiers tr.dossier[data-code='{code}']")
    row.locator("summary").click()  # a tap opens the question; it does not withdraw
    hoa.page.wait_for_timeout(300)
    hoa.go("/kho")
    row = hoa.page.locator(f"#dossiers tr.dossier[data-code='{code}']")
    assert "Đã tiếp nhận" in row.inner_text()
    row.locator("summary").focus()
    hoa.page.keyboard.press("Enter")
    confirm = row.locator("button[type=submit]")
    assert confirm.is_visible() and "Xác nhận rút hồ sơ" in confirm.inner_text()
    assert "phải nộp hồ sơ mới" in row.locator("details").inner_text()
    hoa.shot("a4-kho-rut-ho-so-xac-nhan")
    hoa.check_accessibility()
    confirm.focus()
    with hoa.page.expect_navigation():  # the page is already /kho: waiting for the URL alone would not wait
        hoa.page.keyboard.press("Enter")
    assert "Đã rút hồ sơ" in hoa.page.locator(f"#dossiers tr.dossier[data-code='{code}']").inner_text()
