"""Faults while a batch runs, on the embedded default (SQLite broker, local vault): each ends with every
document in the vault, none lost, none duplicated, nothing left `running`.
"""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest

from api.client import StationClient
from core.types import Role
from tests.e2e.conftest import AGENCY, ScanSet
from tests.support.stack import SohoaStack
from tests.support.uploads import station_manifest

pytestmark = pytest.mark.slow


def _manifest() -> dict[str, object]:
    return station_manifest("qr", dossier_code=None)


def _assert_private(staging: Path) -> None:
    """Staging holds scans and OCR text: folders 0700, files 0600, readable by this user only."""
    assert staging.is_dir()
    for path in [staging, staging.parent, *staging.rglob("*")]:
        if path.is_dir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
        elif path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_worker_killed_during_ocr_and_restarted_once_finishes_all_three_documents(
    tmp_path: Path, scan_set: ScanSet
) -> None:
    """The restarted worker re-sends the unfinished documents (new task ids); they meet the leases of the dead
    worker's tasks, which must be recognised as dead and taken over rather than waited on until given up."""
    embedded = SohoaStack(tmp_path / "data", {})
    embedded.data_dir.mkdir()
    embedded.start_server(embedded_worker=False)
    try:
        worker = embedded.start_worker(concurrency=2)
        client = StationClient(embedded.url, embedded.token(Role.STATION, "QT-01", agency=AGENCY))
        accepted = client.upload(scan_set.files, _manifest())
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # in the middle of OCR: a step running, nothing stored yet
            documents = client.batch(accepted["batch_id"])["documents"]
            if any(d["status"] == "running" for d in documents):
                break
            time.sleep(0.2)
        staging = embedded.data_dir / "ingest" / "batches" / accepted["batch_id"]
        _assert_private(staging)
        embedded.kill_worker(worker)
        assert client.batch(accepted["batch_id"])["status"] in ("running", "queued")
        restarted = time.monotonic()
        embedded.start_worker(concurrency=2)
        final = client.wait(accepted["batch_id"], timeout=600)
        print(f"recovered {time.monotonic() - restarted:.1f} s after the restart")
        assert final["status"] == "done", (final, embedded.log_tail("worker"))
        assert [d["status"] for d in final["documents"]] == ["done"] * 3
        with sqlite3.connect(embedded.data_dir / "vault" / "catalogue.sqlite3") as db:
            assert db.execute("select count(*) from documents").fetchone() == (3,)
            assert db.execute("select count(*) from ingest_batch_documents where status='running'").fetchone() == (0,)
        assert len(list((embedded.data_dir / "vault" / "objects").rglob("*.data"))) == 3
        assert not staging.exists()  # every document in the vault: no personal data left outside it
    finally:
        embedded.stop()
