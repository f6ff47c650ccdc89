"""The batches that ended failed in the last 24 hours, for `sohoa ops status` and `/van-hanh`: walked on 1 Dec 2026,
a batch whose every document failed is finished, so the operator looking for "what failed today" saw nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ingest import batches
from ingest.db import migrate
from ingest.failed_batches import failed_batches
from ingest.models import Batch, BatchDocument
from vault.db import make_engine, session_factory

NOW = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)
OWNER = "045190009999"
DISK = "ocr: gave up after 65 retries: disk full: no space left in the data folder of the worker on host w1"


def _catalogue(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    return session_factory(make_engine(url))


def _batch(session: Session, batch_id: str, states: list[tuple[str, str | None]], finished: dt.datetime | None) -> None:
    planned = [
        batches.PlannedDocument("Giấy khai sinh của Lê Thị Hoa", "GKS", "component", [i]) for i in range(len(states))
    ]
    new = batches.NewBatch(batch_id, "st", "H01", "1.0", f"HS-{batch_id[:4]}", OWNER, "lan", 1, "/x", planned)
    batches.create_batch(session, new)
    session.flush()
    for index, (status, error) in enumerate(states):
        session.execute(
            update(BatchDocument)
            .where(BatchDocument.batch_id == batch_id, BatchDocument.index == index)
            .values(status=status, step="ocr", error=error)
        )
    session.execute(update(Batch).where(Batch.id == batch_id).values(finished_at=finished))


def test_failed_batches_of_the_last_day_newest_first_in_words(tmp_path: Path) -> None:
    factory = _catalogue(tmp_path)
    with factory.begin() as session:
        _batch(session, "a1" * 16, [("failed", DISK), ("failed", DISK)], NOW - dt.timedelta(hours=3))
        _batch(session, "a2" * 16, [("done", None), ("failed", "sign: TimestampUnavailableError: no")], NOW)
        _batch(session, "a3" * 16, [("failed", DISK)], NOW - dt.timedelta(hours=30))  # yesterday's: out
        _batch(session, "a4" * 16, [("done", None)], NOW - dt.timedelta(hours=1))  # done: out
        _batch(session, "a5" * 16, [("failed", DISK), ("running", None)], None)  # still waiting: listed there
    with factory() as session:
        found = failed_batches(session, NOW)
    assert found.window_hours == 24 and found.count == 2
    assert [b.batch_id for b in found.latest] == ["a2" * 16, "a1" * 16]
    partly, every = found.latest
    assert (partly.failed, partly.documents, partly.error_class) == (1, 2, "TimestampUnavailableError")
    assert (every.failed, every.documents, every.dossier_code, every.agency_code) == (2, 2, "HS-a1a1", "H01")
    assert every.reason == "Lỗi ở bước nhận dạng (OCR): ổ đĩa đầy — giải phóng dung lượng rồi gửi lại lô"
    assert every.error_class == "disk_full"
    assert OWNER not in found.model_dump_json() and "Lê Thị Hoa" not in found.model_dump_json()
    with factory() as session:
        assert [b.batch_id for b in failed_batches(session, NOW, limit=1).latest] == ["a2" * 16]
