"""A document whose signing waits for the TSA/OCSP says so in the batch status and its events (not just `running`
at step `sign`), and the note goes when the next attempt starts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import batches, context, steps
from ingest.context import PipelineContext
from ingest.db import migrate, sessions
from ingest.models import BatchEvent
from signing.errors import TimestampUnavailableError


class Retried(Exception):
    pass


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'ingest.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    with factory.begin() as session:
        document = batches.PlannedDocument(name="Tờ khai", type_code=None, kind="component", pages=[0])
        new = batches.NewBatch(
            "b1", "QT-01", "000.00.00.H30", "1.0", "H30.01-261130-0001", "045190001234", "QT-01", 1, str(tmp_path),
            [document],
        )  # fmt: skip
        batches.create_batch(session, new)
    unused = SimpleNamespace()  # the step under test touches only the catalogue
    monkeypatch.setattr(context, "_context", PipelineContext(factory, unused, unused, unused, unused))  # type: ignore[arg-type]
    return factory


def _sign_fails_on_tsa(monkeypatch: pytest.MonkeyPatch, factory: sessionmaker[Session]) -> None:
    @contextmanager
    def claimed(*_: Any) -> Iterator[object]:
        with factory.begin() as session:  # as the claim does: the document runs at step `sign`
            batches.update_document(session, "b1", 0, status=batches.DocState.RUNNING, step="sign")
        yield object()

    def work(_: object) -> None:
        raise TimestampUnavailableError("time-stamping authority unreachable")

    monkeypatch.setattr(steps, "claimed", claimed)
    task = SimpleNamespace(request=SimpleNamespace(retries=0), retry=lambda **_: Retried())
    with pytest.raises(Retried):
        steps.run_step(task, "b1", 0, "sign", 60, work)  # type: ignore[arg-type]


def _document(factory: sessionmaker[Session]) -> batches.BatchDocumentView:
    with factory() as session:
        view = batches.view_batch(session, "b1")
    assert view is not None
    return view.documents[0]


def test_a_document_waiting_for_the_tsa_says_so_until_its_next_attempt(
    monkeypatch: pytest.MonkeyPatch, catalogue: sessionmaker[Session]
) -> None:
    _sign_fails_on_tsa(monkeypatch, catalogue)
    waiting = _document(catalogue)
    assert (waiting.status, waiting.step, waiting.waiting) == ("running", "sign", "trust_service")
    assert waiting.note == "đang chờ dịch vụ cấp dấu thời gian"
    with catalogue() as session:
        last = session.scalars(select(BatchEvent).order_by(BatchEvent.id.desc())).first()
    assert last is not None and last.data["note"] == waiting.note and last.data["waiting"] == "trust_service"
    with catalogue.begin() as session:  # the TSA is back: the retry claims the document again
        batches.update_document(session, "b1", 0, status=batches.DocState.RUNNING, step="sign")
    again = _document(catalogue)
    assert (again.status, again.waiting, again.note) == ("running", None, None)
