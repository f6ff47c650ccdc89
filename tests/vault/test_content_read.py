"""A content read's catalogue part (`Vault.stream_content`), on SQLite and PostgreSQL: the document, its owner's id,
its version's store columns and the reader's right to it come in one statement; a document the reader may not
read and a version that does not exist are both NotFound, and only a served read is in the access log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from core.types import Actor, Role
from tests.vault.conftest import PERSON
from vault.errors import NotFound
from vault.models import AccessLog
from vault.records import NewDocument
from vault.service import Vault

PDF = b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n"
ADMIN = Actor("admin-1", Role.ADMIN)


@pytest.fixture
def statements(vault: Vault) -> Iterator[list[str]]:
    """The SQL each read on the vault's read engine sends, in order."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    engine = vault.read_engine.engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def _reads(vault: Vault, doc_id: str) -> list[tuple[str, str | None, str | None]]:
    with vault.sessions() as session:
        query = select(AccessLog.action, AccessLog.subject, AccessLog.detail).where(AccessLog.document_id == doc_id)
        return [tuple(row) for row in session.execute(query.order_by(AccessLog.seq))]  # type: ignore[misc]


def test_one_statement_fetches_and_authorises_the_document_and_its_version(vault: Vault, statements: list[str]) -> None:
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Giấy khai sinh"), PDF, ADMIN)
    owner = Actor("cd-1", Role.CITIZEN, owner_id=PERSON)
    statements.clear()
    record, content = vault.stream_content(doc.id, owner)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "document_versions" in reads[0]
    assert (record.id, record.owner_id, record.name) == (doc.id, PERSON, "Giấy khai sinh")
    assert content.read() == PDF and content.total_size == len(PDF)
    assert vault.stream_content(doc.id, owner, version=1)[1].read() == PDF
    assert [r for r in _reads(vault, doc.id) if r[0] == "read"] == [("read", "cd-1", "v1")] * 2


def test_no_right_and_no_such_version_are_not_found_and_not_logged(vault: Vault) -> None:
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Giấy khai sinh"), PDF, ADMIN)
    stranger = Actor("cd-2", Role.CITIZEN, owner_id="045190007777")
    with pytest.raises(NotFound, match=f"no document {doc.id}"):
        vault.stream_content(doc.id, stranger)
    with pytest.raises(NotFound, match=f"no document {doc.id}"):
        vault.stream_content(doc.id, Actor("cd-3", Role.CITIZEN))  # no owner id: reads nothing
    with pytest.raises(NotFound, match=f"no version 2 of document {doc.id}"):
        vault.stream_content(doc.id, ADMIN, version=2)
    with pytest.raises(NotFound, match="no document nope"):
        vault.stream_content("nope", ADMIN)
    assert [r for r in _reads(vault, doc.id) if r[0] == "read"] == []
