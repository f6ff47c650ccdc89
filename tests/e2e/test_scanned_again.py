"""A paper scanned again, from the station's upload to the vault (issue #18), with a real `sohoa serve` and its
embedded worker, Tesseract and the vault: the same paper scanned a second time waits, naming the stored document,
until the station chooses to reuse it (a link in the new dossier, nothing stored), store a new version of it, or
store a new document; a different paper, and the same paper of another owner, are stored as before. A choice never
made runs out: the document fails with its reason, the batch ends, the stored paper stays as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.client import StationClient
from core.types import Role
from tests.e2e.conftest import AGENCY, OWNER
from tests.support.forms import form_lines, scan
from tests.support.stack import SohoaStack
from tests.support.uploads import BIRTH_FORM, station_manifest

pytestmark = pytest.mark.slow

OTHER_OWNER = "001200009876"
THIRD_OWNER = "079195000123"
HINT = "Giấy tờ này đã có trong kho"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SohoaStack]:
    # A wait long enough to choose in the tests below, short enough to see it run out (the beat looks every 7.5 s).
    running = SohoaStack(tmp_path_factory.mktemp("scanned-again") / "data", {"SOHOA_INGEST_CHOICE_TTL_SECONDS": "30"})
    running.data_dir.mkdir()
    running.start_server(embedded_worker=True, timeout=180)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("papers")
    return {
        "an": scan(folder / "an.jpg", form_lines("an")),
        "an_again": scan(folder / "an-again.jpg", form_lines("an"), dpi=200, rough=True, seed=2),
        "hoa": scan(folder / "hoa.jpg", form_lines("hoa")),
    }


def _station(stack: SohoaStack) -> StationClient:
    return StationClient(stack.url, stack.token(Role.STATION, "lan", agency=AGENCY))


def _upload(stack: SohoaStack, page: Path, owner: str = OWNER) -> dict[str, Any]:
    """One one-page birth-registration form as a batch of its own (a new dossier); its state once settled."""
    manifest = station_manifest("manifest", owner=owner, documents=[BIRTH_FORM])
    client = _station(stack)
    try:
        return client.wait(client.upload([page], manifest)["batch_id"], interval=0.5, timeout=600)
    finally:
        client.close()


def _settled(stack: SohoaStack, batch_id: str, timeout: float = 600) -> dict[str, Any]:
    client = _station(stack)
    deadline = time.monotonic() + timeout
    try:
        while (state := client.batch(batch_id))["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, stack.log_tail("server")
            time.sleep(0.5)
        return state
    finally:
        client.close()


def _choose(stack: SohoaStack, batch_id: str, index: int, choice: str) -> httpx.Response:
    token = stack.token(Role.STATION, "lan", agency=AGENCY)
    url = f"{stack.url}/api/v1/batches/{batch_id}/documents/{index}/choice"
    return httpx.post(url, json={"choice": choice}, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _handler_get(stack: SohoaStack, path: str) -> Any:
    token = stack.token(Role.HANDLER, "handler-1", agency=AGENCY)
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("giải quyết hồ sơ")}
    response = httpx.get(f"{stack.url}{path}", headers=headers, timeout=60)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def first(stack: SohoaStack, papers: dict[str, Path]) -> dict[str, Any]:
    """The paper's first scan: stored as any document is."""
    state = _upload(stack, papers["an"])
    assert state["status"] == "done", (state, stack.log_tail("server"))
    assert state["documents"][0]["scanned_before"] is None
    return state


def _waits_naming_first(stack: SohoaStack, papers: dict[str, Path], first: dict[str, Any]) -> dict[str, Any]:
    state = _upload(stack, papers["an_again"])
    assert state["status"] == "awaiting_choice", (state, stack.log_tail("server"))
    [doc] = state["documents"]
    before = doc["scanned_before"]
    assert doc["status"] == "awaiting_choice" and doc["id"] is None
    assert before["id"] == first["documents"][0]["id"]
    assert before["name"] == "Tờ khai đăng ký khai sinh" and before["type_code"] == "TKKS" and before["stored_at"]
    assert before["hint"].startswith(HINT) and "Tờ khai đăng ký khai sinh" in before["hint"]
    return state


def _dossier_documents(stack: SohoaStack, code: str) -> list[dict[str, Any]]:
    return list(_handler_get(stack, f"/api/v1/dossiers/{code}")["documents"])


def test_reuse_links_the_stored_document_and_stores_nothing(
    stack: SohoaStack, papers: dict[str, Path], first: dict[str, Any]
) -> None:
    stored_id = first["documents"][0]["id"]
    state = _waits_naming_first(stack, papers, first)
    staging = stack.data_dir / "ingest" / "batches" / state["batch_id"]
    assert staging.exists()  # the scan waits in the staging, nowhere else
    answer = _choose(stack, state["batch_id"], 0, "reuse")
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["status"] == "done" and done["documents"][0]["id"] == stored_id
    assert done["documents"][0]["choice"] == "reuse"
    [linked] = _dossier_documents(stack, state["dossier_code"])
    assert linked["document"]["id"] == stored_id and linked["reused"] is True
    assert [v["number"] for v in _handler_get(stack, f"/api/v1/documents/{stored_id}/versions")] == [1]
    assert not staging.exists()  # nothing personal left behind
    again = _choose(stack, state["batch_id"], 0, "reuse")
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]


