"""Abandoned staging (the API killed during intake: a folder with no batch row) is swept once it is old enough;
a recent folder (an upload still arriving) and a running batch's folder stay.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ingest import batches
from ingest.db import migrate, sessions
from ingest.staging import FolderArea
from ingest.sweep import abandoned_staging, sweep_spool, sweep_staging


def test_abandoned_staging_is_swept_and_live_staging_stays(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    root = tmp_path / "batches"
    orphan, fresh, running = root / "a", root / "b", root / "c"
    for folder in (orphan, fresh, running):
        (folder / "pages").mkdir(parents=True)
        (folder / "pages" / "0001.jpg").write_bytes(b"scan")
    old = time.time() - 7200
    for folder in (orphan, running):
        for path in (folder / "pages" / "0001.jpg", folder / "pages", folder):
            os.utime(path, (old, old))
    with factory.begin() as session:
        batches.create_batch(
            session,
            batches.NewBatch(
                "c", "QT-01", "000.00.00.H30", "1.011442.000.00.00.H30", "D-1", "045190001234", "QT-01", 1, str(running)
            ),
        )
    area = FolderArea(root)
    assert [s.location for s in abandoned_staging(area, factory, 3600)] == [str(orphan)]
    assert [s.batch_id for s in sweep_staging(area, factory, 3600)] == ["a"]
    assert not orphan.exists() and fresh.exists() and running.exists()


def test_a_hosts_own_old_spool_and_work_folders_are_swept(tmp_path: Path) -> None:
    """On S3 setups only this host sees its spool (an intake killed mid-upload) and its work folder (a step
    killed mid-OCR): old folders go, a folder still being written stays."""
    old_folder, busy = tmp_path / "old", tmp_path / "busy"
    for folder in (old_folder, busy):
        (folder / "pages").mkdir(parents=True)
        (folder / "pages" / "0001.jpg").write_bytes(b"scan")
    old = time.time() - 7200
    for path in (old_folder / "pages" / "0001.jpg", old_folder / "pages", old_folder):
        os.utime(path, (old, old))
    os.utime(busy, (old, old))  # the folder is old, but a file in it was written just now
    assert sweep_spool(tmp_path, 3600) == [old_folder]
    assert not old_folder.exists() and busy.exists()
