"""Fixtures of the browser tests: a real `sohoa serve` on the embedded default in a private data folder, Debian's
Chromium driven by Playwright, a screenshot of every page, axe-core (vendored) on every page, and a batch that
a station uploads through the counter page (two documents split by QR cover sheets, the second scanned at 150 dpi).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from bench.synthetic import encode_jpeg, render_page, seed_paragraphs
from core.types import DocumentKind, Role
from ingest import batches
from ingest.db import sessions
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from tests.support.pdfs import born_digital
from tests.support.stack import SohoaStack
from tests.support.uploads import AGENCY, OWNER, PROCEDURE

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
OTHER_OWNER = "001200009876"
DOSSIER = "000.00.00.H30-261130-0042"
DOCUMENTS = (("GKS", "Giấy khai sinh", 300), ("CCCD", "Căn cước công dân", 150))
PLAYWRIGHTS_LOOP = pytest.StashKey[asyncio.AbstractEventLoop]()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SohoaStack]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/install-system.sh --test)")
    stack = SohoaStack(tmp_path_factory.mktemp("web") / "data", {}, development_sign_in=True)
    stack.data_dir.mkdir()
    stack.start_server(embedded_worker=True, timeout=120)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pytestconfig.stash[PLAYWRIGHTS_LOOP] = asyncio.get_running_loop()  # marked running by the sync call
        try:
            yield launched
        finally:
            _mark_playwrights_loop(pytestconfig, running=True)  # the session may end after another folder's test
            launched.close()
    del pytestconfig.stash[PLAYWRIGHTS_LOOP]


def _mark_playwrights_loop(config: pytest.Config, *, running: bool) -> None:
    """Playwright's sync API runs its event loop suspended in a greenlet and leaves it marked as the main thread's
    running loop between its calls. The mark is kept while a test of this folder runs and taken away after it: a
    test elsewhere that calls `asyncio.run` would otherwise meet "cannot be called from a running event loop"."""
    loop = config.stash.get(PLAYWRIGHTS_LOOP, None)
    if loop is None or loop.is_closed():
        return
    marked = asyncio._get_running_loop()
    if running and marked is None:
        asyncio._set_running_loop(loop)
    elif not running and marked is loop:
        asyncio._set_running_loop(None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    _mark_playwrights_loop(item.config, running="browser" in getattr(item, "fixturenames", ()))
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    _mark_playwrights_loop(item.config, running="browser" in getattr(item, "fixturenames", ()))
    try:
        return (yield)
    finally:
        _mark_playwrights_loop(item.config, running=False)


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@dataclass
class Person:
    """One browser context (cookies of its own), signed in as one person."""

    page: Any
    base: str
    shots: Path

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def shot(self, name: str) -> Path:
        target = self.shots / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        print(f"screenshot: {target}")
        return target

    def check_accessibility(self) -> None:
        """axe-core finds no serious or critical violation on the page as it is now."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{self.page.url}: {bad}"


def open_person(
    browser: Any,
    server: SohoaStack,
    shots: Path,
    *,
    role: str | None,
    name: str = "",
    agency: str = "",
    owner: str = "",
    phone: bool = False,
) -> Person:
    viewport = {"width": 375, "height": 740} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="vi-VN")
    person = Person(context.new_page(), server.url, shots)
    if role:
        person.go("/dang-nhap")
        person.page.select_option("#role", role)
        person.page.fill("#name", name)
        person.page.fill("#agency", agency)
        person.page.fill("#owner", owner)
        person.page.click("form[action='/dang-nhap/phat-trien'] button[type=submit]")
        person.page.wait_for_url(server.url + "/")
    return person


def at_the_counter(browser: Any, server: SohoaStack, shots: Path) -> Person:
    """Chị Lan, the counter's officer, signed in and on the counter page `/quay`."""
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    lan.go("/quay")
    return lan


