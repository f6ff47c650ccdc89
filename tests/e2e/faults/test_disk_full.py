"""A full disk for real: the staging folder on a small tmpfs. At intake: a 507 problem and `/readyz` not ready
below the free-space threshold, nothing stored. In the pipeline: each document failed with the reason, none left
`running`. Once space is freed, a new batch is accepted and completes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.types import Role
from tests.e2e.conftest import AGENCY
from tests.e2e.faults.conftest import FaultRun, FaultWorld
from tests.support.servers import Tmpfs
from tests.support.uploads import station_manifest

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


def test_a_disk_filled_while_documents_run_fails_them_with_the_reason(small_disk: tuple[FaultRun, Tmpfs]) -> None:
    run, disk = small_disk
    run.stack.start_worker()
    batch_id = run.upload()
    run.when(batch_id, lambda d: d["status"] == "running" and d["step"] == "ocr")
    with disk.held_full():  # kept full: a document that ends and frees its staging gives no room to the others
        final = run.finish(batch_id, timeout=600)
    assert final["status"] == "failed", final
    failed = [d for d in final["documents"] if d["status"] == "failed"]
    assert failed and all(d["status"] in ("done", "failed") for d in final["documents"]), final
    for document in failed:
        assert "disk full" in document["error"], final
        assert str(run.stack.data_dir) not in document["error"]  # no server path in what a station reads
    assert run.count("select count(*) from documents") == len(final["documents"]) - len(failed)
    assert run.count("select count(*) from ingest_batch_documents where status in ('queued', 'running')") == 0
    # Sent again: the papers the first batch stored are recognised as scanned again and reused, the others stored.
    again = run.finish(run.upload())
    waiting = [d for d in again["documents"] if d["status"] == "awaiting_choice"]
    assert len(waiting) == len(final["documents"]) - len(failed), (again, run.stack.log_tail("worker", 60))
    for document in waiting:
        run.client.choose(again["batch_id"], document["index"], "reuse")
    again = run.finish(again["batch_id"])
    assert again["status"] == "done", (again, run.stack.log_tail("worker", 60))
    assert run.count("select count(*) from documents") == 3  # none stored twice
