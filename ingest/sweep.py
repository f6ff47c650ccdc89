"""Sweeping abandoned staging folders: a folder under `ingest/batches` whose batch row is missing (the API was
killed during intake) or finished, untouched for longer than `SOHOA_INGEST_STAGING_SWEEP_AFTER_SECONDS`.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest.models import Batch


def abandoned_staging(root: Path, sessions: sessionmaker[Session], older_than_seconds: float) -> list[Path]:
    """The staging folders under `root` that no running batch owns and nobody wrote to for a while."""
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than_seconds
    found = []
    with sessions() as session:
        for folder in sorted(root.iterdir()):
            if not folder.is_dir() or folder.stat().st_mtime > cutoff:
                continue
            batch = session.get(Batch, folder.name)
            if batch is None or batch.finished_at is not None:
                found.append(folder)
    return found


def sweep_staging(root: Path, sessions: sessionmaker[Session], older_than_seconds: float) -> list[Path]:
    """Remove the abandoned staging folders; the ones removed."""
    swept = abandoned_staging(root, sessions, older_than_seconds)
    for folder in swept:
        shutil.rmtree(folder, ignore_errors=True)
    return swept


@dataclass(frozen=True)
class StagingReport:
    """Abandoned staging by batch id, and the ones removed (with repair)."""

    abandoned: list[str] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)


def check_staging(
    root: Path, sessions: sessionmaker[Session], older_than_seconds: float, *, repair: bool
) -> StagingReport:
    """What `sohoa vault fsck` reports of staging (and sweeps with --repair): the one place to extend when
    staging lives elsewhere too."""
    found = abandoned_staging(root, sessions, older_than_seconds)
    swept = sweep_staging(root, sessions, older_than_seconds) if repair and found else []
    return StagingReport([folder.name for folder in found], [folder.name for folder in swept])
