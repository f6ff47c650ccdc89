"""The batches that ended failed lately (every document, or some, failed and none waits any more), for the operator
looking for "what failed today": how many in the window and the newest few, each failure in words; nothing personal.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ingest.batches import DocState
from ingest.models import Batch, BatchDocument
from ingest.waits import error_class, reason_of

WINDOW = dt.timedelta(hours=24)
LATEST = 5


class FailedBatch(BaseModel):
    """One batch that ended failed: its ids and codes, when it ended, how many of its documents failed, and the
    first failure in words (the step and `FAILURE_WORDS`, or the error's class; never the error's text)."""

    batch_id: str
    dossier_code: str
    agency_code: str
    finished_at: dt.datetime
    failed: int
    documents: int
    reason: str
    error_class: str | None


class FailedBatches(BaseModel):
    """The batches that ended failed in the last `window_hours`: their count and the newest `LATEST`."""

    window_hours: int
    count: int
    latest: list[FailedBatch]


def failed_batches(session: Session, now: dt.datetime, limit: int = LATEST) -> FailedBatches:
    """The batches finished within the last 24 hours with a failed document (their state is failed: a failure
    outranks a page to rescan), newest first."""
    has_failed = exists().where(BatchDocument.batch_id == Batch.id, BatchDocument.status == DocState.FAILED)
    batches = session.scalars(
        select(Batch)
        .where(Batch.finished_at.is_not(None), Batch.finished_at >= now - WINDOW, has_failed)
        .order_by(Batch.finished_at.desc(), Batch.id)
    ).all()
    documents: dict[str, list[BatchDocument]] = {batch.id: [] for batch in batches}
    for row in session.scalars(
        select(BatchDocument).where(BatchDocument.batch_id.in_(list(documents))).order_by(BatchDocument.index)
    ):
        documents[row.batch_id].append(row)
    found = []
    for batch in batches:
        rows = documents[batch.id]
        failed = [row for row in rows if row.status == DocState.FAILED]
        assert batch.finished_at is not None
        found.append(
            FailedBatch(
                batch_id=batch.id,
                dossier_code=batch.dossier_code,
                agency_code=batch.agency_code,
                finished_at=batch.finished_at,
                failed=len(failed),
                documents=len(rows),
                reason=reason_of(failed[0], None, None, now),
                error_class=error_class(failed[0].error),
            )
        )
    return FailedBatches(window_hours=int(WINDOW.total_seconds() // 3600), count=len(found), latest=found[:limit])
