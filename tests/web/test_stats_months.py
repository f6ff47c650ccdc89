"""`/thong-ke` for the monthly report, without a browser (Ông Tuấn's walk of 1 Dec 2026): the report's month is
picked (the roll-up by unit was this month only, so on the 1st the month just ended could not be seen per unit), a
month with no dossier shows "—" rather than 0 %, and the roll-up by unit downloads as its own CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient

from core.timezone import VN_TZ, now_vn
from tests.api.world import private_app
from web.app import install
from web.routers import stats
from web.settings import WebSettings

PROCEDURE = "1.011442.000.00.00.H30"


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _last_month() -> dt.date:
    return (now_vn().date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_the_report_month_is_picked_and_an_empty_month_is_a_dash(tmp_path: Path) -> None:
    last = _last_month()
    received = dt.datetime.combine(last.replace(day=10), dt.time(9), VN_TZ)
    app = private_app(tmp_path)  # its own catalogue: only these dossiers
    vault = app.state.services.vault
    vault.create_dossier(
        "000.00.12.H30", PROCEDURE, "045190001234", received_at=received
    )  # a ward directly under the province (level 2), named
    vault.create_dossier("000.00.14.H30", PROCEDURE, "045190001235", received_at=received)
    vault.create_dossier("000.00.14.H30", PROCEDURE, "045190001236", received_at=received)
    stats._cache.clear()
    month = last.strftime("%Y-%m")
    with TestClient(install(app, WebSettings()), base_url="http://testserver") as client:
        form = {"role": "admin", "name": "Đỗ Minh Tuấn", "csrf": _csrf(client, "/dang-nhap")}
        assert client.post("/dang-nhap/phat-trien", data=form, follow_redirects=False).status_code == 303
        picked = client.get("/thong-ke", params={"thang": month, "months": 2})
        typed = client.get("/thong-ke", params={"thang": last.strftime("%m/%Y")})  # a text box (Firefox)
        default = client.get("/thong-ke")
        future = client.get("/thong-ke", params={"thang": "2999-01"})
        garbled = client.get("/thong-ke", params={"thang": "tháng 11"})
        by_month = client.get("/thong-ke.csv", params={"thang": month, "months": 2})
        by_unit = client.get("/thong-ke.csv", params={"thang": month, "theo": "don-vi", "level": "district"})
        english = client.get("/thong-ke", params={"lang": "en"})  # last: the language is remembered in a cookie
    shown = last.strftime("%m/%Y")
    assert picked.status_code == 200, picked.text
    assert f"Theo đơn vị · Đơn vị trực thuộc tỉnh — tháng {shown}" in picked.text
    units = picked.text[
        picked.text.index('<table id="units">') : picked.text.index("</table>", picked.text.index('id="units"'))
    ]
    assert re.findall(r'<th scope="row">([^<]*)</th><td[^>]*>(\d+)</td>', units) == [
        ("UBND phường Mẫu 12 (ví dụ) (000.00.12.H30)", "1"),
        ("000.00.14.H30", "2"),
    ]
    months = picked.text[picked.text.index('id="months-table"') : picked.text.index("</table>")]
    earlier, chosen = re.findall(r'<tr><th scope="row">(\d\d/\d{4})</th>(.*?)</tr>', months, re.S)
    assert chosen[0] == shown and "0,0 %" in chosen[1] and "(0/3)" in chosen[1]
    assert "—" in earlier[1] and "%" not in earlier[1]  # no dossier that month: nothing to divide by, not 0 %
    assert typed.status_code == 200 and f"Theo đơn vị · Đơn vị trực thuộc tỉnh — tháng {shown}" in typed.text
    assert f'<option value="{month}" selected>{shown}</option>' in picked.text  # the month list, as the page writes
    assert 'type="month"' not in english.text  # drawn in the browser's language ("November 2026") on any page
    this = now_vn().date().replace(day=1)
    assert f'<select id="thang" name="thang"><option value="{this:%Y-%m}" selected>{this:%m/%Y}</option>' in (
        english.text
    )
    assert "Source: the index set" in english.text and "Report month" in english.text and "Nguồn" not in english.text
    this_month = now_vn().strftime("%m/%Y")
    for page in (default, future, garbled):
        assert page.status_code == 200 and f"Theo đơn vị · Đơn vị trực thuộc tỉnh — tháng {this_month}" in page.text
    assert f"Chưa có hồ sơ nào trong tháng {this_month}." in default.text
    assert f'filename="chi-tieu-766-{month}.csv"' in by_month.headers["content-disposition"]
    rows = _rows(by_month.text)
    header = rows[0]
    assert len(rows) == 1 + 2 * 3
    empty, counted = rows[1], rows[-1]
    assert (
        empty[header.index("Mẫu số")] == "0"
        and empty[header.index("Tỷ lệ (%)")] == ""
        and empty[header.index("Điểm")] == ""
    )
    assert counted[header.index("Tỷ lệ (%)")] == "0,00" and counted[header.index("Từ ngày")] == last.strftime(
        "01/%m/%Y"
    )
    assert (
        by_unit.content.startswith(b"\xef\xbb\xbf")
        and f"theo-don-vi-{month}.csv" in by_unit.headers["content-disposition"]
    )
    rows = _rows(by_unit.text)
    assert [(r[0], r[1], r[2]) for r in rows[1::3]] == [
        ("000.00.12.H30", "UBND phường Mẫu 12 (ví dụ)", "trực thuộc tỉnh"),
        ("000.00.14.H30", "", "trực thuộc tỉnh"),
    ]
    assert {r[header.index("Từ ngày")] for r in rows[1:]} == {last.strftime("01/%m/%Y")}
