"""`sohoa ops status` on a terminal keeps a failed document's error class: walked on 1 Dec 2026, "[disk_full]"
after the reason was read by rich as markup and vanished from the table. It names the worker host whose disk is
full, and lists the batches that ended failed in the last 24 hours (finished, so not among those that wait)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.operations import Broker, Component, Disk, OpsStatus
from ingest.failed_batches import FailedBatch, FailedBatches
from ingest.models import BatchDocument
from ingest.waits import WaitingBatch, WaitingDocument, reason_of

NOW = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)


def _report(batch: WaitingBatch, failed: FailedBatches | None = None) -> OpsStatus:
    return OpsStatus(
        at=NOW, stuck_after_seconds=3600, batches=[batch], batches_by_state={"running": 1}, portal_outbox=None,
        webhooks=None, longterm=None, staging_leftovers=[], broker=Broker(reachable=True, queues={"celery": 0}),
        object_store=Component(reachable=True), disk=Disk(path_label="data folder", free_bytes=1, min_free_bytes=0),
        problems=[], failed_batches=failed,
    )  # fmt: skip


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
    show(_report(batch))
    assert "[disk_full]" in capsys.readouterr().out


def test_the_full_disks_host_and_the_days_failed_batches_are_printed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.ops_cli import show

    monkeypatch.setenv("COLUMNS", "80")
    row = BatchDocument(status="running", step="ocr", attempts=3, waiting="disk_full", lease_owner="3f9c@w2:4711")
    waiting = WaitingDocument(
        index=0, status="running", step="ocr", attempts=3, waiting="disk_full", error_class=None,
        reason=reason_of(row, None, None, NOW), since=NOW,
    )  # fmt: skip
    batch = WaitingBatch(
        batch_id="c" * 32, dossier_code="HS-2", agency_code="H01", status="running", created_at=NOW, age_seconds=60,
        documents=[waiting],
    )  # fmt: skip
    failed = FailedBatch(
        batch_id="f" * 32, dossier_code="HS-9", agency_code="H01", finished_at=NOW, failed=2, documents=2,
        reason="Lỗi ở bước nhận dạng (OCR): ổ đĩa đầy — giải phóng dung lượng rồi gửi lại lô", error_class="disk_full",
    )  # fmt: skip
    show(_report(batch, FailedBatches(window_hours=24, count=7, latest=[failed])))
    out = " ".join(capsys.readouterr().out.split())  # the table wraps at 80 columns
    assert "Ổ đĩa của worker trên máy w2 đầy ở bước nhận dạng (OCR)" in out, out
    assert "Lô lỗi trong 24 giờ qua (7)" in out
    assert f"Lô {'f' * 32} · hồ sơ HS-9 · H01 · kết thúc 12:00 01/12" in out, out
    assert "2/2 tài liệu lỗi — Lỗi ở bước nhận dạng (OCR): ổ đĩa đầy" in out and "… và 6 lô khác" in out, out
