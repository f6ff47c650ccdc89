"""The file inputs speak the page's language: the browser's own said "Choose File" / "No file chosen" in English on
Vietnamese pages. A visible label, a button and a "chosen" line in Vietnamese (English on `?lang=en`), the native
input kept for the keyboard and screen readers, axe-core clean; without JavaScript the native input as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.stack import SohoaStack
from tests.web.conftest import AGENCY, Person, at_the_counter

LABEL = "Tệp trang quét (ảnh, PDF) hoặc một tệp zip"


def _pick(person: Person) -> tuple[str, str]:
    return person.page.inner_text(".file-pick .file-button"), person.page.inner_text("#files-chosen")


def test_the_counters_file_input_is_in_vietnamese_and_keeps_the_native_input(
    browser: Any, server: SohoaStack, shots: Path, tmp_path: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    assert _pick(lan) == ("Chọn tệp", "Chưa chọn tệp nào")
    native = lan.page.get_by_label(LABEL)  # the visible label still names the native input
    assert native.get_attribute("id") == "files" and native.get_attribute("type") == "file"
    assert "files-chosen" in (native.get_attribute("aria-describedby") or "")
    lan.page.focus("#owner")  # the keyboard: Shift+Tab from the next field lands on the native input
    lan.page.keyboard.press("Shift+Tab")
    assert lan.page.evaluate("document.activeElement.id") == "files"
    outline = lan.page.eval_on_selector(".file-pick .file-button", "b => getComputedStyle(b).outlineStyle")
    assert outline == "solid"  # the focus shows on the button the input lies over
    lan.shot("file-input-vi-focus")
    lan.check_accessibility()

    files = [tmp_path / "trang-1.jpg", tmp_path / "trang-2.jpg"]
    for file in files:
        file.write_bytes(b"\xff\xd8\xff")
    lan.page.set_input_files("#files", [str(files[0])])
    assert _pick(lan)[1] == "trang-1.jpg"
    lan.page.set_input_files("#files", [str(f) for f in files])
    assert _pick(lan)[1] == "2 tệp đã chọn: trang-1.jpg, trang-2.jpg"
    lan.shot("file-input-vi-chosen")

    lan.go("/quay?lang=en")
    assert _pick(lan) == ("Choose file", "No file chosen")
    lan.shot("file-input-en")
    lan.check_accessibility()
    lan.page.context.close()


def test_without_javascript_the_native_input_shows(browser: Any, server: SohoaStack) -> None:
    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(server.url + "/dang-nhap")  # the development sign-in is a plain form
        page.select_option("#role", "station")
        page.fill("#name", "Nguyễn Thị Lan")
        page.fill("#agency", AGENCY)
        page.click("form[action='/dang-nhap/phat-trien'] button[type=submit]")
        page.wait_for_url(server.url + "/")
        page.goto(server.url + "/quay")
        assert page.locator("#files").is_visible()
        assert not page.locator(".file-pick .file-button").is_visible()
        assert not page.locator("#files-chosen").is_visible()
    finally:
        context.close()
