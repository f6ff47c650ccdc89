"""How one step of a document's chain runs: under its lease, its faults sorted into retry, wait and failure; what a
failed or finished document does to its batch (staging removed, webhooks notified).

A step claims its document with a lease (the task id, host and process), renewed by a heartbeat while it runs, so a
duplicate delivery waits while the first runs; a task redelivered after its worker died takes its own lease over,
and so does any task meeting a lease whose process is gone on this host (a worker killed, its tasks re-sent) or
whose heartbeat stopped for `SOHOA_INGEST_LEASE_SECONDS` (a worker on another host died).
Transient faults (object store, TSA, database, network) are retried with back-off; any other fault marks
that document failed with the reason and stops its chain, while the batch's other documents go on.
"""

from __future__ import annotations

import datetime as dt
import errno
import shutil
import socket
from pathlib import Path
from typing import Any, NoReturn

from celery import Task
from celery.exceptions import Ignore, MaxRetriesExceededError, SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from core.identifiers import redact
from core.logging import get_logger
from core.metrics import DOCUMENTS, STEP_FAILURES, timed_step
from core.settings import core_settings
from ingest import batches
from ingest.awaiting import Waiting
from ingest.claim import Busy, claimed, mark_waiting
from ingest.context import context
from ingest.models import Batch
from ingest.settings import ingest_settings
from ingest.waits import error_class
from signing.errors import CertificateUntrustedError, RevocationUnknownError, TimestampUnavailableError
from vault.errors import StoreUnavailable
from vault.settings import vault_settings

log = get_logger("sohoa.pipeline")

TRANSIENT: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    TimestampUnavailableError,
    RevocationUnknownError,
    OperationalError,
    ConnectionError,
    TimeoutError,
    Urllib3HTTPError,
)


def work_root() -> Path:
    """This host's work folder: one document's page files during its OCR step, nothing shared."""
    return core_settings().data_dir / "ingest" / "work"


TRUST_SERVICES: tuple[type[BaseException], ...] = (TimestampUnavailableError, RevocationUnknownError)


def announce(event: str, batch_id: str, data: dict[str, Any]) -> None:
    """Notify the agency's webhooks; a failure to enqueue is logged, never fails the document."""
    try:
        with context().sessions() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            agency, dossier = batch.agency_code, batch.dossier_code
        context().issuer.notify(event, agency, {"batch_id": batch_id, "dossier_code": dossier, **data})
    except Exception as exc:  # the delivery rows or the broker: the pipeline goes on
        log.warning("webhook notification not sent", event=event, batch=batch_id, error=type(exc).__name__)


def finished(batch_id: str, status: batches.BatchState | None) -> None:
    """The batch ended (every document in the vault or failed with its reason): its staging goes (the folder, or
    every object of the batch on every worker host's shared object store)."""
    if status is not None:
        with context().sessions() as session:
            batch = session.get(Batch, batch_id)
            location = batch.staging_dir if batch is not None else None
        if location is not None:
            try:
                context().staging().open(location).remove()
            except Exception as exc:  # the sweep removes it later; the batch is finished either way
                log.warning("staging not removed; the sweep will", batch=batch_id, error=type(exc).__name__)
        announce("batch.finished", batch_id, {"status": status.value})


def mark_failed(batch_id: str, index: int, step: str, reason: str) -> None:
    """The document failed with its reason, unless a duplicate delivery of its step already finished it: a
    document in the vault is never marked failed afterwards."""
    with context().sessions.begin() as session:
        if batches.load_document(session, batch_id, index).status == batches.DocState.DONE:
            log.info("a duplicate step failed after the document was stored", batch=batch_id, index=index, step=step)
            return
        status = batches.update_document(
            session,
            batch_id,
            index,
            status=batches.DocState.FAILED,
            step=step,
            error=redact(f"{step}: {reason}")[:2000],
            lease_owner=None,
            lease_until=None,
        )
    log.warning("document failed", batch=batch_id, index=index, step=step, error=error_class(reason) or "other")
    DOCUMENTS.labels("failed").inc()
    finished(batch_id, status)


