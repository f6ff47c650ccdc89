"""The portal outbox: a message for the national portal written in the same transaction as the catalogue change or
dossier move it tells of, so that one is never committed without the other (delivery: `issuing/portal.py`).

A session writes messages only when its factory was switched on (`enable`, done by the composition root when
`SOHOA_PORTAL_SYNC_URL` is set); `written(session)` says whether a commit carries messages to send.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from vault.models import Document, Dossier, DossierDocument, DossierEvent, OutboxMessage, utcnow

ENABLED = "sohoa.portal_outbox"
WRITTEN = "sohoa.portal_outbox.written"


def enable(sessions: sessionmaker[Session]) -> None:
    """Make every session of this factory write portal messages beside its changes."""
    sessions.configure(info={ENABLED: True})


def on_commit(sessions: sessionmaker[Session], kick: Any) -> None:
    """Call `kick()` after each commit of this factory that wrote portal messages (the delivery task's trigger)."""

    def _after_commit(session: Session) -> None:
        if session.info.pop(WRITTEN, False):
            kick()

    def _after_rollback(session: Session) -> None:
        session.info.pop(WRITTEN, None)  # the messages were rolled back with their change

    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_rollback", _after_rollback)


def written(session: Session) -> bool:
    return bool(session.info.get(WRITTEN))


def write(session: Session, topic: str, stream: str, payload: dict[str, Any]) -> str | None:
    """Add one message to the caller's transaction (when the outbox is on); its id."""
    if not session.info.get(ENABLED):
        return None
    message_id = uuid.uuid4().hex
    now = utcnow()
    session.add(
        OutboxMessage(
            id=message_id,
            topic=topic,
            stream=stream,
            payload=payload,
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
    )
    session.info[WRITTEN] = True
    return message_id


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def dossier_moved(session: Session, dossier: Dossier, row: DossierEvent) -> None:
    """`dossier.status_changed`: a move of the dossier's life (no note, no actor name: nothing typed or personal)."""
    write(
        session,
        "dossier.status_changed",
        f"dossier:{dossier.code}",
        {
            "dossier_code": dossier.code,
            "agency_code": dossier.agency_code,
            "procedure_code": dossier.procedure_code,
            "event_id": row.id,
            "action": row.action,
            "from_state": row.from_state,
            "to_state": row.to_state,
            "at": _iso(row.at),
            "actor_role": row.actor_role,
            "department": row.department,
            "due_at": _iso(row.due_at),
            "notice_document_id": row.notice_document_id,
        },
    )


def document_changed(session: Session, document: Document, change: str) -> None:
    """A catalogue change of a paper: `result.issued` / `result.corrected` / `result.cancelled` for results,
    `catalogue.stored` / `catalogue.versioned` / `catalogue.status_changed` for the other papers."""
    if document.kind == "result":
        topic = {"stored": "result.issued", "versioned": "result.corrected"}.get(change, "result.status_changed")
        topic = "result.cancelled" if change == "status" and document.status == "cancelled" else topic
    else:
        topic = {"stored": "catalogue.stored", "versioned": "catalogue.versioned"}.get(
            change, "catalogue.status_changed"
        )
    stream = f"dossier:{document.source_dossier_code}" if document.source_dossier_code else f"document:{document.id}"
    write(
        session,
        topic,
        stream,
        {
            "document_id": document.id,
            "dossier_code": document.source_dossier_code,
            "result_code": document.result_code,
            "kind": document.kind,
            "type_code": document.type_code,
            "name": document.name,
            "number_symbol": document.number_symbol,
            "issuing_agency_code": document.issuing_agency_code,
            "issue_date": _iso(document.issue_date),
            "valid_until": _iso(document.valid_until),
            "permanent": document.permanent,
            "status": document.status,
            "version": document.current_version,
            "sha256": document.sha256,
        },
    )


def document_reused(session: Session, dossier: Dossier, document: Document, link: DossierDocument, role: str) -> None:
    """`catalogue.reused`: a vault paper linked into a dossier as reused ("provide information only once"), on the
    dossier's stream so the portal learns of it after the dossier's opening and before its later moves."""
    write(
        session,
        "catalogue.reused",
        f"dossier:{dossier.code}",
        {
            "dossier_code": dossier.code,
            "agency_code": dossier.agency_code,
            "procedure_code": dossier.procedure_code,
            "document_id": document.id,
            "result_code": document.result_code,
            "kind": document.kind,
            "type_code": document.type_code,
            "name": document.name,
            "component_name": link.component_name,
            "issuing_agency_code": document.issuing_agency_code,
            "version": document.current_version,
            "sha256": document.sha256,
            "linked_at": _iso(link.attached_at),
            "actor_role": role,
        },
    )
