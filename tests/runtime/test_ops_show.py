"""`sohoa ops status` on a terminal keeps a failed document's error class: walked on 1 Dec 2026, "[disk_full]"
after the reason was read by rich as markup and vanished from the table."""

from __future__ import annotations

import datetime as dt

import pytest

from api.operations import Broker, Component, Disk, OpsStatus
from ingest.waits import WaitingBatch, WaitingDocument

NOW = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)


def test_the_error_class_in_brackets_is_printed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.ops_cli import show

    monkeypatch.setenv("COLUMNS", "80")
    failed = WaitingDocument(
        index=3, status="failed", step="ocr", attempts=1, waiting=None, error_class="disk_full",
        reason="Lỗi ở bước nhận dạng (OCR): ổ đĩa đầy", since=NOW,
    )  # fmt: skip
    batch = WaitingBatch(
        batch_id="b" * 32, dossier_code="HS-1", agency_code="H01", status="running", created_at=NOW, age_seconds=60,
        documents=[failed],
    )  # fmt: skip
    report = OpsStatus(
        at=NOW, stuck_after_seconds=3600, batches=[batch], batches_by_state={"running": 1}, portal_outbox=None,
        webhooks=None, longterm=None, staging_leftovers=[], broker=Broker(reachable=True, queues={"celery": 0}),
        object_store=Component(reachable=True), disk=Disk(path_label="data folder", free_bytes=1, min_free_bytes=0),
        problems=[],
    )  # fmt: skip
    show(report)
    assert "[disk_full]" in capsys.readouterr().out
