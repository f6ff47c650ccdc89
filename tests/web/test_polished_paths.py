"""Three small things a person tripped on, checked in Chromium against a real `sohoa serve`: a dossier's state named
in English on the English pages (one table of states), and the counter's reads logged with the counter's purpose
in the citizen's access log. (The result form's typed dates: `tests/web/test_result_page.py`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.dossier_views import DOSSIER_STATES
from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, OWNER, CounterRun, at_the_counter, check_the_vault, open_person
from vault.lifecycle import State
from web.purposes import CHECKING, RECEIVING


def test_every_state_has_a_vietnamese_and_an_english_label() -> None:
    assert {str(state) for state in State} <= set(DOSSIER_STATES)
    for vi, en in DOSSIER_STATES.values():
        assert vi and en and vi != en and en[0].isupper()


def test_a_dossiers_state_reads_in_english_on_the_english_pages(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    code = counter_run.dossier_code
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY)
    minh.go(f"/ho-so/{code}?lang=en")
    minh.page.fill("#purpose", "Check the state in English")
    minh.page.click("form[action$='/muc-dich'] button[type=submit]")
    minh.page.wait_for_selector("#dossier-status")
    assert minh.page.locator("#dossier-status").inner_text() == "Received"
    first = minh.page.locator("#events tr.event").first.locator("td")
    assert first.nth(1).inner_text() == "Receive the dossier" and first.nth(2).inner_text() == "Received"
    minh.shot("80-ho-so-english-state")
    minh.go(f"/ho-so/{code}?lang=vi")
    assert minh.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"

    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    hoa.go("/kho?lang=en")
    states = hoa.page.locator("td.state").all_inner_texts()
    assert states and all(text.split(" ")[0] not in {str(s) for s in State} for text in states), states
    assert any(text.startswith("Received") for text in states), states

    anyone = open_person(browser, server, shots, role=None)
    anyone.go(f"/tra-cuu/{code}?lang=en")
    assert anyone.page.locator("#state").inner_text() == "Received"
    anyone.shot("81-tra-cuu-english-state")


def test_the_counters_reads_carry_the_counters_purpose_in_the_citizens_log(
    counter_run: CounterRun, browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    check_the_vault(lan)
    assert "đã có trong kho" in lan.page.locator("#onfile").inner_text()
    lan.go(f"/ho-so/{counter_run.dossier_code}")  # the station's view of the dossier it received
    assert lan.page.locator("section.card[id^=doc-]").count() >= 1

    hoa = open_person(browser, server, shots, role="citizen", name="Trần Thị Hoa", owner=OWNER)
    hoa.go("/kho")
    rows = hoa.page.locator("#access-log tbody tr")
    cells = [row.locator("td").all_inner_texts() for row in rows.all()]
    station_rows = [c for c in cells if "station" in c[1] or "Nguyễn Thị Lan" in c[1]]
    assert station_rows, cells
    purposes = {c[4] for c in station_rows}
    assert CHECKING in purposes, purposes
    assert RECEIVING.format(code=counter_run.dossier_code) in purposes, purposes
    assert not [c for c in station_rows if c[4] == "—"], [c for c in station_rows if c[4] == "—"]  # all say why
    hoa.page.locator("#access-log").scroll_into_view_if_needed()
    hoa.shot("82-kho-nhat-ky-muc-dich-quay")