def run_step(task: Task, batch_id: str, index: int, step: str, seconds: int, work: Any) -> None:
    """Run one step under its lease, sorting faults into retry, busy, timeout and permanent failure."""
    try:
        with claimed(task, batch_id, index, step) as job:
            if job is None:
                raise Ignore()
            with timed_step(step):
                work(job)
        log.info("step done", step=step)
    except Ignore:
        raise
    except Waiting as exc:  # a signature from the officer's token, a choice from the station
        exc.record(context().sessions, batch_id, index)
        raise Ignore() from None  # the chain stops; the answer sends `resume_signing`
    except Busy as exc:
        # Wait for the holder, however long its lease runs (it is bounded by the step's time limit): never give up.
        remaining = (exc.until - dt.datetime.now(dt.UTC)).total_seconds()
        countdown = int(min(max(remaining, 1.0), 30.0))
        raise task.retry(exc=exc, countdown=countdown, max_retries=task.request.retries + 1) from exc
    except SoftTimeLimitExceeded:
        STEP_FAILURES.labels(step, "timed_out").inc()
        _fail_or_keep(task, batch_id, index, step, f"timed out after {seconds} s (limit scales with the page count)")
        raise Ignore() from None
    except TRANSIENT as exc:
        _retry_later(task, batch_id, index, step, exc, "trust_service" if isinstance(exc, TRUST_SERVICES) else "retry")
    except OSError as exc:
        if not _worker_disk_full(exc):
            _fail(task, batch_id, index, step, exc)
        _disk_full(exc)  # the log line that names this host and its free space
        _retry_later(task, batch_id, index, step, exc, "disk_full")  # another worker, or this one once freed
    except Exception as exc:
        _fail(task, batch_id, index, step, exc)


def _fail(task: Task, batch_id: str, index: int, step: str, exc: Exception) -> NoReturn:
    STEP_FAILURES.labels(step, "failed").inc()
    _fail_or_keep(task, batch_id, index, step, _reason(exc))
    raise Ignore() from exc


def _retry_later(task: Task, batch_id: str, index: int, step: str, exc: BaseException, wait: str) -> NoReturn:
    """Retry the step with back-off, saying why it waits; the TSA/OCSP (rather than sign below the level) and a
    worker's full disk are waited for longer than other transient faults."""
    STEP_FAILURES.labels(step, "retried").inc()
    settings = ingest_settings()
    countdown = min(2 ** (task.request.retries + 1), settings.retry_backoff_max_seconds)
    longer = {"trust_service": settings.trust_service_wait_seconds, "disk_full": settings.disk_wait_seconds}
    limit = settings.max_retries + longer.get(wait, 0) // max(settings.retry_backoff_max_seconds, 1)
    mark_waiting(batch_id, index, wait)
    try:
        raise task.retry(exc=exc, countdown=countdown, max_retries=limit) from exc
    except MaxRetriesExceededError:
        said = _reason(exc) if isinstance(exc, OSError) and exc.errno == errno.ENOSPC else str(exc)
        _fail_or_keep(task, batch_id, index, step, f"gave up after {limit} retries: {said}")
        raise Ignore() from exc


def _worker_disk_full(exc: OSError) -> bool:
    """No space left on this worker's own disk while batches wait in object staging (a write to an open file
    names no path): not the document's fault, and another worker may have room. With the staging folder of the
    embedded default the full disk is the batches' own."""
    return exc.errno == errno.ENOSPC and bool(vault_settings().s3_endpoint)


UNTRUSTED_CERTIFICATE = (
    "chứng thư số của cán bộ không được tin cậy (tự ký, hoặc không do tổ chức chứng thực được tin cậy cấp): "
    "xin chứng thư do tổ chức chứng thực cấp, hoặc nhờ quản trị thêm CA gốc vào thư mục tin cậy, rồi tải lô lên lại"
)


def _reason(exc: Exception) -> str:
    """What a document's failure says: a full disk and an untrusted officer's certificate in words (never the
    server's file path, never the certificate's subject), else the error."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return _disk_full(exc)
    if isinstance(exc, CertificateUntrustedError):
        return UNTRUSTED_CERTIFICATE
    return f"{type(exc).__name__}: {exc}"


def _disk_full(exc: OSError) -> str:
    """Which disk filled, in words: a worker's data folder (named by its host, which the operator frees) or the
    staging folder of the embedded default; the free space left is logged for the operator."""
    root = work_root()
    where = "the staging folder"
    if _worker_disk_full(exc):
        where = f"the data folder of the worker on host {socket.gethostname()}"
    try:
        free = shutil.disk_usage(root if root.exists() else core_settings().data_dir).free
    except OSError:
        free = -1
    log.warning("disk full", where=where, free_bytes=free)
    return f"disk full: no space left in {where} (free space, then send the batch again)"


def _fail_or_keep(task: Task, batch_id: str, index: int, step: str, reason: str) -> None:
    """Mark the document failed; when even that write fails (a full disk under the catalogue, the database
    away), keep the task for a later retry rather than leave the document `running` for good."""
    try:
        mark_failed(batch_id, index, step, reason)
    except Exception as exc:
        log.warning("document could not be marked failed; retried later", batch=batch_id, index=index, step=step)
        raise task.retry(exc=exc, countdown=60, max_retries=task.request.retries + 1) from exc
