"""When the agency's seal cannot be applied (its HSM cannot be reached), the dossier page answers 503 with
Retry-After, says in Vietnamese that the signing service is unavailable for a moment, keeps what the handler typed
and stores nothing: as the API's 503. Its own `sohoa serve` (embedded default) that seals unsigned results with the
agency's key on a PKCS#11 token whose module is not there (the HSM is down). The development identity is not
used here: it falls back to B-B when the TSA is down, so a TSA outage does not stop it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.types import Role
from tests.support.pdfs import born_digital
from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, handler_on_the_dossier, opened_by_a_station


@pytest.fixture(scope="module")
def sealing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SohoaStack]:
    folder = tmp_path_factory.mktemp("sealing")
    pin = folder / "agency.pin"
    pin.write_text("123456")
    env = {
        "SOHOA_ISSUING_SEAL_UNSIGNED_RESULTS": "true",
        "SOHOA_ISSUING_AGENCY_PKCS11_LIB": str(folder / "hsm-down" / "libpkcs11.so"),  # not there: the HSM is down
        "SOHOA_ISSUING_AGENCY_PKCS11_TOKEN": "agency",
        "SOHOA_ISSUING_AGENCY_PKCS11_KEY": "seal",
        "SOHOA_ISSUING_AGENCY_PKCS11_PIN_FILE": str(pin),
    }
    stack = SohoaStack(folder / "data", env, development_sign_in=True)
    stack.data_dir.mkdir()
    stack.start_server(timeout=120)
    yield stack
    stack.stop()


def test_the_page_says_the_signing_service_is_down_and_keeps_the_form(
    browser: Any, sealing_server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    server = sealing_server
    code = opened_by_a_station(server, "station-tsa")
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(born_digital(title="Giấy phép xây dựng"))

    minh = handler_on_the_dossier(browser, server, shots, code, "Trả kết quả giải quyết", ready="#result-form")
    minh.page.set_input_files("#result-file", str(unsigned))
    minh.page.fill("#result-name", "Giấy phép xây dựng")
    minh.page.fill("#result-type", "GPXD")
    minh.page.fill("#result-number", "12/GPXD")
    minh.page.fill("#result-issued", "30/11/2026")
    minh.page.fill("#result-valid", "30/11/2027")
    minh.page.fill("#result-scope", "Tỉnh Quảng Trị")
    with minh.page.expect_navigation() as navigation:
        minh.page.click("#result-form button[type=submit]")
    answer = navigation.value
    assert answer is not None and answer.status == 503 and answer.headers.get("retry-after") == "60"
    alert = minh.page.locator("#move-error").inner_text()
    assert "Dịch vụ ký số của cơ quan tạm thời không hoạt động" in alert and "thử lại sau ít phút" in alert, alert
    kept = {
        "#result-name": "Giấy phép xây dựng",
        "#result-type": "GPXD",
        "#result-number": "12/GPXD",
        "#result-issued": "30/11/2026",
        "#result-valid": "30/11/2027",
        "#result-scope": "Tỉnh Quảng Trị",
    }
    assert {selector: minh.page.input_value(selector) for selector in kept} == kept
    assert minh.page.locator("#result-file-again").is_visible()
    assert minh.page.locator("section.card[id^=doc-]").count() == 0  # nothing stored
    assert minh.page.locator("#dossier-status").inner_text() == "Đã tiếp nhận"
    minh.shot("75-ket-qua-ky-so-tam-ngung")
    minh.check_accessibility()

    handler = {"Authorization": f"Bearer {server.token(Role.HANDLER, 'handler-tsa', agency=AGENCY)}"}
    listed = httpx.get(f"{server.url}/api/v1/dossiers/{code}", headers=handler, params={"purpose": "kiểm tra"})
    assert listed.status_code == 200 and listed.json()["documents"] == [], listed.text