def test_new_version_stores_the_scan_as_the_next_version(
    stack: SohoaStack, papers: dict[str, Path], first: dict[str, Any]
) -> None:
    stored_id = first["documents"][0]["id"]
    state = _waits_naming_first(stack, papers, first)
    answer = _choose(stack, state["batch_id"], 0, "new_version")
    assert answer.status_code == 200, answer.text
    done = _settled(stack, state["batch_id"])
    assert done["status"] == "done", (done, stack.log_tail("server"))
    assert done["documents"][0]["id"] == stored_id and done["documents"][0]["choice"] == "new_version"
    versions = _handler_get(stack, f"/api/v1/documents/{stored_id}/versions")
    assert [v["number"] for v in versions] == [1, 2] and versions[0]["superseded_at"] is not None
    [linked] = _dossier_documents(stack, state["dossier_code"])  # the new dossier holds the versioned document
    assert linked["document"]["id"] == stored_id and linked["document"]["current_version"] == 2


def test_new_document_stores_the_scan_as_today(
    stack: SohoaStack, papers: dict[str, Path], first: dict[str, Any]
) -> None:
    stored_id = first["documents"][0]["id"]
    state = _waits_naming_first(stack, papers, first)
    assert _choose(stack, state["batch_id"], 0, "new_document").status_code == 200
    done = _settled(stack, state["batch_id"])
    assert done["status"] == "done", (done, stack.log_tail("server"))
    new_id = done["documents"][0]["id"]
    assert new_id and new_id != stored_id and done["documents"][0]["choice"] == "new_document"
    [linked] = _dossier_documents(stack, state["dossier_code"])
    assert linked["document"]["id"] == new_id and linked["reused"] is False


def test_a_different_paper_and_another_owners_same_paper_are_stored_at_once(
    stack: SohoaStack, papers: dict[str, Path], first: dict[str, Any]
) -> None:
    for page, owner in ((papers["hoa"], OWNER), (papers["an"], OTHER_OWNER)):
        state = _upload(stack, page, owner)
        assert state["status"] == "done", (state, stack.log_tail("server"))
        [doc] = state["documents"]
        assert doc["scanned_before"] is None and doc["id"] not in (None, first["documents"][0]["id"])


def test_a_choice_on_a_document_not_waiting_is_refused(stack: SohoaStack, first: dict[str, Any]) -> None:
    answer = _choose(stack, first["batch_id"], 0, "reuse")
    assert answer.status_code == 409 and "not waiting for a choice" in answer.json()["detail"]
    assert _choose(stack, first["batch_id"], 5, "reuse").status_code == 404
    assert _choose(stack, "0" * 32, 0, "reuse").status_code == 404
    assert _choose(stack, first["batch_id"], 0, "keep").status_code == 422


def test_a_choice_never_made_runs_out_and_the_batch_ends(stack: SohoaStack, papers: dict[str, Path]) -> None:
    # An owner of its own: the tests above store this paper more than once for OWNER.
    stored = _upload(stack, papers["an"], THIRD_OWNER)
    assert stored["status"] == "done", (stored, stack.log_tail("server"))
    stored_id = stored["documents"][0]["id"]
    state = _upload(stack, papers["an_again"], THIRD_OWNER)
    assert state["status"] == "awaiting_choice", (state, stack.log_tail("server"))
    assert state["documents"][0]["scanned_before"]["id"] == stored_id
    assert state["documents"][0]["choice_until"]  # the station is told until when it may choose
    staging = stack.data_dir / "ingest" / "batches" / state["batch_id"]
    client = _station(stack)
    deadline = time.monotonic() + 180
    try:
        while (state := client.batch(state["batch_id"]))["status"] == "awaiting_choice":
            assert time.monotonic() < deadline, stack.log_tail("server")
            time.sleep(1)
    finally:
        client.close()
    [doc] = state["documents"]
    assert state["status"] == "failed" and doc["status"] == "failed", (state, stack.log_tail("server"))
    assert doc["error"].startswith("Hết hạn chọn lúc ") and doc["id"] is None and doc["choice_until"] is None
    assert not staging.exists()  # nothing personal left outside the vault
    versions = _handler_get(stack, f"/api/v1/documents/{stored_id}/versions")
    assert [v["number"] for v in versions] == [1]  # the stored paper untouched
    late = _choose(stack, state["batch_id"], 0, "reuse")
    assert late.status_code == 409 and "it is failed" in late.json()["detail"]
