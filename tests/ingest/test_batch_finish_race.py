"""Two documents of one batch finishing at the same moment in two transactions on PostgreSQL: exactly one of them
finishes the batch (its event, `finished_at`, the staging folder's removal), never neither.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import batches
from ingest.db import migrate
from ingest.models import Batch
from tests.support.pgschema import private_schema
from vault.db import make_engine, session_factory

PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_sessions() -> Iterator[sessionmaker[Session]]:
    with private_schema(PG_URL, "faults_race", migrated=False) as url:
        migrate(url)
        engine = make_engine(url)
        yield session_factory(engine)
        engine.dispose()


def _two_document_batch(sessions: sessionmaker[Session]) -> None:
    planned = [batches.PlannedDocument(f"Tài liệu {i}", None, "component", [i]) for i in range(2)]
    new = batches.NewBatch("b1", "QT-01", "000.00.00.H30", "1.0", "D-1", "045190001234", "st", 2, "/x", planned)
    with sessions.begin() as session:
        batches.create_batch(session, new)
        for index in range(2):
            batches.update_document(session, "b1", index, status=batches.DocState.RUNNING)


def test_two_documents_finishing_together_finish_the_batch_once(pg_sessions: sessionmaker[Session]) -> None:
    _two_document_batch(pg_sessions)
    first_written = threading.Event()
    results: dict[int, batches.BatchState | None] = {}

    def finish(index: int) -> None:
        with pg_sessions.begin() as session:
            results[index] = batches.update_document(session, "b1", index, status=batches.DocState.DONE)
            if index == 0:
                first_written.set()
                time.sleep(0.5)  # the other document's transaction runs meanwhile

    first = threading.Thread(target=finish, args=(0,))
    first.start()
    assert first_written.wait(10)
    second = threading.Thread(target=finish, args=(1,))
    second.start()
    first.join(10)
    second.join(10)
    assert sorted(results.items()) == [(0, None), (1, batches.BatchState.DONE)]
    with pg_sessions() as session:
        assert session.scalars(select(Batch.finished_at)).one() is not None
