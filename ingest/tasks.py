"""Celery tasks of the pipeline: per document a chain OCR → sign → store, each step idempotent.

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
from pathlib import Path
from typing import Any

from celery import Task, chain, shared_task
from celery.exceptions import Ignore, MaxRetriesExceededError, SoftTimeLimitExceeded
from celery.signals import worker_ready
from sqlalchemy.exc import OperationalError
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from core.identifiers import redact
from core.logging import current_request_id, get_logger
from core.metrics import DOCUMENTS, STEP_FAILURES, timed_step
from core.settings import core_settings
from core.types import RESCAN_VERDICTS, DocumentKind
from ingest import batches, scanned_again, signature_requests
from ingest.awaiting import Waiting, run_split_signing
from ingest.claim import Busy, claimed, mark_waiting
from ingest.context import context
from ingest.lease import holder_is_dead
from ingest.models import Batch
from ingest.pipeline import DocumentJob, intake_actor, run_ocr, run_signing, run_store
from ingest.settings import ingest_settings
from ingest.sweep import sweep_spool, sweep_staging
from ingest.task_logging import bind_task_context
from issuing import webhooks
from issuing.certification_register import RegisterLine
from issuing.certified import certify_with_number
from issuing.checkpoints import ChainBroken, take_checkpoint
from issuing.longterm import run_longterm
from issuing.settings import issuing_settings
from ocr.models import OcrOptions
from signing.errors import RevocationUnknownError, TimestampUnavailableError
from signing.settings import signing_settings
from signing.split import SplitSigner
from signing.trust import TrustSettings, trust_anchors
from vault.errors import StoreUnavailable

log = get_logger("sohoa.pipeline")
__all__ = ["bind_task_context"]  # connected to Celery's task signals on import: each task's log context

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
    log.warning("document failed", batch=batch_id, index=index, step=step)
    DOCUMENTS.labels("failed").inc()
    finished(batch_id, status)


def _step(task: Task, batch_id: str, index: int, step: str, seconds: int, work: Any) -> None:
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
        STEP_FAILURES.labels(step, "retried").inc()
        settings = ingest_settings()
        countdown = min(2 ** (task.request.retries + 1), settings.retry_backoff_max_seconds)
        limit = settings.max_retries
        if isinstance(exc, TRUST_SERVICES):  # documents wait for the TSA/OCSP rather than sign below their level
            limit += settings.trust_service_wait_seconds // max(settings.retry_backoff_max_seconds, 1)
            mark_waiting(batch_id, index, "trust_service")
        try:
            raise task.retry(exc=exc, countdown=countdown, max_retries=limit) from exc
        except MaxRetriesExceededError:
            _fail_or_keep(task, batch_id, index, step, f"gave up after {limit} retries: {exc}")
            raise Ignore() from exc
    except Exception as exc:
        STEP_FAILURES.labels(step, "failed").inc()
        _fail_or_keep(task, batch_id, index, step, _reason(exc))
        raise Ignore() from exc


def _reason(exc: Exception) -> str:
    """What a document's failure says: a full disk in words (never the server's file path), else the error."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "disk full: no space left in the staging folder (free space, then send the batch again)"
    return f"{type(exc).__name__}: {exc}"


def _fail_or_keep(task: Task, batch_id: str, index: int, step: str, reason: str) -> None:
    """Mark the document failed; when even that write fails (a full disk under the catalogue, the database
    away), keep the task for a later retry rather than leave the document `running` for good."""
    try:
        mark_failed(batch_id, index, step, reason)
    except Exception as exc:
        log.warning("document could not be marked failed; retried later", batch=batch_id, index=index, step=step)
        raise task.retry(exc=exc, countdown=60, max_retries=task.request.retries + 1) from exc


def _page_progress(batch_id: str, index: int) -> Any:
    def report(done: int, total: int) -> None:
        with context().sessions.begin() as session:
            batches.record_page(session, batch_id, index, done, total)

    return report


@shared_task(bind=True, name="sohoa.ocr", acks_late=True)
def ocr_step(self: Task, batch_id: str, index: int, seconds: int, request_id: str | None = None) -> None:
    """Clean up and OCR the document's pages (in parallel), assemble its PDF/A; record rescan requests."""

    def work(job: DocumentJob) -> None:
        summary = run_ocr(
            job,
            OcrOptions.from_settings(),
            ingest_settings().page_threads,
            _page_progress(batch_id, index),
            work_root=work_root(),
        )
        rescan = [{"page": i.page, "reason": i.reason} for i in summary.issues if i.verdict in RESCAN_VERDICTS]
        with context().sessions.begin() as session:
            batches.update_document(session, batch_id, index, rescan=rescan)
        if rescan:
            announce("rescan.requested", batch_id, {"index": index, "name": job.name, "rescan": rescan})
        scanned_again.check(job, summary, context().vault(), context().sessions)  # AwaitingChoice: it waits

    _step(self, batch_id, index, "ocr", seconds, work)


