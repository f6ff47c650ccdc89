"""`/thong-ke` without a browser (issue #18): the roll-up by unit names each unit (the agency's name from the
settings or the shipped list, with its code), and a unit of no known name by its code alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from issuing.settings import issuing_settings
from tests.api.world import private_app
from web.app import install
from web.routers import stats
from web.settings import WebSettings

PROCEDURE = "1.011442.000.00.00.H30"


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _admins_rollup(tmp_path: Path, codes: list[str]) -> tuple[httpx.Response, httpx.Response]:
    """One dossier of each unit in `codes`, in a catalogue of its own; an admin's `/thong-ke` by the units directly
    under the province (`level=district`, the code's level 2) and the roll-up's CSV (agency names as the caller's
    environment set them)."""
    issuing_settings.cache_clear()
    app = private_app(tmp_path)  # its own catalogue: only these dossiers
    vault = app.state.services.vault
    for code in codes:
        vault.create_dossier(code, PROCEDURE, "045190001234")
    stats._cache.clear()
    try:
        with TestClient(install(app, WebSettings()), base_url="http://testserver") as client:
            form = {"role": "admin", "name": "Đỗ Minh Tuấn", "csrf": _csrf(client, "/dang-nhap")}
            assert client.post("/dang-nhap/phat-trien", data=form, follow_redirects=False).status_code == 303
            answer = client.get("/thong-ke", params={"level": "district"})
            csv = client.get("/thong-ke.csv", params={"level": "district", "theo": "don-vi"})
    finally:
        issuing_settings.cache_clear()
    return answer, csv


def test_the_rollup_by_unit_shows_the_units_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_NAMES", '{"000.00.13.H30": "Sở Tư pháp Thử 13"}')
    # a unit under ward 12 (counted in 12, shipped name), a department named by the operator's setting, one unnamed
    answer, _ = _admins_rollup(tmp_path, ["000.05.12.H30", "000.00.13.H30", "000.00.14.H30"])
    assert answer.status_code == 200, answer.text
    table = answer.text[answer.text.index('<table id="units">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td[^>]*>(\d+)</td>', table)
    assert rows == [  # by name ("Sở" before "UBND"), a unit of no known name last
        ("Sở Tư pháp Thử 13 (000.00.13.H30)", "1"),
        ("UBND phường Mẫu 12 (ví dụ) (000.00.12.H30)", "1"),
        ("000.00.14.H30", "1"),
    ], rows
    assert '<th scope="col">Đơn vị</th>' in table


def test_the_rollup_lists_units_by_level_then_by_name_in_vietnamese_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ông Tuấn's walk (2026-12-01): the units came in the order of their codes. A report lists the province,
    then the units under it (wards, communes) by name (a ă â b … d đ …, not code points, where "Â" and "Đ" come
    after "Z"), a unit of no known name last; the page and the roll-up's CSV alike."""
    names = {
        "000.00.00.H30": "UBND tỉnh Mẫu",
        "000.00.13.H30": "UBND xã Đức Hòa",
        "000.00.14.H30": "UBND xã Bình Chánh",
        "000.00.15.H30": "UBND xã Ân Thi",
    }
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_NAMES", json.dumps(names, ensure_ascii=False))
    answer, csv = _admins_rollup(
        tmp_path, ["000.00.16.H30", "000.00.13.H30", "000.00.14.H30", "000.00.15.H30", "000.00.00.H30"]
    )
    assert answer.status_code == 200, answer.text
    table = answer.text[answer.text.index('<table id="units">') :]
    shown = re.findall(r'<th scope="row">[^<]*\((\d{3}\.\d{2}\.\d{2}\.H30)\)</th>|<th scope="row">([^<(]*)</th>', table)
    order = [named or bare for named, bare in shown]
    expected = ["000.00.00.H30", "000.00.15.H30", "000.00.14.H30", "000.00.13.H30", "000.00.16.H30"]
    assert order == expected, order
    assert csv.status_code == 200
    in_csv = list(dict.fromkeys(re.findall(r"\d{3}\.\d{2}\.\d{2}\.H30", csv.content.decode("utf-8-sig"))))
    assert in_csv == expected, in_csv
