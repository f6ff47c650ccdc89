"""A full disk for real: `<data>/ingest` (the API's spool, the worker's work folder) on a small tmpfs. At intake:
a 507 problem and `/readyz` not ready below the free-space threshold, nothing stored. In the pipeline: the
documents wait, `sohoa ops status` says why, and once space is freed the batch completes by itself.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.types import Role
from tests.e2e.conftest import AGENCY
from tests.e2e.faults.conftest import FaultRun, FaultWorld
from tests.support.servers import Tmpfs
from tests.support.uploads import station_manifest

WAIT = "Ổ đĩa của worker trên máy "  # the worker host, from the lease the waiting task keeps

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root"),
]

THRESHOLD = 16 * 1024**2


@pytest.fixture
def small_disk(fault_world: FaultWorld) -> Iterator[tuple[FaultRun, Tmpfs]]:
    """The installation with `<data>/ingest` (staging) on a 48 MiB tmpfs; not ready below 16 MiB free."""
    disk = Tmpfs(fault_world.tmp_path / "data" / "ingest", 48 * 1024**2)
    try:
        run = fault_world.run({"SOHOA_API_MIN_FREE_DISK_BYTES": str(THRESHOLD)}, before_start=lambda _: disk.mount())
        try:
            yield run, disk
        finally:
            run.stack.stop()
    finally:
        disk.unmount()


def _readyz(run: FaultRun) -> httpx.Response:
    return httpx.get(f"{run.stack.url}/readyz", timeout=30)


def _upload_status(run: FaultRun) -> httpx.Response:
    headers = {"Authorization": f"Bearer {run.stack.token(Role.STATION, 'QT-01', agency=AGENCY)}"}
    manifest = station_manifest("qr")
    files = [("files", (path.name, path.read_bytes())) for path in run.scan_set.files]
    data = {"manifest": json.dumps(manifest)}
    return httpx.post(f"{run.stack.url}/api/v1/batches", headers=headers, files=files, data=data, timeout=120)


def _staged(run: FaultRun) -> list[Path]:
    return list((run.stack.data_dir / "ingest" / "batches").iterdir())


def test_a_full_disk_at_intake_is_a_507_and_readyz_says_not_ready(small_disk: tuple[FaultRun, Tmpfs]) -> None:
    run, disk = small_disk
    assert _readyz(run).status_code == 200
    run.stack.start_worker()
    filler = disk.fill(leave_bytes=256 * 1024)  # less than the batch's pages
    ready = _readyz(run)
    assert ready.status_code == 503 and "staging folder" in ready.text, ready.text
    refused = _upload_status(run)
    assert refused.status_code == 507, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "no space left" in refused.json()["detail"]
    assert _staged(run) == [] and run.count("select count(*) from ingest_batches") == 0  # nothing half-stored
    filler.unlink()
    assert _readyz(run).status_code == 200
    final = run.finish(run.upload())
    assert final["status"] == "done", (final, run.stack.log_tail("worker", 60))
    run.assert_intact(final)


def _ops_status(run: FaultRun) -> dict[str, Any]:
    """`sohoa ops status --json`, as Chị Mai runs it."""
    status = run.stack.cli("ops", "status", "--json")
    return dict(json.loads(status.stdout))


def test_a_worker_whose_disk_fills_waits_says_why_and_finishes_once_freed(small_disk: tuple[FaultRun, Tmpfs]) -> None:
    """Until 1 Dec 2026 a worker's full data folder failed the documents it held, to be scanned and sent again
    from the counter. Now the step waits (retried: another worker, or this one once space is freed, takes it),
    `sohoa ops status` says why in Vietnamese, the worker's log names its host, and the batch finishes by itself."""
    run, disk = small_disk
    run.stack.start_worker()
    batch_id = run.upload()
    run.when(batch_id, lambda d: d["status"] == "running" and d["step"] == "ocr")
    with disk.held_full():  # kept full: space a finished document frees is taken again at once
        deadline = time.monotonic() + 300
        reasons: list[str] = []
        while time.monotonic() < deadline and not any(WAIT in r for r in reasons):
            time.sleep(1)
            batches = [b for b in _ops_status(run)["batches"] if b["batch_id"] == batch_id]
            reasons = [d["reason"] for b in batches for d in b["documents"]]
        assert any(WAIT in r and "đầy ở bước" in r for r in reasons), (reasons, run.stack.log_tail("worker", 60))
        assert "disk full" in run.stack.log_tail("worker", 200)  # the line naming the host and its free space
        assert run.count("select count(*) from ingest_batch_documents where status = 'failed'") == 0
    final = run.finish(batch_id, timeout=600)
    assert final["status"] == "done", (final, run.stack.log_tail("worker", 60))
    run.assert_intact(final)  # none lost, none stored twice, fsck clean, the access log intact
