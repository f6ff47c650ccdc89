"""The public status page the receipt's QR opens says the appointment the receipt printed, late or not, and after
the agency's apology the new date beside the receipt's; in Vietnamese and in English, with nothing personal.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import CoreSettings
from core.types import Role
from issuing.calendar import default_calendar, default_procedures
from runtime.app import api_services
from web.app import install
from web.formats import vn_date
from web.settings import WebSettings

AGENCY = "000.00.12.H30"
PROCEDURE = "1.011442.000.00.00.H30"
OWNER = "045190001234"


def _text(client: TestClient, path: str) -> str:
    got = client.get(path)
    assert got.status_code == 200, got.text
    assert OWNER not in got.text and "Trần Thị Hoa" not in got.text  # nothing personal
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", got.text))


def test_the_status_page_says_the_appointment_and_the_new_date_after_an_apology(tmp_path: Path) -> None:
    core, api = CoreSettings(data_dir=tmp_path), ApiSettings()
    app = create_app(api, core, services=api_services(core))
    client = TestClient(install(app, WebSettings()), base_url="http://testserver")
    svc: Services = app.state.services
    svc.vault.ensure_owner(OWNER, "Trần Thị Hoa")
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=12)  # its 3 working days ran out long ago
    code = svc.vault.create_dossier(AGENCY, PROCEDURE, OWNER, received_at=received).code
    printed = default_calendar().appointment(received, default_procedures().get(PROCEDURE).processing_time)

    late = _text(client, f"/tra-cuu/{code}")
    assert f"Hẹn trả kết quả {vn_date(printed.appointment_at, time=True)} Quá hạn" in late
    assert "cơ quan giải quyết sẽ gửi phiếu xin lỗi và hẹn lại ngày trả kết quả" in late

    token = mint_development_token(api, core, role=Role.HANDLER, subject="xl-1", agency_code=AGENCY)
    new_date = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    sorry = client.post(
        f"/api/v1/dossiers/{code}/transitions",
        headers={"Authorization": f"Bearer {token}", "X-Purpose": quote("giải quyết hồ sơ")},
        json={"action": "apologise", "reason": "Chờ ý kiến của Sở Xây dựng", "new_date": new_date.isoformat()},
    )
    assert sorry.status_code == 201, sorry.text
    moved = vn_date(default_calendar().next_session_start(new_date), time=True)
    vi = _text(client, f"/tra-cuu/{code}")
    assert f"Hẹn lại ngày trả kết quả {moved} Cơ quan giải quyết đã xin lỗi vì trễ hẹn" in vi
    assert f"Ngày hẹn trên giấy tiếp nhận: {vn_date(printed.appointment_at, time=True)}." in vi
    assert "Quá hạn" not in vi and "Chờ ý kiến" not in vi  # the apology's reason is the citizen's letter, not public
    en = _text(client, f"/tra-cuu/{code}?lang=en")
    assert f"Result now due {moved} The agency apologised for the delay and set this new date." in en
    assert f"Date on the receipt: {vn_date(printed.appointment_at, time=True)}." in en
