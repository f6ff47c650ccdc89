"""What Chị Lan, Bà Hoa and Ông Tuấn tripped on when their paths were walked in Chromium, each checked in the
browser against a real `sohoa serve`: dates typed day/month/year, the vault's English mode, the access log naming
the paper read, the consent code first on the phone, the counter keeping the owner's ID, cover sheets printed from
the checklist with a real dossier code, the receipt's QR a phone opens, and the manager's CSV as Excel reads it on
a Vietnamese Windows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import cv2

from core.timezone import now_vn
from issuing.qr import find_cover_sheet
from tests.support.stack import SohoaStack
from tests.web.conftest import (
    AGENCY,
    OWNER,
    PROCEDURE,
    CounterRun,
    at_the_counter,
    check_the_vault,
    handler_on_the_dossier,
    open_person,
)
from web.docview import KIND_VI
from web.i18n import EN


def test_the_vault_in_english_names_every_document_kind_in_english(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    assert all(label in EN for label in KIND_VI.values()), [k for k in KIND_VI.values() if k not in EN]
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    hoa.go("/kho?lang=en")
    kinds = hoa.page.locator("#documents tbody td:nth-child(2)").all_inner_texts()
    assert kinds and set(kinds) <= {EN[label] for label in KIND_VI.values()}, kinds
    options = hoa.page.locator("#kind option").all_inner_texts()
    assert "Thành phần hồ sơ" not in options and "Dossier component" in options, options
    hoa.shot("50-kho-english")


def test_a_grant_expiry_is_typed_day_month_year_from_vietnams_date(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    expires = hoa.page.locator("#expires")
    assert expires.get_attribute("type") in (None, "text")  # not the browser's own date picker, in its own locale
    assert expires.input_value() == f"{now_vn().date() + dt.timedelta(days=30):%d/%m/%Y}"
    assert "31/12/2026" in hoa.page.locator("#expires-hint").inner_text()
    hoa.page.fill("#purpose", "Kiểm tra hạn viết kiểu Mỹ")
    expires.evaluate("input => input.removeAttribute('pattern')")  # what the server says when the browser lets it by
    expires.fill("12/31/2030")
    hoa.page.click("form[action='/kho/cap-quyen'] button[type=submit]")
    message = hoa.page.locator("#message").inner_text()
    assert message == "Không cấp được quyền: ngày hết hạn viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026.", message
    hoa.page.fill("#purpose", "Nộp hồ sơ trên Cổng")
    hoa.page.fill("#expires", "31/12/2030")
    hoa.page.click("form[action='/kho/cap-quyen'] button[type=submit]")
    row = hoa.page.locator("#grant-table tr.grant", has_text="Nộp hồ sơ trên Cổng")
    assert "31/12/2030" in row.inner_text() and "Còn hiệu lực" in row.inner_text()
    hoa.shot("51-kho-cap-quyen-ngay")
    row.locator("button").click()
    assert "Đã thu hồi" in hoa.page.locator("#grant-table tr.grant", has_text="Nộp hồ sơ trên Cổng").inner_text()


def test_the_access_log_says_which_paper_was_read(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    hoa.go("/kho")
    headers = hoa.page.locator("#access-log thead th").all_inner_texts()
    assert "Giấy tờ" in headers, headers
    papers = set(hoa.page.locator("#access-log td.log-doc").all_inner_texts())
    # the newest 30 entries: her scanned papers, or the result stored for her when the result tests ran first
    assert papers & {"Giấy khai sinh", "Căn cước công dân", "Giấy phép xây dựng"} and "—" not in papers, papers
    hoa.go("/kho?lang=en")
    headers = hoa.page.locator("#access-log thead th").all_inner_texts()
    assert {"When", "Paper", "What was done"} <= set(headers), headers


def test_the_counter_keeps_the_owner_id_and_the_citizen_sees_the_consent_code_first(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan)
    assert "đã có trong kho" in lan.page.locator("#onfile").inner_text()
    # The ID she typed once is in the forms that follow: consent, upload, and the check itself.
    assert [lan.page.input_value(f) for f in ("#of-owner", "#owner", "#open-owner")] == [OWNER] * 3
    lan.page.click("#consent-form button[type=submit]:not(#open-no-paper)")
    assert lan.page.locator("#consent-sent").is_visible()
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    order = hoa.page.evaluate("[...document.querySelectorAll('main section')].map(s => s.id || s.className)")
    assert order[0] == "consents", order  # the officer waits for this code: it comes before everything else
    request = hoa.page.locator("li.consent").first.inner_text()
    assert "UBND tỉnh Mẫu" in request and "Thủ tục mẫu" in request, request  # names she knows, not codes
    hoa.shot("52-kho-yeu-cau-dong-y-dien-thoai")
    assert hoa.page.locator("#agency-list option[value='000.00.00.H30']").count() == 1  # agencies to pick from


def test_the_receipt_carries_a_qr_a_phone_camera_opens(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    answer = lan.page.context.request.get(f"{server.url}/api/v1/dossiers/{counter_run.dossier_code}/receipt")
    assert answer.status == 200
    (tmp_path / "receipt.pdf").write_bytes(answer.body())
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", "receipt.pdf", "r"],
        cwd=tmp_path,
        check=True,
    )
    found, texts, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecodeMulti(cv2.imread(str(tmp_path / "r.png")))
    assert found
    urls = [text for text in texts if text.startswith("http")]
    assert urls == [f"{server.url}/tra-cuu/{counter_run.dossier_code}"], texts
    assert any(text.startswith("SOHOA1|R|") for text in texts), texts  # the receipt's data stays
    phone = open_person(browser, server, shots, role=None, phone=True)
    phone.page.goto(urls[0])
    assert phone.page.locator("#code").inner_text() == counter_run.dossier_code
    assert phone.page.locator("#state").inner_text() == "Đã tiếp nhận"


def test_the_managers_csv_opens_in_excel_on_a_vietnamese_windows(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    tuan = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn", agency=AGENCY)
    tuan.go("/thong-ke")
    with tuan.page.expect_download() as info:
        tuan.page.click("#csv")
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel shows the Vietnamese letters
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Mã đơn vị", "Tên đơn vị", "Cấp"] and len(set(map(len, rows))) == 1, rows[:2]
    header = rows[0]
    month = rows[-1]
    assert re.fullmatch(r"01/\d{2}/\d{4}", month[header.index("Từ ngày")]), month
    assert re.fullmatch(r"\d+,\d{2}", month[header.index("Tỷ lệ (%)")]), month  # decimal comma
    assert re.fullmatch(r"\d+,\d+", month[header.index("Điểm tối đa")]), month
    assert all(row[0] == "Tất cả" and row[1] == "Tất cả đơn vị" for row in rows[1:]), rows[1]


def test_cover_sheets_for_a_new_citizen_come_from_the_checklist_with_a_real_dossier_code(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    newcomer = "079190004321"  # nothing in the vault: every paper is to scan, and she has no dossier code yet
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan, owner=newcomer)
    lan.page.click("#sheets-form button[type=submit]")  # "Mở hồ sơ mới để in tờ bìa"
    lan.page.wait_for_url("**/quay?ho_so=*")
    code = lan.page.url.split("ho_so=", 1)[1].split("#", 1)[0]
    assert code.startswith(AGENCY + "-") and code in lan.page.locator("#notice").inner_text()
    assert [lan.page.input_value(f) for f in ("#sheets-dossier", "#dossier", "#cs-dossier")] == [code] * 3
    assert lan.page.locator("#open").count() == 0  # no second dossier to open by mistake
    lan.shot("53-quay-to-bia-ho-so-moi")
    form = lan.page.locator("#sheets-form")
    papers = form.locator("input[name=paper]:checked").evaluate_all("els => els.map(e => e.value)")
    assert papers == ["TK|Tờ khai theo mẫu", "GKS|Giấy khai sinh", "CCCD|Căn cước công dân"], papers
    fields = [("csrf", form.locator("input[name=csrf]").input_value()), ("dossier", code)]
    body = urlencode(fields + [("paper", paper) for paper in papers])
    sheets = lan.page.context.request.post(
        f"{server.url}/quay/to-bia", data=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert sheets.status == 200 and sheets.headers["content-type"] == "application/pdf"
    (tmp_path / "sheets.pdf").write_bytes(sheets.body())
    subprocess.run(["pdftoppm", "-r", "100", "-png", "sheets.pdf", "s"], cwd=tmp_path, check=True)
    found = [find_cover_sheet(cv2.imread(str(png))) for png in sorted(tmp_path.glob("s-*.png"))]
    assert [(s.dossier_code, s.type_code) for s in found if s] == [(code, "TK"), (code, "GKS"), (code, "CCCD")]
    # From any dossier's page the officer comes back to scan into it.
    lan.go(f"/ho-so/{code}")
    lan.page.click("#scan-more")
    assert lan.page.input_value("#dossier") == code and "0/4" in lan.page.locator("#onfile-summary").inner_text()


def test_the_vault_and_the_indicators_fit_a_phone_without_sideways_scrolling(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    """On 375 px a wide table becomes one card per row, each value with its column's name (no cut-off column)."""
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    for table in ("#dossiers", "#access-log"):
        wide, room = hoa.page.evaluate(f"[document.querySelector('{table}').scrollWidth, {WRAP_WIDTH}('{table}')]")
        assert wide <= room, (table, wide, room)
    first = hoa.page.locator("#dossiers tr.dossier td").first
    assert first.evaluate("td => getComputedStyle(td, '::before').content") == '"Mã hồ sơ: "'
    hoa.shot("54-kho-dien-thoai")
    tuan = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn", agency=AGENCY, phone=True)
    tuan.go("/thong-ke")
    for table in ("table", "#units"):
        wide, room = tuan.page.evaluate(f"[document.querySelector('{table}').scrollWidth, {WRAP_WIDTH}('{table}')]")
        assert wide <= room, (table, wide, room)
    tuan.shot("55-thong-ke-dien-thoai")
    tuan.check_accessibility()
    desk = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn", agency=AGENCY)
    desk.go("/thong-ke")  # on a desktop the tables stay tables, as wide as the page
    assert desk.page.evaluate("getComputedStyle(document.querySelector('table')).display") == "table"


