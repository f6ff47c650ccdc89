"""Why a running document waits, as `sohoa ops status` and `/van-hanh` say it: walked on 30 Nov 2026 with two
workers, the documents whose OCR was done and whose signing was queued read "Chờ thử lại bước nhận dạng (OCR)
(đã thử 1 lần)", as if OCR had failed, and the document of a worker killed with SIGKILL read "Đang xử lý"."""

from __future__ import annotations

import datetime as dt

from ingest.batches import WAITING_NOTES
from ingest.models import BatchDocument
from ingest.waits import TRUST_SERVICE_NOTE, reason_of

NOW = dt.datetime(2026, 11, 30, 21, 40, tzinfo=dt.UTC)


def _running(**fields: object) -> BatchDocument:
    values: dict[str, object] = {"status": "running", "step": "ocr", "attempts": 1, "waiting": None}
    return BatchDocument(**(values | fields))


def test_a_document_between_two_steps_is_not_said_to_be_retried() -> None:
    reason = reason_of(_running(), None, None, NOW)
    assert reason == "Bước nhận dạng (OCR) xong — chờ worker nhận bước tiếp theo"


def test_a_step_retried_after_a_fault_says_so() -> None:
    reason = reason_of(_running(step="sign", attempts=3, waiting="retry", lease_owner="t@vm:1"), None, None, NOW)
    assert reason == "Chờ thử lại bước ký số (đã thử 3 lần)"
    assert "retry" in WAITING_NOTES  # the batch's event log names the wait too
    assert reason_of(_running(step="sign", waiting="trust_service"), None, None, NOW) == TRUST_SERVICE_NOTE


def test_a_worker_that_stopped_renewing_its_lease_is_named_stopped() -> None:
    held = _running(lease_owner="t@vm:1", lease_until=NOW + dt.timedelta(minutes=1))
    assert reason_of(held, None, None, NOW) == "Đang xử lý bước nhận dạng (OCR)"
    dead = _running(lease_owner="t@vm:1", lease_until=NOW - dt.timedelta(minutes=2))
    reason = reason_of(dead, None, None, NOW)
    assert reason == "Worker giữ bước nhận dạng (OCR) đã ngừng (từ 04:38) — chờ broker giao lại cho worker khác"


def test_a_failure_recorded_in_words_reads_in_vietnamese_with_its_class() -> None:
    """Before 1 Dec 2026 a failure recorded in words read as its bare word: "Lỗi ở bước nhận dạng (OCR): disk_full"."""
    error = "ocr: disk full: no space left in the data folder of the worker on host w1"
    failed = _running(status="failed", error=error)
    reason = reason_of(failed, None, None, NOW)
    assert reason == "Lỗi ở bước nhận dạng (OCR): ổ đĩa đầy — giải phóng dung lượng rồi gửi lại lô"
    other = _running(status="failed", step="sign", error="sign: TimestampUnavailableError: no answer")
    assert reason_of(other, None, None, NOW) == "Lỗi ở bước ký số: TimestampUnavailableError"


def test_a_worker_whose_work_folder_is_full_says_so_while_the_step_waits() -> None:
    row = _running(step="ocr", attempts=4, waiting="disk_full", lease_owner=None)
    reason = reason_of(row, None, None, NOW)
    assert reason == (
        "Ổ đĩa của worker đầy ở bước nhận dạng (OCR) — chờ giải phóng dung lượng hoặc worker khác nhận (đã thử 4 lần)"
    )
    assert "disk_full" in WAITING_NOTES


def test_the_full_disk_names_the_worker_host_its_lease_recorded() -> None:
    """Walked on 1 Dec 2026: the wait said "Ổ đĩa của worker đầy" while only the log named the host; the lease of the
    task that met the full disk (`task-id@host:pid`) stays on the row while it waits, and names it."""
    row = _running(step="ocr", attempts=2, waiting="disk_full", lease_owner="3f9c@worker-b.tinh.gov.vn:4711")
    assert reason_of(row, None, None, NOW) == (
        "Ổ đĩa của worker trên máy worker-b.tinh.gov.vn đầy ở bước nhận dạng (OCR) — chờ giải phóng dung lượng "
        "hoặc worker khác nhận (đã thử 2 lần)"
    )
    older = _running(waiting="disk_full", lease_owner="3f9c")  # a lease of the task id alone: no host to name
    assert reason_of(older, None, None, NOW).startswith("Ổ đĩa của worker đầy ở bước")
