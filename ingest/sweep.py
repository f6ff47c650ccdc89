"""Sweeping abandoned staging: a batch's staging (folder or objects) whose batch row is missing (the API was
killed during intake) or finished, untouched for longer than `SOHOA_INGEST_STAGING_SWEEP_AFTER_SECONDS`.

`abandoned_staging` is the one seam for whoever reports leftovers (`sohoa vault fsck`) and for the sweep.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest.models import Batch
from ingest.staging import StagedBatch, StagingArea, spool_leftovers


def abandoned_staging(
    area: StagingArea, sessions: sessionmaker[Session], older_than_seconds: float
) -> list[StagedBatch]:
    """The staged batches that no running batch owns and nobody wrote to for a while."""
    cutoff = time.time() - older_than_seconds
    found = []
    with sessions() as session:
        for staged in area.listing():
            if staged.modified > cutoff:
                continue
            batch = session.get(Batch, staged.batch_id)
            if batch is None or batch.finished_at is not None:
                found.append(staged)
    return found


def sweep_staging(area: StagingArea, sessions: sessionmaker[Session], older_than_seconds: float) -> list[StagedBatch]:
    """Remove the abandoned staging; the batches removed."""
    swept = abandoned_staging(area, sessions, older_than_seconds)
    for staged in swept:
        area.open(staged.location).remove()
    return swept


@dataclass(frozen=True)
class StagingReport:
    """Abandoned staging by batch id, and the ones removed (with repair)."""

    abandoned: list[str] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)


def check_staging(
    area: StagingArea, sessions: sessionmaker[Session], older_than_seconds: float, *, repair: bool
) -> StagingReport:
    """What `sohoa vault fsck` reports of staging, folder or bucket (and sweeps with --repair)."""
    found = abandoned_staging(area, sessions, older_than_seconds)
    swept = sweep_staging(area, sessions, older_than_seconds) if repair and found else []
    return StagingReport([staged.batch_id for staged in found], [staged.batch_id for staged in swept])


def sweep_spool(root: Path, older_than_seconds: float) -> list[Path]:
    """Remove this host's own leftover folders untouched for a while: an API's upload spool of an intake it did
    not finish (object staging), a worker's work folder of a step killed in the middle."""
    left = spool_leftovers(root, older_than_seconds)
    for folder in left:
        shutil.rmtree(folder, ignore_errors=True)
    return left
