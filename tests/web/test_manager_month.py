"""Ông Tuấn's monthly report in Chromium (walk of 1 Dec 2026): on a real `sohoa serve`, with dossiers of two units
received last month (dated by `Vault.create_dossier`'s `received_at`, in the server's own catalogue), he picks last
month, sees it per unit, downloads that table as CSV, and prints the page: the filters are not printed and the page
says which month, unit and time it reports. axe-core at 1,280 and 375 px."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.timezone import now_vn
from tests.support.stack import SohoaStack
from tests.web.conftest import PROCEDURE, open_person

UNITS = ("000.00.12.H30", "000.00.16.H30")
SEED = """
import datetime as dt, sys
from core.timezone import VN_TZ
from runtime.catalogue import build_vault
vault = build_vault()
day = dt.datetime.fromisoformat(sys.argv[1]).replace(tzinfo=VN_TZ)
for unit, count in (("{0}", 1), ("{1}", 2)):
    for n in range(count):
        vault.create_dossier(unit, "{2}", f"04519000{{n:04d}}", received_at=day)
"""


def _last_month() -> dt.date:
    return (now_vn().date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture(scope="module")
def last_month(server: SohoaStack) -> dt.date:
    """Three dossiers of two units received on the 10th of last month, written into the server's catalogue."""
    month = _last_month()
    script = SEED.format(*UNITS, PROCEDURE)
    day = dt.datetime.combine(month.replace(day=10), dt.time(9)).isoformat()
    seeded = subprocess.run(
        [sys.executable, "-c", script, day], env=server._environment(), capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr
    return month


def test_the_manager_reports_last_month_per_unit_and_prints_it(
    last_month: dt.date, browser: Any, server: SohoaStack, shots: Path
) -> None:
    tuan = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn")
    tuan.go("/thong-ke")
    tuan.page.focus("#thang")
    tuan.page.keyboard.press("ArrowDown")  # the month list by keyboard: last month is the next one down
    assert tuan.page.locator("#thang option:checked").inner_text() == last_month.strftime("%m/%Y")
    tuan.page.click("form[action='/thong-ke'] button[type=submit]")
    shown = last_month.strftime("%m/%Y")
    assert f"tháng {shown}" in tuan.page.locator("#rollup").inner_text()
    units = tuan.page.locator("#units").inner_text()
    assert "UBND phường Mẫu 12 (ví dụ) (000.00.12.H30)" in units and UNITS[1] in units, units
    assert "0,0 % (0/2)" in units  # counted: no component, no result yet
    first_month = tuan.page.locator("#months-table tbody tr").first.inner_text()
    assert "—" in first_month and "%" not in first_month  # an empty month: nothing to count, not 0 %
    tuan.shot("60-thong-ke-thang-truoc")
    tuan.check_accessibility()
    with tuan.page.expect_download() as info:
        tuan.page.click("#csv-units")
    assert info.value.suggested_filename == f"chi-tieu-766-theo-don-vi-{last_month:%Y-%m}.csv"
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [UNITS[0]] * 3 + [UNITS[1]] * 3, rows
    assert {row[3] for row in rows[1:]} == {last_month.strftime("01/%m/%Y")}
    tuan.page.emulate_media(media="print")
    assert tuan.page.locator("form").first.is_hidden() and tuan.page.locator("#csv").is_hidden()
    heading = tuan.page.locator(".print-only").inner_text()
    assert heading.startswith(f"Báo cáo tháng {shown}") and "Tất cả đơn vị" in heading, heading
    tuan.page.pdf(path=str(shots / "61-thong-ke-in.pdf"), format="A4")
    phone = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn", phone=True)
    phone.go(f"/thong-ke?thang={last_month:%Y-%m}")
    wide, room = phone.page.evaluate(
        "[document.querySelector('#units').scrollWidth, document.querySelector('#units').parentElement.clientWidth]"
    )
    assert wide <= room, (wide, room)
    phone.shot("62-thong-ke-thang-truoc-dien-thoai")
    phone.check_accessibility()


LEVEL_WORDS = {
    "vi": (
        ("Cấp tỉnh", "Đơn vị trực thuộc tỉnh", "Đơn vị cấp dưới"),
        "Từ ngày 01/7/2025 không còn cấp huyện: đơn vị trực thuộc tỉnh là các sở, ngành và các xã, phường;",
    ),
    "en": (
        ("Province", "Units under the province", "Units below those"),
        "Since 1 July 2025 there is no district level: the units under the province are its departments, communes",
    ),
}


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "375px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_level_list_names_the_units_under_the_province_not_districts(
    last_month: dt.date, browser: Any, server: SohoaStack, shots: Path, lang: str, phone: bool
) -> None:
    """No district since 1 July 2025: the second level of a code is what sits directly under the province (its
    departments, communes and wards). The list names the levels so, whole on a phone, with a note under it that
    says what they hold (read with the list by a screen reader); the table's heading names the level, also in
    print. The address keeps `level=district` (the API's key, docs/api.md, "Levels")."""
    tuan = open_person(browser, server, shots, role="admin", name="Đỗ Minh Tuấn", phone=phone)
    tuan.go(f"/thong-ke?thang={last_month:%Y-%m}&lang={lang}")
    words, note = LEVEL_WORDS[lang]
    options = tuan.page.locator("#level option")
    assert tuple(options.all_inner_texts()) == words
    assert options.evaluate_all("o => o.map(x => x.value)") == ["province", "district", "commune"]
    assert tuan.page.locator("#level option:checked").inner_text() == words[1]  # the default level
    assert note in tuan.page.locator("#levels-note").inner_text()
    assert tuan.page.get_attribute("#level", "aria-describedby") == "levels-note"
    assert words[1] in tuan.page.locator("#rollup").inner_text()
    assert UNITS[0] in tuan.page.locator("#units").inner_text()  # ward 12 is a unit directly under the province
    shown, room = tuan.page.evaluate(  # the chosen level's words are not cut in the closed list
        "[(() => { const s = document.querySelector('#level'); const c = document.createElement('canvas')"
        ".getContext('2d'); c.font = getComputedStyle(s).font; return c.measureText(s.selectedOptions[0].text)"
        ".width })(), document.querySelector('#level').clientWidth]"
    )
    assert shown < room, (shown, room)
    wide = tuan.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], wide
    tuan.shot(f"63-thong-ke-cap-{lang}-{'375' if phone else '1280'}")
    tuan.check_accessibility()
