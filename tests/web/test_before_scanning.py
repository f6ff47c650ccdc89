"""Before scanning (issue #18): at /quay the officer checks which of the procedure's papers the citizen's vault
already holds with legal value, and sees "đã có trong kho, không cần scan lại" beside each one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, OWNER, PROCEDURE, CounterRun, open_person


def test_the_counter_sees_which_papers_are_already_in_the_vault(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    lan.go("/quay")
    lan.page.fill("#of-owner", OWNER)
    lan.page.fill("#of-procedure", PROCEDURE)
    lan.page.fill("#of-types", "GKS, CCCD, SHK")
    lan.page.click("#onfile-form button[type=submit]")
    items = lan.page.locator("#onfile li").all_inner_texts()
    assert len(items) == 3, items
    assert items[0].startswith("✔ GKS — Giấy khai sinh (bắt buộc): đã có trong kho, không cần scan lại")
    assert items[0].rstrip().endswith(f"({counter_run.document_ids[0]})")
    assert "đã có trong kho, không cần scan lại" in items[1]
    assert items[2] == "✘ SHK: chưa có trong kho, cần scan"  # not a paper of this procedure: no name, no rule
    lan.shot("40-quay-da-co-trong-kho")
    lan.check_accessibility()
    lan.page.fill("#of-owner", "12345")
    lan.page.fill("#of-types", "GKS")
    lan.page.click("#onfile-form button[type=submit]")
    assert lan.page.locator("#error").is_visible()


def test_the_counter_sees_the_procedures_checklist_before_scanning(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    """Only the owner and the procedure: the page lists the procedure's papers, which ones the vault holds, and
    carries those into the "open without scanning" form."""
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    lan.go("/quay")
    lan.page.fill("#of-owner", OWNER)
    lan.page.fill("#of-procedure", PROCEDURE)
    lan.page.click("#onfile-form button[type=submit]")
    assert lan.page.locator("#onfile-h3").inner_text() == f"Giấy tờ của thủ tục {PROCEDURE}"
    items = lan.page.locator("#onfile li").all_inner_texts()
    assert [item.split(":")[0] for item in items] == [
        "✘ TK — Tờ khai theo mẫu (bắt buộc)",
        "✔ GKS — Giấy khai sinh (bắt buộc)",
        "✔ CCCD — Căn cước công dân (bắt buộc)",
        "✘ GXNHN — Giấy xác nhận tình trạng hôn nhân (nếu có)",
    ]
    assert items[1].rstrip().endswith(f"không cần scan lại ({counter_run.document_ids[0]})")
    assert lan.page.locator("#onfile-summary").inner_text() == "2/4 giấy tờ đã có trong kho; cần quét 2."
    assert lan.page.input_value("#open-types") == "GKS CCCD"
    assert lan.page.input_value("#open-procedure") == PROCEDURE
    lan.shot("41-quay-danh-muc-giay-to")
    lan.check_accessibility()
    lan.page.fill("#of-owner", OWNER)
    lan.page.fill("#of-procedure", "1.000555.000.00.00.H30")  # a procedure with no list: say so, in Vietnamese
    lan.page.click("#onfile-form button[type=submit]")
    assert "chưa có danh mục giấy tờ" in lan.page.locator("#error").inner_text()