def check_the_vault(person: Person, owner: str = OWNER, procedure: str = PROCEDURE, types: str | None = None) -> None:
    """ "Kiểm tra kho" on the counter page: the owner's ID and the procedure typed (the papers' types too, when
    given) and the check sent; the page then answers in `#onfile` (or `#error`)."""
    person.page.fill("#of-owner", owner)
    person.page.fill("#of-procedure", procedure)
    if types is not None:
        person.page.fill("#of-types", types)
    person.page.click("#onfile-form button[type=submit]")


def opened_by_a_station(server: SohoaStack, sub: str, *, agency: str = AGENCY, owner: str = OWNER) -> str:
    """A dossier opened for Bà Hoa (`owner`) through the API by the scanning station `sub` of `agency`, without
    paper; its code."""
    token = server.token(Role.STATION, sub, agency=agency)
    opened = httpx.post(
        server.url + "/api/v1/dossiers",
        headers={"Authorization": f"Bearer {token}"},
        json={"owner_id": owner, "owner_name": "Trần Thị Hoa", "procedure_code": PROCEDURE},
        timeout=60,
    )
    assert opened.status_code == 201, opened.text
    return str(opened.json()["life"]["code"])


def agency_signed(server: SohoaStack, folder: Path, name: str, title: str, pages: int = 1) -> Path:
    """A born-digital result of `pages` pages titled `title`, signed as the installation's development agency
    (`sohoa sign --stamp agency --level B-B`), at `folder/<name>.pdf`; the unsigned paper stays at
    `folder/<name>-unsigned.pdf`."""
    unsigned = folder / f"{name}-unsigned.pdf"
    unsigned.write_bytes(born_digital(title=title, pages=pages))
    signed = folder / f"{name}.pdf"
    done = server.cli("sign", str(unsigned), "-o", str(signed), "--stamp", "agency", "--level", "B-B")
    assert done.returncode == 0, done.stderr
    return signed


def result_stored(server: SohoaStack, code: str, pdf: Path, metadata: dict[str, Any], headers: dict[str, str]) -> str:
    """The signed `pdf` stored as a result of dossier `code` through the API, as a handler (`headers`) stores it;
    the new document's id."""
    stored = httpx.post(
        f"{server.url}/api/v1/dossiers/{code}/results",
        headers=headers,
        files={"file": ("kq.pdf", pdf.read_bytes(), "application/pdf")},
        data={"metadata": json.dumps(metadata)},
        timeout=120,
    )
    assert stored.status_code == 201, stored.text
    return str(stored.json()["document"]["id"])


@contextmanager
def one_paper_batch(server: SohoaStack) -> Iterator[tuple[Session, str]]:
    """A one-paper batch of the counter's agency written straight into the running server's catalogue (the paper a
    birth certificate, OCR not started): yields the open transaction and the batch's id, so the caller sets the
    paper's state in it."""
    batch_id = secrets.token_hex(16)
    new = batches.NewBatch(
        id=batch_id,
        station_id="quay-1",
        agency_code=AGENCY,
        procedure_code=PROCEDURE,
        dossier_code=DOSSIER,
        owner_id=OWNER,
        submitted_by="lan",
        page_count=1,
        staging_dir=str(server.data_dir / "staging" / batch_id),
        documents=[batches.PlannedDocument(name="Giấy khai sinh", type_code="GKS", kind="component", pages=[0])],
    )
    factory = sessions(f"sqlite:///{server.data_dir / 'vault' / 'catalogue.sqlite3'}")
    with factory.begin() as session:
        batches.create_batch(session, new)
        yield session, batch_id


def reads_out_her_code(citizen: Person) -> str:
    """The one-time consent code the citizen reads out from her vault's first request to reuse her papers."""
    citizen.go("/kho")
    return str(citizen.page.locator("#consents .consent-code").first.inner_text())


def handler_on_the_dossier(
    browser: Any, server: SohoaStack, shots: Path, code: str, purpose: str, *, ready: str, phone: bool = False
) -> Person:
    """Anh Minh, a handler of the agency, on the dossier's page once he has said why he reads it (the page asks
    first), waiting until `ready` (a selector) shows."""
    minh = open_person(browser, server, shots, role="handler", name="Lê Văn Minh", agency=AGENCY, phone=phone)
    minh.go(f"/ho-so/{code}")
    minh.page.fill("#purpose", purpose)
    minh.page.click("form[action$='/muc-dich'] button[type=submit]")
    minh.page.wait_for_selector(ready)
    return minh