def test_the_handlers_new_appointment_is_typed_hour_minute_day_month_year(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    lan.go("/quay")
    lan.page.fill("#open-owner", OWNER)
    lan.page.fill("#open-procedure", PROCEDURE)
    lan.page.click("#open-no-paper")
    lan.page.wait_for_url("**/ho-so/*")
    code = lan.page.url.rsplit("/", 1)[1]
    minh = handler_on_the_dossier(browser, server, shots, code, "Giải quyết hồ sơ trễ hạn", ready="#move-apologise")
    form = minh.page.locator("#move-apologise")
    assert form.locator("#new-date").get_attribute("type") in (None, "text")  # not the browser's own picker
    assert "14:00 31/12/2026" in form.locator("#new-date-hint").inner_text()
    form.locator("#new-date").fill("12/30/2030 14:00")  # month first, as a browser set to English writes it
    form.locator("textarea[name=reason]").fill("Chờ xác minh của cơ quan khác")
    form.locator("button[type=submit]").click()
    refused = minh.page.locator("#move-error").inner_text()
    assert (
        refused == "Không thực hiện được: ngày hẹn mới viết theo dạng giờ:phút ngày/tháng/năm, ví dụ 14:00 31/12/2026."
    )
    form = minh.page.locator("#move-apologise")
    form.locator("#new-date").fill("14:00 30/12/2030")  # a year the working calendar has no holidays for
    form.locator("textarea[name=reason]").fill("Chờ xác minh của cơ quan khác")
    form.locator("button[type=submit]").click()
    assert "lịch làm việc chưa có ngày nghỉ" in minh.page.locator("#move-error").inner_text()
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    assert hoa.go("/kho").status == 200  # her vault still opens (a stored 2030 date made it answer 500)
    form = minh.page.locator("#move-apologise")
    form.locator("#new-date").fill("14:00 15/12/2026")
    form.locator("textarea[name=reason]").fill("Chờ xác minh của cơ quan khác")
    form.locator("button[type=submit]").click()
    minh.page.wait_for_selector("#events tr.event[data-action=apologise], #move-error")
    assert not minh.page.locator("#move-error").count(), minh.page.locator("#move-error").inner_text()
    assert "Hẹn lại: 14 giờ 00 phút, ngày 15/12/2026" in minh.page.locator("#events").inner_text()
    minh.shot("56-ho-so-hen-lai")


WRAP_WIDTH = "(s => document.querySelector(s).parentElement.clientWidth)"
