"""What the two walks of 2026-12-01 left on Chị Lan's and Bà Hoa's paths: the vault check shows what the officer
needs of a paper held (name, issuer, dates; not its internal id), the consent request says which typed types it
leaves out and why, and Bà Hoa's dossier code in her vault opens her own page of that dossier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from issuing.agencies import agency_label
from tests.support.stack import SohoaStack
from tests.web.conftest import at_the_counter, check_the_vault, open_person, reads_out_her_code
from tests.web.test_lan_hoa_walk import OTHER_AGENCY, _issued_elsewhere

BA_HOA = "079190067890"  # made up, this test's own citizen


def test_lan_sees_what_a_held_paper_is_and_hoa_opens_her_own_dossier_page(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    ids = _issued_elsewhere(server, tmp_path, owner=BA_HOA)
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan, owner=BA_HOA)
    items = {item.split(" ")[1]: item for item in lan.page.locator("#onfile li").all_inner_texts()}
    held = lan.page.locator("#onfile li .held").first.inner_text()
    assert held == "Giấy khai sinh (bản điện tử) · ngày cấp 20/11/2026 · không thời hạn", held
    assert f"kết quả điện tử của {agency_label(OTHER_AGENCY)}" in items["GKS"]  # the issuer, said once
    onfile_html = lan.page.locator("#onfile").inner_html()
    assert not any(doc_id in onfile_html for doc_id in ids.values()), onfile_html  # no internal id, shown or hidden
    lan.shot("b0-quay-giay-to-da-co-ten-co-quan-ngay")
    lan.check_accessibility()

    lan.page.fill("#open-types", "GXNHN SHK")  # none of them can be reused: which, and why
    lan.page.click("#consent-form button[type=submit]")
    assert lan.page.locator("#error").inner_text() == (
        "Không có giấy tờ nào xin dùng lại được: GXNHN (có trong kho nhưng đã hết hạn, cần giấy mới); "
        "SHK (kho không có giấy tờ loại này để dùng lại)."
    )
    lan.page.fill("#open-types", "GKS GXNHN CCCD SHK")  # typed as a citizen names what she brought
    lan.page.click("#consent-form button[type=submit]")
    left_out = lan.page.locator("#consent-left-out").inner_text()
    assert left_out == (
        "Không xin dùng lại: GXNHN (có trong kho nhưng đã hết hạn, cần giấy mới); "
        "CCCD (có trong kho nhưng đã bị hủy, cần giấy mới); "
        "SHK (kho không có giấy tờ loại này để dùng lại). Giấy tờ này cần quét hoặc nộp bản giấy."
    ), left_out
    assert "Giấy khai sinh (bản điện tử)" in lan.page.locator("#consent-sent").inner_text()
    lan.shot("b1-quay-xin-dong-y-bo-ra-co-ly-do")
    lan.check_accessibility()

    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=BA_HOA, phone=True)
    lan.page.fill("#consent-code", reads_out_her_code(hoa))
    lan.page.click("#open-form button[type=submit]")
    lan.page.wait_for_url("**/ho-so/*")
    code = lan.page.url.rsplit("/", 1)[1]

    hoa.go("/kho")
    hoa.page.locator(f"#dossiers tr.dossier[data-code='{code}'] a", has_text=code).click()
    hoa.page.wait_for_url(f"**/ho-so/{code}")  # her own page of the dossier, not the public status page
    assert hoa.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"
    card = hoa.page.locator(f"#doc-{ids['GKS']}")
    assert "Giấy khai sinh (bản điện tử)" in card.inner_text() and "tái sử dụng từ kho" in card.inner_text()
    assert hoa.page.locator("#events tr.event").count() >= 1  # the history
    for handlers_only in ("#moves", "#result-form", "#scan-more", "details.fix", "form[action$='/muc-dich']"):
        assert hoa.page.locator(handlers_only).count() == 0, handlers_only
    assert "Mục đích" not in hoa.page.locator("dl.status").inner_text()  # no purpose asked of her, none shown
    pdf = hoa.page.request.get(f"{server.url}/ho-so/{code}/tai-lieu/{ids['GKS']}.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"  # her paper opens from the page
    receipt = hoa.page.request.get(f"{server.url}/api/v1/dossiers/{code}/receipt")  # "In giấy tiếp nhận"
    assert receipt.status == 200 and receipt.body()[:5] == b"%PDF-"
    hoa.shot("b2-kho-ho-so-cua-toi-dien-thoai")
    hoa.check_accessibility()
    assert hoa.page.evaluate("document.documentElement.scrollWidth") <= 375
