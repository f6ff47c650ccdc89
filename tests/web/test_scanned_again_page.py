"""The counter page of a batch whose paper the citizen's vault holds already (issue #18): the document waits with
the Vietnamese hint naming the stored paper and the three choices; choosing reuse finishes the batch with the stored
paper's id. A stack of its own, so the web suite's other pages count their own dossiers only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.client import StationClient
from core.types import Role
from tests.support.forms import form_lines, scan
from tests.support.stack import SohoaStack
from tests.support.uploads import BIRTH_FORM, station_manifest
from tests.web.conftest import AGENCY, OWNER, PROCEDURE, open_person

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SohoaStack]:
    running = SohoaStack(tmp_path_factory.mktemp("web-scanned-again") / "data", {}, development_sign_in=True)
    running.data_dir.mkdir()
    running.start_server(embedded_worker=True, timeout=180)
    yield running
    running.stop()


def _store_first_scan(stack: SohoaStack, page: Path) -> str:
    manifest = station_manifest("manifest", documents=[BIRTH_FORM])
    client = StationClient(stack.url, stack.token(Role.STATION, "lan", agency=AGENCY))
    try:
        state = client.wait(client.upload([page], manifest)["batch_id"], interval=0.5, timeout=600)
    finally:
        client.close()
    assert state["status"] == "done", (state, stack.log_tail("server"))
    return str(state["documents"][0]["id"])


def test_the_counter_shows_the_paper_in_the_vault_and_reuses_it(
    browser: Any, stack: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    stored_id = _store_first_scan(stack, scan(tmp_path / "an.jpg", form_lines("an")))
    again = scan(tmp_path / "an-again.jpg", form_lines("an"), dpi=200, rough=True, seed=2)
    lan = open_person(browser, stack, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    lan.go("/quay")
    lan.page.set_input_files("#files", [str(again)])
    lan.page.fill("#owner", OWNER)
    lan.page.fill("#procedure", PROCEDURE)
    lan.page.check("input[name=split][value=blank]")
    lan.page.click("#upload-form button[type=submit]")
    lan.page.wait_for_url("**/quay/lo/*")
    lan.page.wait_for_selector("#live[data-finished=true]", timeout=600_000)
    lan.page.wait_for_selector(".scanned-before form.choice", timeout=60_000)
    lan.page.wait_for_load_state("networkidle")
    lan.shot("20-quay-lo-giay-to-da-co-trong-kho")
    lan.check_accessibility()
    assert lan.page.locator("#batch-status").get_attribute("data-status") == "awaiting_choice"
    box = lan.page.locator("#scanned-before-0")
    assert "Giấy tờ này đã có trong kho dữ liệu của công dân" in box.inner_text()
    assert "Tờ khai đăng ký khai sinh" in box.inner_text() and stored_id in box.inner_text()
    assert box.locator(".choice-until").inner_text().startswith("Hạn chọn: ")  # then it fails, the paper kept
    lan.page.click("#scanned-before-0 button[value=reuse]")
    lan.page.wait_for_selector(".chosen", timeout=60_000)
    lan.page.wait_for_load_state("networkidle")
    lan.shot("21-quay-lo-dung-lai-giay-to")
    assert lan.page.locator("#batch-status").get_attribute("data-status") == "done"
    assert lan.page.locator(".chosen").inner_text() == "Dùng lại giấy tờ đã lưu"
    assert lan.page.locator("#doc-0").get_attribute("data-document-id") == stored_id
    lan.page.context.close()
