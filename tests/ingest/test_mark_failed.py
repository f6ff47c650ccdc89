"""A step whose failure cannot be recorded (the status write fails too: a full disk under the catalogue) keeps
its task for a retry instead of leaving the document `running` for good.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from ingest import batches, context, steps
from ingest.staging import FolderArea
from issuing.agency import Issuer
from tests.support.jobs import BIRTH_CERTIFICATE, catalogue_with_batch


class Retried(Exception):
    pass


def test_a_failure_that_cannot_be_written_is_retried_later(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def claimed(*_: Any) -> Iterator[object]:
        yield object()

    def mark_failed(*_: Any) -> None:
        raise OperationalError("UPDATE", {}, Exception("database or disk is full"))

    def work(_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    retries: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> Exception:
        retries.append(kwargs)
        return Retried()

    monkeypatch.setattr(steps, "claimed", claimed)
    monkeypatch.setattr(steps, "mark_failed", mark_failed)
    task = SimpleNamespace(request=SimpleNamespace(retries=4), retry=retry)
    with pytest.raises(Retried):
        steps.run_step(task, "b1", 0, "ocr", 60, work)  # type: ignore[arg-type]
    assert retries and retries[0]["max_retries"] > 4 and isinstance(retries[0]["exc"], OperationalError)


def test_a_duplicate_steps_failure_never_unstores_a_document(tmp_path: Path) -> None:
    """Redis may hand a long step out twice (the visibility timeout passed while it ran): when the first delivery
    stored the document and removed its outputs, the duplicate's failure leaves it done."""
    factory = catalogue_with_batch(tmp_path, [BIRTH_CERTIFICATE], dossier_code="D-1")
    with factory.begin() as session:
        batches.update_document(session, "b1", 0, status=batches.DocState.DONE, document_id="doc1")
    context.configure(
        lambda: context.PipelineContext(
            sessions=factory,
            vault=lambda: pytest.fail("no vault"),
            staging=lambda: FolderArea(tmp_path),
            officer_signer=lambda: pytest.fail("no signature"),
            issuer=Issuer(agency_signer=lambda: pytest.fail("no seal"), notify=lambda *_: None),
        )
    )
    try:
        steps.mark_failed("b1", 0, "store", "FileNotFoundError: doc-000/signed.pdf")
    finally:
        context.configure(lambda: pytest.fail("no context"))
    with factory() as session:
        row = batches.load_document(session, "b1", 0)
        assert (row.status, row.document_id, row.error) == ("done", "doc1", None)
