"""A paper scanned again whose choice is never made does not wait forever: past its wait it fails with a reason in
Vietnamese, its batch ends (staging removed, `batch.finished` notified) and the stored paper is never touched; a
choice made in time, or a wait not run out, is left alone; a late choice is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest import batches, context, scanned_again, sweep_tasks
from ingest.db import migrate, sessions
from ingest.staging import FolderArea
from issuing.agency import Issuer
from vault.rescans import StoredMatch

STORED = StoredMatch(
    id="a" * 32,
    type_code="TKKS",
    name="Tờ khai đăng ký khai sinh",
    kind="component",
    stored_at=dt.datetime(2026, 11, 30, 4, 12, tzinfo=dt.UTC),
    distance=6,
    similarity=98.6,
)


def _batch(factory: sessionmaker[Session], root: Path, batch_id: str, documents: int) -> Path:
    folder = root / batch_id
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "0001.jpg").write_bytes(b"scan")
    planned = [batches.PlannedDocument(f"Tài liệu {i + 1}", "TKKS", "component", [i]) for i in range(documents)]
    new = batches.NewBatch(
        batch_id, "QT-01", "000.00.00.H30", "1.011442.000.00.00.H30", "D-1", "045190001234", "QT-01", 1, str(folder)
    )
    with factory.begin() as session:
        batches.create_batch(session, batches.NewBatch(**{**new.__dict__, "documents": planned}))
    return folder


def _waits(factory: sessionmaker[Session], batch_id: str, index: int, until: dt.datetime) -> None:
    """The document after its OCR step met a stored paper: the step's own record of the wait."""
    scanned_again.AwaitingChoice(STORED, until).record(factory, batch_id, index)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], Path, list[tuple[str, dict[str, Any]]]]]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    root = tmp_path / "batches"
    notified: list[tuple[str, dict[str, Any]]] = []
    context.configure(
        lambda: context.PipelineContext(
            sessions=factory,
            vault=lambda: pytest.fail("the stored paper is never touched"),
            staging=lambda: FolderArea(root),
            officer_signer=lambda: pytest.fail("no signature"),
            issuer=Issuer(
                agency_signer=lambda: pytest.fail("no seal"),
                notify=lambda event, _agency, data: notified.append((event, data)),
            ),
        )
    )
    yield factory, root, notified
    context.configure(lambda: pytest.fail("no context"))


def test_a_choice_never_made_fails_the_document_and_ends_its_batch(
    world: tuple[sessionmaker[Session], Path, list[tuple[str, dict[str, Any]]]],
) -> None:
    factory, root, notified = world
    now = dt.datetime.now(dt.UTC)
    late = _batch(factory, root, "late", 2)
    with factory.begin() as session:
        batches.update_document(session, "late", 0, status=batches.DocState.DONE, document_id="d" * 32)
    _waits(factory, "late", 1, now - dt.timedelta(seconds=1))
    waiting = _batch(factory, root, "waiting", 1)
    _waits(factory, "waiting", 0, now + dt.timedelta(hours=1))
    with factory() as session:
        view = batches.view_batch(session, "waiting")
        assert view is not None and view.status == batches.BatchState.AWAITING_CHOICE
        assert view.documents[0].choice_until is not None and view.documents[0].choice_until > now
        with pytest.raises(scanned_again.ChoiceRefused, match="ran out") as refused:
            scanned_again.waiting_document(session, "late", 1)  # before any sweep: too late to choose
        assert refused.value.status == 409

    assert sweep_tasks.expire_choices() == 1

    with factory() as session:
        view = batches.view_batch(session, "late")
        assert view is not None and view.status == batches.BatchState.FAILED
        doc = view.documents[1]
        assert doc.status == batches.DocState.FAILED and doc.choice_until is None and doc.choice is None
        assert doc.error is not None and doc.error.startswith("Hết hạn chọn lúc ")
        assert "«Tờ khai đăng ký khai sinh» giữ nguyên" in doc.error
        assert view.documents[0].status == batches.DocState.DONE  # the batch's other document stays stored
        events = batches.events_after(session, "late", 0)
        assert {"index": 1, "status": "failed", "step": "ocr", "error": doc.error} in [e.data for e in events]
        assert events[-1].data == {"status": "failed"}  # the station following its events sees the batch end
        again = batches.view_batch(session, "waiting")
        assert again is not None and again.status == batches.BatchState.AWAITING_CHOICE
    assert not late.exists() and waiting.exists()  # the ended batch's staging (personal data) is gone
    assert ("batch.finished", {"batch_id": "late", "dossier_code": "D-1", "status": "failed"}) in notified
    assert sweep_tasks.expire_choices() == 0  # nothing twice


def test_a_choice_made_in_time_is_not_expired_and_the_sweep_ends_late_choices(
    world: tuple[sessionmaker[Session], Path, list[tuple[str, dict[str, Any]]]],
) -> None:
    factory, root, _ = world
    now = dt.datetime.now(dt.UTC)
    _batch(factory, root, "chosen", 1)
    _waits(factory, "chosen", 0, now + dt.timedelta(seconds=30))
    with factory.begin() as session:
        scanned_again.record_choice(session, "chosen", 0, scanned_again.Choice.NEW_DOCUMENT)
    with factory() as session:
        expired = scanned_again.expire_due(session, now + dt.timedelta(hours=1))
        assert expired == []
        assert batches.load_document(session, "chosen", 0).status == batches.DocState.QUEUED
    forgotten = _batch(factory, root, "forgotten", 1)
    _waits(factory, "forgotten", 0, now - dt.timedelta(minutes=5))
    sweep_tasks.sweep_abandoned_staging()  # the hourly sweep and the worker's start end late choices too
    with factory() as session:
        assert batches.load_document(session, "forgotten", 0).status == batches.DocState.FAILED
    assert not forgotten.exists()