@shared_task(bind=True, name="sohoa.sign", acks_late=True)
def sign_step(self: Task, batch_id: str, index: int, seconds: int, request_id: str | None = None) -> None:
    """Sign the PDF/A as the digitising officer at the level set for the document's kind."""

    def work(job: DocumentJob) -> None:
        settings, ctx = ingest_settings(), context()
        signer = ctx.signer_of(job.submitted_by, job.submitter_name)
        name = settings.officer_name or signer.identity.display_name
        unit = issuing_settings().agency_name(job.agency_code)
        certify = None
        if job.kind is DocumentKind.CERTIFIED_COPY:
            dossier = ctx.vault().get_dossier(job.dossier_code, intake_actor(job))

            def certify(pdf: bytes) -> tuple[bytes, RegisterLine]:
                return certify_with_number(ctx.sessions, dossier, pdf, job.submitted_by, ctx.issuer.agency_signer())

        level = signing_settings().level_for(job.kind)
        with ctx.signer_lock:
            if isinstance(signer, SplitSigner):  # the officer signs on their own machine
                ttl = dt.timedelta(seconds=settings.signature_request_ttl_seconds)
                run_split_signing(job, signer, level, name, ctx.sessions, ttl, certify, unit=unit)
            else:
                run_signing(job, signer, level, name, certify, unit=unit)

    _step(self, batch_id, index, "sign", seconds, work)


@shared_task(bind=True, name="sohoa.store", acks_late=True)
def store_step(self: Task, batch_id: str, index: int, seconds: int, request_id: str | None = None) -> None:
    """Validate the signature, store the signed PDF in the owner's vault and link it to the dossier."""

    def work(job: DocumentJob) -> None:
        from signing.validate import validate_pdf

        signed = job.read("signed.pdf")
        report = validate_pdf(signed)
        verdict = str(report.verdict)
        document_id = run_store(job, context().vault(), verdict, context().sessions, signed=signed)
        with context().sessions.begin() as session:
            status = batches.update_document(
                session,
                batch_id,
                index,
                status=batches.DocState.DONE,
                document_id=document_id,
                signature=verdict,
            )
            signature_requests.mark_signed(session, batch_id, index)
        try:
            job.forget_outputs()  # in the vault now: its OCR text and PDFs leave the staging at once
        except Exception as exc:  # the batch's end (or the sweep) removes them
            log.warning("document outputs not removed from staging", batch=batch_id, error=type(exc).__name__)
        event = {"index": index, "document_id": document_id, "name": job.name, "type_code": job.type_code}
        DOCUMENTS.labels("stored").inc()
        announce("document.stored", batch_id, {**event, "kind": job.kind.value, "signature": verdict})
        if job.kind is DocumentKind.RESULT:
            announce("result.stored", batch_id, {**event, "signature": verdict})
        finished(batch_id, status)

    _step(self, batch_id, index, "store", seconds, work)


def enqueue_document(batch_id: str, index: int, pages: int) -> None:
    """Send one document's chain; time limits scale with its page count. Each task carries the request id of
    the upload (the caller's logging context), which its log lines carry in turn (`ingest.task_logging`)."""
    settings = ingest_settings()
    ocr_limit = settings.time_limit(pages)
    quick = settings.step_time_limit_seconds
    rid = current_request_id()
    chain(
        ocr_step.si(batch_id, index, ocr_limit, request_id=rid).set(
            soft_time_limit=ocr_limit, time_limit=ocr_limit + 30
        ),
        sign_step.si(batch_id, index, quick, request_id=rid).set(soft_time_limit=quick, time_limit=quick + 30),
        store_step.si(batch_id, index, quick, request_id=rid).set(soft_time_limit=quick, time_limit=quick + 30),
    ).apply_async()


def resume_signing(batch_id: str, index: int) -> None:
    """The continuation after an officer answered a signature request: sign (embed, complete the level), store."""
    quick = ingest_settings().step_time_limit_seconds
    chain(
        sign_step.si(batch_id, index, quick).set(soft_time_limit=quick, time_limit=quick + 30),
        store_step.si(batch_id, index, quick).set(soft_time_limit=quick, time_limit=quick + 30),
    ).apply_async()


