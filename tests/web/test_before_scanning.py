"""Before scanning (issue #18): at /quay the officer checks which of the procedure's papers the citizen's vault
already holds with legal value, and sees "đã có trong kho, không cần scan lại" beside each one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.stack import SohoaStack
from tests.web.conftest import OWNER, PROCEDURE, CounterRun, at_the_counter, check_the_vault, open_person

OTHER_AGENCY = "000.00.12.H30"


def test_the_counter_sees_which_papers_are_already_in_the_vault(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan, types="GKS, CCCD, SHK")
    items = lan.page.locator("#onfile li").all_inner_texts()
    assert len(items) == 3, items
    assert items[0].startswith("✔ GKS — Giấy khai sinh (bắt buộc): đã có trong kho, không cần scan lại")
    assert re.search(
        r"\nGiấy khai sinh · bản quét, số hóa ngày \d\d/\d\d/\d{4} · không ghi thời hạn$", items[0].rstrip()
    )
    assert counter_run.document_ids[0] not in items[0]  # the officer reads the paper, not its internal id
    assert "đã có trong kho, không cần scan lại" in items[1]
    assert items[2] == "✘ SHK: chưa có trong kho, cần scan"  # not a paper of this procedure: no name, no rule
    lan.shot("40-quay-da-co-trong-kho")
    lan.check_accessibility()
    check_the_vault(lan, owner="12345", types="GKS")
    assert lan.page.locator("#error").is_visible()


def test_the_counter_sees_the_procedures_checklist_before_scanning(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    """Only the owner and the procedure: the page lists the procedure's papers, which ones the vault holds, and
    carries those into the "open without scanning" form. At another agency's counter (the papers were scanned at
    AGENCY), so its handler reads them only through the dossier opened with the citizen's consent."""
    lan = open_person(browser, server, shots, role="station", name="Phạm Thị Mai", agency=OTHER_AGENCY)
    lan.go("/quay")
    check_the_vault(lan)
    assert lan.page.locator("#onfile-h3").inner_text() == f"Giấy tờ của thủ tục {PROCEDURE}"
    items = lan.page.locator("#onfile li").all_inner_texts()
    assert [item.split(":")[0] for item in items] == [
        "✘ TK — Tờ khai theo mẫu (bắt buộc)",
        "✔ GKS — Giấy khai sinh (bắt buộc)",
        "✔ CCCD — Căn cước công dân (bắt buộc)",
        "✘ GXNHN — Giấy xác nhận tình trạng hôn nhân (nếu có)",
    ]
    assert "không cần scan lại\nGiấy khai sinh · bản quét, số hóa ngày " in items[1]
    assert counter_run.document_ids[0] not in items[1]
    assert lan.page.locator("#onfile-summary").inner_text() == "2/4 giấy tờ đã có trong kho; cần quét 2."
    assert lan.page.input_value("#open-types") == "GKS CCCD"
    assert lan.page.input_value("#open-procedure") == PROCEDURE
    lan.shot("41-quay-danh-muc-giay-to")
    lan.check_accessibility()

    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=OTHER_AGENCY)
    direct = minh.page.context.request.get(f"{server.url}/api/v1/documents/{counter_run.document_ids[0]}?purpose=x")
    assert direct.status == 404, direct.status  # before the opening: not this agency's to read

    # On from the checklist (issue #18 item 5): open the dossier from the vault papers with the citizen's consent.
    lan.page.fill("#open-owner", OWNER)
    forged = lan.page.context.request.post(  # the papers without the citizen's code: refused, nothing opened
        server.url + "/quay/mo-ho-so",
        form={
            "csrf": str(lan.page.locator("#consent-form [name=csrf]").get_attribute("value")),
            "owner": OWNER,
            "procedure": PROCEDURE,
            "request_id": "0" * 32,
            "code": "123456",
        },
    )
    assert forged.status == 403 and "/ho-so/" not in forged.url, forged.status
    lan.page.click("#consent-form button[type=submit]")
    sent = lan.page.locator("#consent-sent").inner_text()
    assert "Giấy khai sinh" in sent and "Căn cước công dân" in sent, sent
    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER, phone=True)
    hoa.go("/kho")
    consent = hoa.page.locator("#consents .consent").first
    assert "Giấy khai sinh" in consent.inner_text() and "Căn cước công dân" in consent.inner_text()
    lan.page.fill("#consent-code", consent.locator(".consent-code").inner_text())
    lan.page.click("#open-form button[type=submit]")
    lan.page.wait_for_url("**/ho-so/*")
    code = lan.page.url.rsplit("/", 1)[1]
    assert lan.page.content().count("tái sử dụng từ kho") == 2
    hoa.page.context.close()

    # The receiving agency's handler reads both reused papers through the dossier (page and PDF), and only so.
    minh.go(f"/ho-so/{code}")
    minh.page.fill("#purpose", "Giải quyết hồ sơ mở tại quầy")
    minh.page.click("form[action$='/muc-dich'] button[type=submit]")
    minh.page.wait_for_selector("#events")
    assert minh.page.content().count("tái sử dụng từ kho") == 2
    for doc_id in counter_run.document_ids[:2]:
        pdf = minh.page.context.request.get(f"{server.url}/ho-so/{code}/tai-lieu/{doc_id}.pdf")
        assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-", (doc_id, pdf.status)
    minh.page.click(f"a[href='/ho-so/{code}/tai-lieu/{counter_run.document_ids[0]}']")
    assert minh.page.locator("h1").inner_text() == "Giấy khai sinh"
    minh.page.locator("ol.pages img").first.scroll_into_view_if_needed()  # the page image, rendered for the handler
    minh.page.wait_for_function("() => document.querySelector('ol.pages img').naturalWidth > 0")
    minh.shot("42-ho-so-giay-to-tai-su-dung")
    minh.page.context.close()

    lan.go("/quay")
    check_the_vault(lan, procedure="1.000555.000.00.00.H30")  # a procedure with no list: say so, in Vietnamese
    assert "chưa có danh mục giấy tờ" in lan.page.locator("#error").inner_text()
