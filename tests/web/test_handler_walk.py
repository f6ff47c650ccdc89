"""What Anh Minh (the case handler's reading day) and Bà Hoa (applying online, granting the portal) tripped on when
their paths were walked in Chromium against a real `sohoa serve`, each checked as they read it now.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from core.types import Role
from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, OWNER, CounterRun, Person, open_person
from web.docview import FIELD_LABELS

MISSING = "Bản sao giấy chứng nhận kết hôn của cha mẹ"


def _apply_online(hoa: Person, papers: int = 1) -> str:
    """Bà Hoa applies online from her vault's papers; the new dossier's code, as the page says it."""
    hoa.go("/kho")
    hoa.page.fill("#apply-agency", AGENCY)
    boxes = hoa.page.locator("#apply input[type=checkbox]")
    for index in range(papers):
        boxes.nth(index).check()
    hoa.page.click("#apply button[type=submit]")
    said = re.search(r"Đã nộp hồ sơ (\S+-\d{6}-\d{4})", hoa.page.locator("#message").inner_text())
    assert said, hoa.page.locator("#message").inner_text()
    return said.group(1)


def _handler_reads(minh: Person, code: str, purpose: str) -> None:
    minh.go(f"/ho-so/{code}")
    minh.page.fill("#purpose", purpose)
    minh.page.click("form[action$='/muc-dich'] button[type=submit]")
    minh.page.wait_for_selector("#dossier-status")


def test_the_citizen_sees_what_to_supplement_and_where(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    code = _apply_online(hoa)
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY)
    _handler_reads(minh, code, "Giải quyết hồ sơ nộp trực tuyến")
    minh.page.fill("#missing", MISSING)
    minh.page.click("#move-request_supplement button[type=submit]")
    assert minh.page.locator("#dossier-status").inner_text() == "Chờ bổ sung hồ sơ"

    hoa.go("/kho")
    asked = hoa.page.locator(f"[id='supplement-{code}']")
    assert MISSING in asked.inner_text() and "bộ phận một cửa" in asked.inner_text()
    notice = asked.locator("a[href^='/kho/tai-lieu/']")
    answer = hoa.page.context.request.get(server.url + notice.get_attribute("href"))
    assert answer.status == 200 and answer.body().startswith(b"%PDF")
    assert hoa.page.evaluate("document.documentElement.scrollWidth") <= 375
    # The grant form offered the agency's request itself as a paper to grant: only her papers and results now.
    offered = hoa.page.locator("#grant-doc option").all_inner_texts()
    assert offered and "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" not in offered, offered
    # The "Loại" label sat at the right edge of the search row on a phone, its select on the next line.
    hoa.page.locator("#docs-h").scroll_into_view_if_needed()
    hoa.page.screenshot(path=str(shots / "89-kho-bo-loc-dien-thoai.png"))
    label, select = hoa.page.locator("label[for=kind]").bounding_box(), hoa.page.locator("#kind").bounding_box()
    assert label and select and 0 <= select["x"] - (label["x"] + label["width"]) <= 16, (label, select)
    assert abs((label["y"] + label["height"] / 2) - (select["y"] + select["height"] / 2)) <= 4, (label, select)
    hoa.shot("90-kho-cho-bo-sung-dien-thoai")
    hoa.check_accessibility()

    anyone = open_person(browser, server, shots, role=None, phone=True)
    anyone.go(f"/tra-cuu/{code}")
    step = anyone.page.locator("#next-step").inner_text()
    assert "phiếu yêu cầu bổ sung" in step and MISSING not in anyone.page.content()  # the way on, nothing personal
    anyone.shot("91-tra-cuu-cho-bo-sung")
    anyone.check_accessibility()


def test_a_code_typed_in_lower_case_with_spaces_opens_the_dossier_and_a_wrong_one_says_so(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    code = counter_run.dossier_code
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY, phone=True)
    minh.go("/ho-so")
    minh.page.fill("#code", " " + code.lower().replace("-", " - ") + " ")
    minh.page.click("form[action='/ho-so'] button[type=submit]")
    assert minh.page.url == f"{server.url}/ho-so/{code}"
    assert minh.page.locator("#purpose").is_visible()  # his purpose asked for the dossier he meant
    unknown = code[:-4] + "9999"
    minh.go("/ho-so")
    minh.page.fill("#code", unknown)
    minh.page.click("form[action='/ho-so'] button[type=submit]")
    # Not the purpose of a dossier that does not exist, then a dead "404": the finder says so, his code kept.
    assert minh.page.locator("#purpose").count() == 0
    assert f"Không tìm thấy hồ sơ {unknown}" in minh.page.locator("#error").inner_text()
    assert minh.page.input_value("#code") == unknown
    minh.page.fill("#code", code[:-1])  # a digit short
    minh.page.click("form[action='/ho-so'] button[type=submit]")
    assert "ví dụ 000.00.00.H30-261130-0042" in minh.page.locator("#error").inner_text()
    assert minh.page.evaluate("document.documentElement.scrollWidth") <= 375
    minh.shot("92-tim-ho-so-ma-sai-dien-thoai")
    minh.check_accessibility()


def test_a_grant_names_its_paper_and_the_portals_read_is_named_then_refused_after_revoking(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    paper = counter_run.document_ids[1]
    name = hoa.page.locator(f"#grant-doc option[value='{paper}']").inner_text()
    hoa.page.select_option("#grant-doc", paper)
    hoa.page.fill("#purpose", "Cổng đọc một giấy tờ")
    hoa.page.fill("#expires", "31/12/2030")
    hoa.page.click("form[action='/kho/cap-quyen'] button[type=submit]")
    row = hoa.page.locator("#grant-table tr.grant", has_text="Cổng đọc một giấy tờ")
    assert row.locator("td.grant-doc").inner_text() == name  # which paper she let the portal read
    assert hoa.page.evaluate("document.documentElement.scrollWidth") <= 375

    portal = {
        "Authorization": f"Bearer {server.token(Role.PORTAL, 'dvcqg')}",
        "X-Purpose": quote("Cổng đọc một giấy tờ"),
    }
    listed = httpx.get(f"{server.url}/api/v1/portal/owners/{OWNER}/documents", headers=portal)
    assert listed.status_code == 200 and paper in [d["id"] for d in listed.json()]
    content = f"{server.url}/api/v1/portal/documents/{paper}/content"
    assert httpx.get(content, headers=portal).status_code == 200
    hoa.go("/kho")
    first = hoa.page.locator("#access-log tbody tr").first.locator("td")
    assert first.nth(1).inner_text() == "Cổng dịch vụ công" and first.nth(3).inner_text() == name
    assert "dvcqg" not in hoa.page.locator("#access-log").inner_text()  # an account's code is no one she knows
    hoa.shot("93-kho-cap-quyen-mot-giay-to")
    hoa.check_accessibility()

    hoa.page.locator("#grant-table tr.grant.active", has_text="Cổng đọc một giấy tờ").locator("button").click()
    row = hoa.page.locator("#grant-table tr.grant", has_text="Cổng đọc một giấy tờ")
    assert "Đã thu hồi" in row.inner_text()
    refused = httpx.get(content, headers=portal)  # a 403 that names the revoked grant, not "no document"
    assert refused.status_code == 403 and refused.json()["type"] == "urn:sohoa:problem:grant-revoked", refused.text
    listed = httpx.get(f"{server.url}/api/v1/portal/owners/{OWNER}/documents", headers=portal)
    assert listed.status_code == 403 and listed.json()["type"] == "urn:sohoa:problem:grant-revoked", listed.text
    assert paper not in listed.text


def test_applying_online_says_where_to_follow_it_and_reloading_does_not_apply_twice(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    code = _apply_online(hoa, papers=2)
    assert hoa.page.url.startswith(f"{server.url}/kho?")  # not the form's POST address, which a reload re-sends
    assert "Hẹn trả kết quả" in hoa.page.locator("#message").inner_text()
    hoa.shot("94-kho-da-nop-truc-tuyen")
    hoa.check_accessibility()
    before = hoa.page.locator("#dossiers tr.dossier").count()
    hoa.page.reload()
    assert hoa.page.locator("#dossiers tr.dossier").count() == before
    hoa.page.click("#message a.dossier-code")
    assert hoa.page.url == f"{server.url}/ho-so/{code}"  # signed in: her own page of the dossier, not the public one
    assert hoa.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"


def test_reusing_a_paper_already_in_the_dossier_is_said_on_the_vault_page_in_vietnamese(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    paper = hoa.page.locator("#apply input[type=checkbox]").first.get_attribute("value")
    code = _apply_online(hoa)  # that first paper is in the new dossier
    hoa.page.select_option("#reuse-doc", paper)
    hoa.page.fill("#reuse-dossier", f" {code.lower()} ")  # typed as a person types it
    with hoa.page.expect_response(lambda answer: answer.url.endswith("/kho/dung-lai")) as posted:
        hoa.page.click("form[action='/kho/dung-lai'] button[type=submit]")
    assert posted.value.status == 409
    # Was an error page saying "the document is already attached to this dossier", with no way back but "Trang chủ".
    assert hoa.page.locator("#message").inner_text() == f"Giấy tờ này đã có trong hồ sơ {code}: không cần đính kèm lại."
    assert hoa.page.locator("#reuse-doc").is_visible()
    hoa.shot("95-kho-dung-lai-hai-lan")
    hoa.check_accessibility()


def test_copying_a_field_says_so_and_the_english_page_names_the_kind(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    code, doc = counter_run.dossier_code, counter_run.document_ids[0]
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY, phone=True)
    minh.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    _handler_reads(minh, code, "Nhập thông tin vào biểu mẫu giải quyết")
    minh.go(f"/ho-so/{code}/tai-lieu/{doc}")
    assert re.search(r"ký bởi .+, \d\d:\d\d \d\d/\d\d/\d{4}$", minh.page.locator("#badge").inner_text())
    button = minh.page.locator("button.copy[data-copy=field-1]")
    button.click()
    # Nothing on the page changed when he copied: the button now says it, and so does a status for screen readers.
    minh.page.wait_for_selector("button.copy[data-copy=field-1][data-copied=true]")
    assert button.inner_text().startswith("✓ Đã sao chép")
    field = minh.page.locator("th[scope=row]").first.inner_text()
    assert minh.page.locator("#copy-status").inner_text() == f"Đã sao chép: {field}"
    assert minh.page.evaluate("navigator.clipboard.readText()") == minh.page.locator("#field-1").inner_text()
    minh.shot("96-tai-lieu-da-sao-chep-dien-thoai")
    minh.check_accessibility()
    minh.go(f"/ho-so/{code}/tai-lieu/{doc}?lang=en")
    assert "Kind: Dossier component" in minh.page.locator("main").inner_text()
    # The badge and its details stayed Vietnamese on the English page.
    assert re.search(r"signed by .+, \d\d:\d\d \d\d/\d\d/\d{4}$", minh.page.locator("#badge").inner_text())
    details = minh.page.locator("section[aria-labelledby=sig-h] details")
    facts = details.text_content() or ""
    assert details.locator("summary").inner_text() == "Details" and "Signer" in facts and "Người ký" not in facts
    # The extracted fields' labels stayed Vietnamese ("Ngày tháng") on the English page.
    labels = minh.page.locator("section[aria-labelledby=fields-h] th[scope=row]").all_inner_texts()
    assert labels and not set(labels) & set(FIELD_LABELS.values()), labels
    minh.shot("96b-tai-lieu-tieng-anh-dien-thoai")
    minh.go(f"/ho-so/{code}?lang=vi")


def test_a_handler_opening_the_dossier_again_is_one_row_with_its_count_in_her_access_log(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    code = counter_run.dossier_code
    purpose = "Đối chiếu lại giấy tờ ba lần"
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY)
    _handler_reads(minh, code, purpose)
    minh.go(f"/ho-so/{code}")
    minh.go(f"/ho-so/{code}")
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    rows = hoa.page.locator("#access-log tbody tr", has_text=purpose).filter(has_text="Giấy khai sinh")
    # Three openings were three rows of each paper, pushing older reads off her first page: one row, "(3 lần)",
    # or two when the minute turned between them.
    counts = [re.search(r"\((\d+) lần\)", text) for text in rows.locator("td.log-action").all_inner_texts()]
    assert 1 <= len(counts) <= 2 and sum(int(c.group(1)) if c else 1 for c in counts) == 3, counts
    hoa.shot("97-kho-nhat-ky-gop-dong")
