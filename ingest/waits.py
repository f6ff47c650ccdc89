"""What the pipeline has waiting, without personal data: unfinished batches (state, age), each of their documents'
step, attempts and why it waits (a reason in Vietnamese and the last error's class), for `sohoa ops status`.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timezone import to_vn
from ingest.batches import DocState, derive_status
from ingest.lease import host_of
from ingest.models import Batch, BatchDocument, SignatureRequest
from ingest.signature_requests import RequestState
from ingest.state_words import FAILURE_WORDS, step_words

TRUST_SERVICE_NOTE = "TSA/OCSP không phản hồi — đang thử lại, chưa ký dưới mức cấu hình"
_CLASS = re.compile(r"^(?:\w+: )?(?:gave up after \d+ retries: )?([A-Z]\w*(?:Error|Exception|Unavailable|Exceeded)\w*)")


class WaitingDocument(BaseModel):
    """One document of an unfinished batch: where it is and why it waits (no name, no content)."""

    index: int
    status: str
    step: str | None
    attempts: int
    waiting: str | None  # trust_service: its step is retried until the TSA/OCSP answers
    error_class: str | None  # the last error's class (e.g. TimestampUnavailableError), never its message
    reason: str  # why it waits, in Vietnamese
    since: dt.datetime  # its last change
    deadline: dt.datetime | None = None  # awaiting a choice or a signature: by then, or it fails / expires

    @property
    def number(self) -> int:
        """Its place in the batch as people count, from 1 (as `sohoa choose` takes it); `index` is the stored one."""
        return self.index + 1


class WaitingBatch(BaseModel):
    """A batch not finished: its state, ids and codes, how old, and its documents that are not done."""

    batch_id: str
    dossier_code: str
    agency_code: str
    status: str
    created_at: dt.datetime
    age_seconds: int
    documents: list[WaitingDocument]


def error_class(error: str | None) -> str | None:
    """The exception class a recorded error names ("sign: TimestampUnavailableError: …" → its class), or a
    fixed word for the failures recorded in words; None when there is none."""
    if not error:
        return None
    if "timed out after" in error:
        return "timed_out"
    if error.startswith("disk full") or "disk full:" in error:
        return "disk_full"
    if "chứng thư số của cán bộ không được tin cậy" in error:
        return "untrusted_certificate"
    found = _CLASS.match(error)
    return found.group(1) if found else None


def _deadline_text(moment: dt.datetime | None) -> str:
    return f" (hạn {to_vn(moment):%H:%M %d/%m/%Y})" if moment is not None else ""


def reason_of(
    row: BatchDocument, expires: dt.datetime | None, request_state: str | None, now: dt.datetime | None = None
) -> str:
    """Why a document is not done yet, in Vietnamese, from its state only (never the free text of an error)."""
    status = row.status
    if status == DocState.QUEUED:
        return "Chờ worker nhận việc"
    if status == DocState.RUNNING:
        return _running_reason(row, now or dt.datetime.now(dt.UTC))
    if status == DocState.AWAITING_SIGNATURE:
        if request_state == RequestState.REJECTED:
            return "Cán bộ từ chối ký — chờ yêu cầu ký lại"
        if request_state == RequestState.EXPIRED:
            return "Yêu cầu ký hết hạn — chờ yêu cầu ký lại"
        return "Chờ cán bộ ký bằng chứng thư số của mình" + _deadline_text(expires)
    if status == DocState.AWAITING_CHOICE:
        return "Giấy tờ đã có trong kho — chờ quầy chọn cách lưu" + _deadline_text(row.choice_until)
    if status == DocState.FAILED:
        found = error_class(row.error)
        return f"Lỗi ở bước {step_words(row.step)}: {FAILURE_WORDS.get(found or '', found or 'không rõ')}"
    return "Xong"


def _running_reason(row: BatchDocument, now: dt.datetime) -> str:
    """A running document: retried after a fault, between two steps, held by a worker, or held by one whose lease
    ran out (its heartbeat stopped: the worker died, and the broker hands the step to another one later)."""
    step = step_words(row.step)
    if row.waiting == "trust_service":
        return TRUST_SERVICE_NOTE
    if row.waiting == "disk_full":  # the lease of the task that met the full disk names its host until retried
        free = "chờ giải phóng dung lượng hoặc worker khác nhận"
        host = host_of(row.lease_owner)
        worker = f"worker trên máy {host}" if host else "worker"
        return f"Ổ đĩa của {worker} đầy ở bước {step} — {free} (đã thử {row.attempts} lần)"
    if row.waiting == "retry":
        return f"Chờ thử lại bước {step} (đã thử {row.attempts} lần)"
    if row.lease_owner is None:
        return f"Bước {step} xong — chờ worker nhận bước tiếp theo"
    if row.lease_until is not None and row.lease_until < now:
        since = to_vn(row.lease_until).strftime("%H:%M")
        return f"Worker giữ bước {step} đã ngừng (từ {since}) — chờ broker giao lại cho worker khác"
    return f"Đang xử lý bước {step}"


def _requests(session: Session, batch_ids: list[str]) -> dict[tuple[str, int], tuple[str, dt.datetime]]:
    """The newest split-signing request's (state, expiry) per (batch, index)."""
    rows = session.execute(
        select(SignatureRequest.batch_id, SignatureRequest.index, SignatureRequest.status, SignatureRequest.expires_at)
        .where(SignatureRequest.batch_id.in_(batch_ids))
        .order_by(SignatureRequest.created_at, SignatureRequest.id)
    ).all()
    return {(batch_id, index): (state, expires) for batch_id, index, state, expires in rows}


def waiting_batches(session: Session, now: dt.datetime, limit: int = 200) -> list[WaitingBatch]:
    """Unfinished batches, oldest first (at most `limit`), each with its documents not done."""
    batches = session.scalars(
        select(Batch).where(Batch.finished_at.is_(None)).order_by(Batch.created_at, Batch.id).limit(limit)
    ).all()
    ids = [batch.id for batch in batches]
    documents: dict[str, list[BatchDocument]] = {batch_id: [] for batch_id in ids}
    for row in session.scalars(
        select(BatchDocument).where(BatchDocument.batch_id.in_(ids)).order_by(BatchDocument.index)
    ):
        documents[row.batch_id].append(row)
    requests = _requests(session, ids)
    found = []
    for batch in batches:
        rows = documents[batch.id]
        status = derive_status([(row.status, bool(row.rescan)) for row in rows])
        found.append(
            WaitingBatch(
                batch_id=batch.id,
                dossier_code=batch.dossier_code,
                agency_code=batch.agency_code,
                status=status.value,
                created_at=batch.created_at,
                age_seconds=max(int((now - batch.created_at).total_seconds()), 0),
                documents=[
                    _document(row, requests.get((batch.id, row.index)), now) for row in rows if row.status != "done"
                ],
            )
        )
    return found


def _document(row: BatchDocument, request: tuple[str, dt.datetime] | None, now: dt.datetime) -> WaitingDocument:
    state, expires = request if request is not None else (None, None)
    deadline = row.choice_until if row.status == DocState.AWAITING_CHOICE else None
    if row.status == DocState.AWAITING_SIGNATURE and state == RequestState.PENDING:
        deadline = expires
    return WaitingDocument(
        index=row.index,
        status=row.status,
        step=row.step,
        attempts=row.attempts,
        waiting=row.waiting,
        error_class=error_class(row.error) if row.status == DocState.FAILED else None,
        reason=reason_of(row, expires, state, now),
        since=row.updated_at,
        deadline=deadline,
    )
