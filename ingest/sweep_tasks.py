"""Celery tasks that leave nothing stuck: abandoned staging swept, expired waits ended, documents a dead worker
left sent again (at worker start, and by the beat).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from core.logging import get_logger
from core.metrics import DOCUMENTS
from ingest import batches, scanned_again, signature_requests
from ingest.context import context
from ingest.lease import holder_is_dead
from ingest.settings import ingest_settings
from ingest.steps import finished, work_root
from ingest.sweep import sweep_spool, sweep_staging
from ingest.tasks import enqueue_document

log = get_logger("sohoa.pipeline")


@shared_task(name="sohoa.sweep_staging")
def sweep_abandoned_staging() -> int:
    """Remove staging no running batch owns (hourly by the beat, and at worker start); mark signature
    requests past their expiry expired, on their documents too; end the choices not made in time."""
    with context().sessions.begin() as session:
        expired = signature_requests.expire_due(session)
    if expired:
        log.info("signature requests expired", requests=len(expired))
    expire_choices()
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


@shared_task(name="sohoa.expire_choices")
def expire_choices() -> int:
    """A paper scanned again whose choice was not made in time fails with its reason; a batch this ends is finished
    (its staging removed, `batch.finished` notified). By the beat every quarter of the wait (at most every 10 min),
    and in every staging sweep (worker start)."""
    with context().sessions.begin() as session:
        expired = scanned_again.expire_due(session)
    for batch_id, _index, status in expired:
        DOCUMENTS.labels("failed").inc()
        finished(batch_id, status)
    if expired:
        log.info("choices not made in time; documents failed", documents=len(expired))
    return len(expired)
