"""Dates and percentages as people read them: 23/04/2018, not 2018-04-23, on a document's extracted fields, and
"12,5 %" with the Vietnamese decimal comma on `/thong-ke` ("12.5 %" in English), through the real app."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient

from core.types import Actor, DocumentKind, Role
from tests.api.world import private_app, tiny_pdf
from vault.records import NewDocument
from web.app import install
from web.formats import format_percent, vn_date
from web.routers import stats
from web.settings import WebSettings

AGENCY = "000.00.00.H30"
PROCEDURE = "1.011442.000.00.00.H30"
OWNER = "045190001234"


def test_the_filters() -> None:
    assert vn_date("2018-04-23") == "23/04/2018" and vn_date(dt.date(2018, 4, 23)) == "23/04/2018"
    late_utc = dt.datetime(2026, 11, 30, 20, 15, tzinfo=dt.UTC)  # already the next day in Vietnam
    assert vn_date(late_utc) == "01/12/2026" and vn_date(late_utc, time=True) == "03:15 01/12/2026"
    assert vn_date("045190001234") == "045190001234" and vn_date("22/11/2026") == "22/11/2026"
    assert format_percent(0.125, "vi") == "12,5 %" and format_percent(0.0, "vi") == "0,0 %"
    assert format_percent(0.125, "en") == "12.5 %"


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_pages_show_day_month_year_and_decimal_commas(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    vault = app.state.services.vault
    station = Actor("station-1", Role.STATION, agency_code=AGENCY)
    code = vault.create_dossier(AGENCY, PROCEDURE, OWNER).code
    doc = vault.store_document(
        NewDocument(
            owner_id=OWNER,
            name="Giấy khai sinh",
            kind=DocumentKind.COMPONENT,
            source_dossier_code=code,
            procedure_code=PROCEDURE,
            extracted_fields={"dates": ["2018-04-23"], "personal_ids": [OWNER]},
        ),
        tiny_pdf("Giấy khai sinh"),
        station,
    )
    stats._cache.clear()
    with TestClient(install(app, WebSettings()), base_url="http://testserver") as client:
        form = {"role": "admin", "name": "Đỗ Minh Tuấn", "csrf": _csrf(client, "/dang-nhap")}
        assert client.post("/dang-nhap/phat-trien", data=form, follow_redirects=False).status_code == 303
        document = client.get(f"/ho-so/{code}/tai-lieu/{doc.id}")
        vietnamese = client.get("/thong-ke")
        english = client.get("/thong-ke", params={"lang": "en"})
    assert document.status_code == 200, document.text
    assert ">23/04/2018</span>" in document.text and "2018-04-23" not in document.text
    assert vietnamese.status_code == 200 and english.status_code == 200
    table = vietnamese.text[vietnamese.text.index("<table") : vietnamese.text.index("</table>")]
    assert re.search(r"\d+,\d %", table) and not re.search(r"\d+\.\d %", table), table
    table = english.text[english.text.index("<table") : english.text.index("</table>")]
    assert re.search(r"\d+\.\d %", table) and not re.search(r"\d+,\d %", table), table
