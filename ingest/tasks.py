"""Celery tasks of the pipeline: per document a chain OCR → sign → store, each step idempotent, run under its lease
by `ingest.steps.run_step` (retries, waits, failures); sending a document's chain and its continuation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Task, chain, shared_task

from core.logging import current_request_id, get_logger
from core.metrics import DOCUMENTS
from core.types import RESCAN_VERDICTS, DocumentKind
from ingest import batches, scanned_again, signature_requests
from ingest.awaiting import run_split_signing
from ingest.context import context
from ingest.pipeline import DocumentJob, intake_actor, run_ocr, run_signing, run_store
from ingest.settings import ingest_settings
from ingest.steps import announce, finished, run_step, work_root
from ingest.task_logging import bind_task_context
from issuing.certification_register import RegisterLine
from issuing.certified import certify_with_number
from issuing.settings import issuing_settings
from ocr.models import OcrOptions
from signing.settings import signing_settings
from signing.sign import SignOutcome
from signing.split import SplitSigner

log = get_logger("sohoa.pipeline")
__all__ = ["bind_task_context"]  # connected to Celery's task signals on import: each task's log context


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
        wait = dt.timedelta(seconds=ingest_settings().choice_ttl_seconds)
        scanned_again.check(job, summary, context().vault(), context().sessions, wait)  # AwaitingChoice: it waits

    run_step(self, batch_id, index, "ocr", seconds, work)


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

            def certify(pdf: bytes) -> tuple[SignOutcome, RegisterLine]:
                return certify_with_number(ctx.sessions, dossier, pdf, job.submitted_by, ctx.issuer.agency_signer())

        level = signing_settings().level_for(job.kind)
        with ctx.signer_lock:
            if isinstance(signer, SplitSigner):  # the officer signs on their own machine
                ttl = dt.timedelta(seconds=settings.signature_request_ttl_seconds)
                run_split_signing(job, signer, level, name, ctx.sessions, ttl, certify, unit=unit)
            else:
                run_signing(job, signer, level, name, certify, unit=unit)

    run_step(self, batch_id, index, "sign", seconds, work)


@shared_task(bind=True, name="sohoa.store", acks_late=True)
def store_step(self: Task, batch_id: str, index: int, seconds: int, request_id: str | None = None) -> None:
    """Validate the signature, store the signed PDF in the owner's vault and link it to the dossier."""

    def work(job: DocumentJob) -> None:
        from signing.validate import validate_pdf

        signed = job.read("signed.pdf")
        report = validate_pdf(signed)
        verdict = str(report.verdict)
        found = report.level  # a signed PDF kept as received: the level its validation found, for the long-term job
        document_id = run_store(job, context().vault(), verdict, context().sessions, signed=signed, validated=found)
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

    run_step(self, batch_id, index, "store", seconds, work)


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


@shared_task(name="sohoa.ping")
def ping() -> str:
    """A no-op task used by readiness checks and tests to prove a worker consumes the broker."""
    return "pong"
