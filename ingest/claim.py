"""A step's hold on its document: the lease (task, host, process) taken in one transaction, renewed by a heartbeat
while the step runs, released after: a live holder makes a duplicate wait (`Busy`), a dead one is taken over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task

from core.logging import get_logger
from core.types import DocumentKind
from ingest import batches
from ingest.context import context
from ingest.lease import Heartbeat, holder_is_dead, lease_owner, same_task
from ingest.models import Batch
from ingest.pipeline import DocumentJob
from ingest.settings import ingest_settings
from ingest.staging import StagingArea

log = get_logger("sohoa.pipeline")


class Busy(Exception):
    """Another live task holds this document's lease (until `until`)."""

    def __init__(self, message: str, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


def _job(batch: Batch, row: Any, area: StagingArea) -> DocumentJob:
    return DocumentJob(
        batch_id=batch.id,
        index=row.index,
        staging=area.open(batch.staging_dir),
        pages=tuple(row.pages),
        name=row.name,
        type_code=row.type_code,
        kind=DocumentKind(row.kind),
        owner_id=batch.owner_id,
        dossier_code=batch.dossier_code,
        procedure_code=batch.procedure_code,
        agency_code=batch.agency_code,
        station_id=batch.station_id,
        submitted_by=batch.submitted_by,
        submitter_name=batch.submitter_name,
        drop_blank=batch.drop_blank,
        new_version_of=row.new_version_of,
    )


@contextmanager
def claimed(task: Task, batch_id: str, index: int, step: str) -> Iterator[DocumentJob | None]:
    """Hold the document's lease for one step (renewed while it runs); yields None when the document is finished."""
    now = dt.datetime.now(dt.UTC)
    lease = ingest_settings().lease_seconds
    task_id = task.request.id or "eager"
    owner = lease_owner(task_id)
    area = context().staging()  # built (the bucket reached) before any catalogue transaction opens
    with context().sessions.begin() as session:
        row = batches.load_document(session, batch_id, index)
        if row.status in (batches.DocState.DONE, batches.DocState.FAILED):
            yield None
            return
        until = row.lease_until
        if until is not None and until > now and not same_task(row.lease_owner, task_id):
            if row.lease_owner is not None and holder_is_dead(row.lease_owner):
                log.info("lease of a dead worker taken over", batch=batch_id, index=index, step=step)
            else:
                raise Busy(f"held by {row.lease_owner} until {until:%H:%M:%S}", until)
        batch = session.get(Batch, batch_id)
        assert batch is not None
        job = _job(batch, row, area)
        batches.update_document(
            session,
            batch_id,
            index,
            status=batches.DocState.RUNNING,
            step=step,
            attempts=row.attempts + 1,
            lease_owner=owner,
            lease_until=now + dt.timedelta(seconds=lease),
        )

    def renew() -> None:
        with context().sessions.begin() as session:
            batches.renew_lease(session, batch_id, index, owner, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lease))

    with Heartbeat(renew, lease / 3):
        yield job
    with context().sessions.begin() as session:
        row = batches.load_document(session, batch_id, index)
        if row.lease_owner == owner:
            row.lease_owner, row.lease_until = None, None


def mark_waiting(batch_id: str, index: int, reason: str) -> None:
    """Show why a running document is not moving (its step is retried later); a failure to say so is only logged."""
    try:
        with context().sessions.begin() as session:
            batches.update_document(session, batch_id, index, waiting=reason)
    except Exception as exc:  # the database away too: the retry goes on regardless
        log.warning("waiting state not recorded", batch=batch_id, index=index, error=type(exc).__name__)