def _cover_page(folder: Path, index: int, type_code: str, name: str) -> Path:
    pdf = folder / f"sheet-{index}.pdf"
    pdf.write_bytes(render_cover_sheet(make_cover_sheet(DOSSIER, type_code, name, DocumentKind.COMPONENT)))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, folder / f"sheet-{index}"], check=True)
    pdf.unlink()
    return folder / f"sheet-{index}.png"


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Cover sheet + one short page, twice; the second page at 150 dpi (a rescan verdict)."""
    folder = tmp_path_factory.mktemp("scans")
    paragraphs = seed_paragraphs()
    files: list[Path] = []
    for index, (type_code, name, dpi) in enumerate(DOCUMENTS):
        files.append(_cover_page(folder, index, type_code, name))
        image, _truth = render_page(paragraphs[index * 3 : index * 3 + 1], height_mm=90.0, header=index == 0, dpi=dpi)
        page = folder / f"page-{index}.jpg"
        page.write_bytes(encode_jpeg(image, dpi))
        files.append(page)
    return files


@pytest.fixture(scope="session")
def rescanned_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The second document's page scanned again, at 300 dpi: the replacement of the page that needs a rescan."""
    index = 1
    image, _truth = render_page(seed_paragraphs()[index * 3 : index * 3 + 1], height_mm=90.0, header=False, dpi=300)
    target = tmp_path_factory.mktemp("rescan") / "page-1-300dpi.jpg"
    target.write_bytes(encode_jpeg(image, 300))
    return target


@dataclass(frozen=True)
class CounterRun:
    batch_url: str
    dossier_code: str
    document_ids: list[str]


def _live_states(person: Person) -> str:
    """The batch page's states as they read now; read again when the page reloaded under us (the batch ended)."""
    from playwright.sync_api import Error

    for _ in range(3):
        try:
            return " ".join(person.page.locator("#batch-status, .doc-status").all_inner_texts())
        except Error:  # "Execution context was destroyed": batch.js reloads the page when the batch ends
            person.page.wait_for_load_state("load")
    return " ".join(person.page.locator("#batch-status, .doc-status").all_inner_texts())


@pytest.fixture(scope="session")
def counter_run(browser: Any, server: SohoaStack, shots: Path, scans: list[Path]) -> CounterRun:
    """Chị Lan at the counter: signs in, uploads the batch from the counter page and watches it finish."""
    lan = at_the_counter(browser, server, shots)
    lan.shot("01-quay")
    lan.check_accessibility()
    lan.page.set_input_files("#files", [str(p) for p in scans])
    lan.page.fill("#owner", OWNER)
    lan.page.fill("#owner_name", "Trần Thị Hoa")
    lan.page.fill("#procedure", PROCEDURE)
    lan.page.fill("#dossier", DOSSIER)
    lan.page.check("input[name=split][value=qr]")
    lan.page.click("#upload-form button[type=submit]")
    lan.page.wait_for_url("**/quay/lo/*")
    lan.page.wait_for_timeout(1500)  # a few live events (when the batch is not finished already)
    lan.shot("02-quay-lo-dang-xu-ly")
    live = _live_states(lan)
    assert not re.search(r"queued|running|\((ocr|sign|store)\)", live), live  # the live states in Vietnamese
    lan.page.wait_for_selector("#live[data-finished=true]", timeout=600_000)
    lan.page.wait_for_load_state("networkidle")
    lan.shot("03-quay-lo-xong")
    ids = [i for i in lan.page.locator(".doc").evaluate_all("els => els.map(e => e.dataset.documentId)") if i]
    run = CounterRun(lan.page.url, DOSSIER, ids)
    lan.page.context.close()
    return run
