"""Crash-safe document writes: intent row committed, object put, then one commit that makes it visible.

A crash between put and commit leaves only an intent (invisible to users); `complete_write` rolls it forward
(now, or later from fsck when the object is there and verifies); fsck drops intents with no object.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from core.types import Actor, DocumentKind, Role
from vault import outbox
from vault.audit import record_access
from vault.codes import next_result_code
from vault.lifecycle import result_stored
from vault.models import Document, DocumentVersion, Dossier, DossierDocument, Owner, PendingWrite, utcnow
from vault.records import DocumentFields, NewDocument
from vault.store.base import StoredObject
from vault.store.blocks import BlockDigests


@dataclass
class WriteHooks:
    """Called between the steps of a write; tests use them to kill a process mid-write."""

    before_put: Callable[[str], None] | None = None
    after_put: Callable[[StoredObject], None] | None = None


def actor_to_json(actor: Actor) -> dict[str, Any]:
    return {**asdict(actor), "role": str(actor.role)}


def actor_from_json(data: dict[str, Any]) -> Actor:
    return Actor(**{**data, "role": Role(data["role"])})


def complete_write(session: Session, pending: PendingWrite, version_id: str) -> Document:
    """Make the written object visible: catalogue rows, dossier link, access log; drop the intent."""
    payload = pending.payload
    actor = actor_from_json(payload["actor"])
    retain = dt.datetime.fromisoformat(payload["retain_until"])
    if payload["op"] == "create":
        document = _create_document(session, pending, payload)
        action = "store"
    else:
        document = _add_version(session, pending, payload)
        action = "new_version"
    session.add(
        DocumentVersion(
            document_id=document.id,
            number=payload["number"],
            object_key=pending.object_key,
            object_version_id=version_id,
            sha256=pending.sha256,
            size=pending.size,
            page_count=document.page_count,
            signature_level=payload.get("signature_level"),
            retain_until=retain,
            legal_hold=bool(payload.get("legal_hold")),
            superseded_at=utcnow() if payload["number"] < document.current_version else None,
            **_version_blocks(payload),
        )
    )
    record_access(
        session,
        actor,
        action,
        document_id=document.id,
        dossier_code=document.source_dossier_code,
        detail=f"v{payload['number']}" + (f": {payload['reason']}" if payload.get("reason") else ""),
    )
    session.delete(pending)
    session.flush()
    outbox.document_changed(session, document, "stored" if payload["op"] == "create" else "versioned")
    if payload["op"] == "create" and document.kind == DocumentKind.RESULT and document.source_dossier_code:
        # the dossier has its result: moved after the result's own message, so the portal reads them in order
        dossier = _dossier_row(session, document.source_dossier_code, lock=True)
        result_stored(session, dossier, document.result_code, actor)
    return document


def block_payload(blocks: BlockDigests) -> dict[str, Any]:
    """The block digests as an intent's payload carries them to the version row (JSON: base64)."""
    return {"block_size": blocks.size, "block_digests": base64.b64encode(blocks.digests).decode()}


def _version_blocks(payload: dict[str, Any]) -> dict[str, Any]:
    """The version row's block columns from an intent's payload (none in intents written before they existed)."""
    if not payload.get("block_digests"):
        return {}
    return {"block_size": payload["block_size"], "block_digests": base64.b64decode(payload["block_digests"])}


def catalogue_values(new: NewDocument) -> dict[str, Any]:
    """The catalogue columns of `DocumentFields` as the row stores them (enumerations by their value)."""
    values = new.model_dump(include=set(DocumentFields.model_fields))
    return {name: value.value if isinstance(value, Enum) else value for name, value in values.items()}


def _create_document(session: Session, pending: PendingWrite, payload: dict[str, Any]) -> Document:
    new = NewDocument.model_validate(payload["new"])
    owner = session.execute(select(Owner).where(Owner.owner_id == new.owner_id)).scalar_one()
    dossier = None
    if new.source_dossier_code:  # a result locks it: results are numbered and move the dossier one at a time
        dossier = _dossier_row(session, new.source_dossier_code, lock=new.kind is DocumentKind.RESULT)
    result_code = new.result_code
    if new.kind is DocumentKind.RESULT and not result_code and new.source_dossier_code:
        result_code = next_result_code(session, new.source_dossier_code)
    document = Document(
        **{**catalogue_values(new), "result_code": result_code},
        id=payload["doc_id"],
        owner_pk=owner.id,
        ocr_text=new.ocr_text,
        extracted_fields=new.extracted_fields,
        page_prints=new.page_prints,
        size=pending.size,
        sha256=pending.sha256,
        status="valid",
        current_version=1,
        supersedes_id=new.supersedes,
        idempotency_key=pending.idempotency_key,
    )
    session.add(document)
    session.flush()
    if dossier is not None:
        session.add(
            DossierDocument(
                dossier_id=dossier.id,
                document_id=document.id,
                component_name=new.component_name or new.name,
                reused=False,
                attached_by=payload["actor"]["subject"],
            )
        )
    if new.supersedes:
        old = session.get(Document, new.supersedes)
        if old is not None:
            old.status = "superseded"
            old.superseded_by_id = document.id
            outbox.document_changed(session, old, "status")
    return document


def _dossier_row(session: Session, code: str, *, lock: bool) -> Dossier:
    """The dossier a new paper is linked to, read again; its row locked when `lock` (not the joined owner:
    PostgreSQL refuses FOR UPDATE on the nullable side of an outer join)."""
    query = select(Dossier).where(Dossier.code == code)
    if lock:
        query = query.with_for_update(of=Dossier).execution_options(populate_existing=True)
    return session.execute(query).scalar_one()


def _add_version(session: Session, pending: PendingWrite, payload: dict[str, Any]) -> Document:
    document = session.execute(
        select(Document).where(Document.id == payload["doc_id"]).options(lazyload(Document.owner)).with_for_update()
    ).scalar_one_or_none()
    if document is None:
        raise LookupError("the document of a new version is gone")
    number = payload["number"]
    if number < document.current_version:
        return document  # a later version completed first: this one is stored as already superseded
    older = session.execute(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id,
            DocumentVersion.number < number,
            DocumentVersion.superseded_at.is_(None),
        )
    )
    for previous in older.scalars():
        previous.superseded_at = utcnow()
    changes: dict[str, Any] = payload.get("changes", {})
    for name, value in changes.items():
        setattr(document, name, value)
    document.current_version = number
    document.sha256 = pending.sha256
    document.size = pending.size
    return document