@shared_task(name="sohoa.sweep_staging")
def sweep_abandoned_staging() -> int:
    """Remove staging no running batch owns (hourly by the beat, and at worker start); mark signature
    requests past their expiry expired, on their documents too."""
    with context().sessions.begin() as session:
        expired = signature_requests.expire_due(session)
    if expired:
        log.info("signature requests expired", requests=len(expired))
    swept = sweep_staging(context().staging(), context().sessions, ingest_settings().staging_sweep_after_seconds)
    if swept:
        log.info("abandoned staging swept", batches=len(swept))
    return len(swept)


@worker_ready.connect
def _resume_unfinished(**_: Any) -> None:
    """Sweep abandoned staging and this host's old work folders, then re-send the documents a dead worker left: on
    the embedded broker every unfinished one (its unacknowledged tasks died with the worker), on Redis or
    RabbitMQ the abandoned ones."""
    try:
        sweep_spool(work_root(), ingest_settings().staging_sweep_after_seconds)
        sweep_abandoned_staging()
    except Exception as exc:  # a sweep never stops a worker from starting
        log.warning("staging sweep failed", error=type(exc).__name__)
    if ingest_settings().embedded_broker:
        with context().sessions() as session:
            pending = [
                (batch_id, index, len(batches.load_document(session, batch_id, index).pages))
                for batch_id, index in batches.unfinished_documents(session)
            ]
        for batch_id, index, pages in pending:
            enqueue_document(batch_id, index, pages)
    else:
        resume_abandoned()


@shared_task(name="sohoa.resume_abandoned")
def resume_abandoned() -> int:
    """Re-send the documents whose step's holder died: its process gone from this host, or its heartbeat stopped
    (a worker lost on another host). Run at worker start and by the beat every lease period, so the broker's
    redelivery (the visibility timeout, an hour) is not waited for. The dead lease is cleared as the document is
    sent again, so a document is re-sent once, not at every run while its new task waits in the queue."""
    sent = 0
    with context().sessions() as session:
        abandoned = batches.abandoned_documents(session, dt.datetime.now(dt.UTC), holder_is_dead)
    for batch_id, index, pages, owner in abandoned:
        with context().sessions.begin() as session:
            if not batches.release_lease(session, batch_id, index, owner):
                continue  # renewed or taken meanwhile: alive after all
        enqueue_document(batch_id, index, pages)
        sent += 1
    if sent:
        log.info("abandoned documents sent again", documents=sent)
    return sent


@shared_task(bind=True, name="sohoa.webhook", acks_late=True, max_retries=None)
def deliver_webhook(self: Task, delivery_id: str) -> None:
    """POST one webhook delivery; retried with back-off (2 s, 4 s, … up to 10 min) until accepted or given up."""
    settings = ingest_settings()
    with context().sessions.begin() as session:
        attempt = webhooks.deliver(
            session,
            delivery_id,
            timeout=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
        )
    if not attempt.final:
        raise self.retry(countdown=min(2 ** (self.request.retries + 1), 600))


@shared_task(name="sohoa.longterm", acks_late=True)
def longterm() -> dict[str, int]:
    """The daily long-term validation run (beat schedule in `runtime.celery_app`)."""
    ctx = context()
    report = run_longterm(ctx.sessions, ctx.vault(), signing_settings())
    counts = {"enrolled": report.enrolled, "upgraded": len(report.upgraded), "renewed": len(report.renewed)}
    log.info("long-term run", postponed=len(report.postponed), **counts)
    return counts


@shared_task(name="sohoa.audit_checkpoint", acks_late=True)
def audit_checkpoint() -> int | None:
    """Sign and store the access log's head (beat schedule in `runtime.celery_app`); the row it anchors, or None
    when nothing was logged since the last checkpoint. A broken chain is logged as an alert, never anchored."""
    ctx = context()
    try:
        taken = take_checkpoint(ctx.vault(), ctx.issuer.agency_signer(), trust_anchors(TrustSettings()))
    except ChainBroken:
        log.error("audit.chain_broken", alert=True)
        raise
    if taken is None:
        return None
    log.info("audit checkpoint stored", seq=taken.checkpoint.seq, timestamped=not taken.warnings)
    return taken.checkpoint.seq


@shared_task(name="sohoa.ping")
def ping() -> str:
    """A no-op task used by readiness checks and tests to prove a worker consumes the broker."""
    return "pong"
