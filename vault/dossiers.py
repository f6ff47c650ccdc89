"""The door's owners and dossiers: owners created on first use, dossiers opened and numbered, a dossier and its
documents for those who may see it, its public state, and the reuse of a vault paper in a dossier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session

from core.identifiers import (
    DOSSIER_CODE_RE,
    InvalidIdentifier,
    validate_agency_code,
    validate_dossier_code,
    validate_procedure_code,
)
from core.types import Actor, DocumentKind, DocumentStatus, Role
from vault.access import dossier_visible, linked_documents
from vault.audit import Link, record_access
from vault.base import VaultBase
from vault.codes import new_dossier_code, receipt_day
from vault.convert import document_record, dossier_record, effective_status, owner_record
from vault.errors import Conflict, Forbidden, InvalidInput, NotFound
from vault.lifecycle import events_of, record_receipt
from vault.models import Document, Dossier, DossierDocument, DossierEvent, Owner, utcnow
from vault.owners import owner_row
from vault.records import DossierRead, DossierRecord, DossierState, LinkedDocument, OwnerRecord
from vault.reuse import link_reused

WRITERS = (Role.STATION, Role.HANDLER)


def dossier_by_code(session: Session, code: str) -> Dossier | None:
    """The dossier of this code, whoever asks (callers authorise)."""
    return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()


_DOSSIERS: Table = Dossier.__table__  # type: ignore[assignment]
_OWNERS: Table = Owner.__table__  # type: ignore[assignment]
_DOSSIER_ROW = (
    select(_DOSSIERS, _OWNERS.c.owner_id)
    .join_from(_DOSSIERS, _OWNERS, _OWNERS.c.id == _DOSSIERS.c.owner_pk)
    .where(_DOSSIERS.c.code == bindparam("code"))
)


def check_supplied_code(code: str, agency_code: str, received_at: dt.datetime) -> str:
    """A supplied dossier code: well formed, of the receiving agency, dated no later than the receipt day and today
    (Vietnam time). InvalidInput naming `dossier_code` otherwise: no station takes another agency's or a future
    number."""
    try:
        validate_dossier_code(code)
    except InvalidIdentifier as exc:
        raise InvalidInput(str(exc), field="dossier_code") from exc
    match = DOSSIER_CODE_RE.fullmatch(code)
    assert match is not None
    if match["agency"] != agency_code:
        raise InvalidInput(f"dossier code {code} does not carry the agency code {agency_code}", field="dossier_code")
    latest = min(receipt_day(received_at), receipt_day(utcnow()))
    if dt.datetime.strptime(match["date"], "%y%m%d").date() > latest:
        raise InvalidInput(f"dossier code {code} is dated after {latest:%d/%m/%Y} (Vietnam time)", field="dossier_code")
    return code


def _visible(session: Session, code: str, actor: Actor) -> Dossier:
    """The dossier if this actor may see it; NotFound otherwise (no existence oracle)."""
    dossier = dossier_by_code(session, code)
    if dossier is None or not dossier_visible(actor, dossier.agency_code, dossier.owner.owner_id):
        raise NotFound(f"no dossier {code}")
    return dossier


def _linked(session: Session, dossier: Dossier) -> list[LinkedDocument]:
    rows = session.execute(
        select(DossierDocument, Document)
        .join(Document, Document.id == DossierDocument.document_id)
        .where(DossierDocument.dossier_id == dossier.id)
        .order_by(DossierDocument.id)
    ).all()
    return [
        LinkedDocument(
            document=document_record(document),
            component_name=link.component_name,
            reused=link.reused,
            attached_at=link.attached_at,
        )
        for link, document in rows
    ]


class OwnersAndDossiers(VaultBase):
    """Owners, dossiers and reuse, behind the `Vault` door."""

    def _owner(self, session: Session, owner_id: str, display_name: str | None = None) -> Owner:
        return owner_row(session, owner_id, self._partition_key, display_name)

    def ensure_owner(self, owner_id: str, display_name: str | None = None) -> OwnerRecord:
        """The owner's record, created on first use (personal ID or tax code validated as in SPEC)."""
        for attempt in range(2):
            try:
                with self.sessions.begin() as session:
                    return owner_record(self._owner(session, owner_id, display_name))
            except DBIntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def create_dossier(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        code: str | None = None,
        received_at: dt.datetime | None = None,
        owner_name: str | None = None,
        *,
        actor: Actor | None = None,
        channel: str = "scan",
        note: str | None = None,
    ) -> DossierRecord:
        """Register a dossier; its code `<agency>-YYMMDD-XXXX` is generated when not supplied (a supplied one must
        carry the agency's code and a date not in the future). The owner's name is recorded if none is yet. Its
        history starts with a `receive` event by `actor` (the system when None), with `note` (how consent was given)."""
        try:
            validate_agency_code(agency_code)
            validate_procedure_code(procedure_code)
        except InvalidIdentifier as exc:
            raise InvalidInput(str(exc)) from exc
        moment = received_at or utcnow()
        if moment.tzinfo is None:
            raise InvalidInput("received_at must be timezone-aware")
        if code is not None:
            check_supplied_code(code, agency_code, moment)
        self.ensure_owner(owner_id)
        for _ in range(20):
            try:
                with self.sessions.begin() as session:
                    owner = self._owner(session, owner_id, owner_name)
                    dossier = Dossier(
                        code=code or new_dossier_code(session, agency_code, moment),
                        agency_code=agency_code,
                        procedure_code=procedure_code,
                        owner_pk=owner.id,
                        received_at=moment,
                        status="received",
                        channel=channel,
                    )
                    session.add(dossier)
                    session.flush()
                    record_receipt(session, dossier, actor, note)
                    return dossier_record(dossier)
            except DBIntegrityError as exc:
                if code is not None:
                    raise Conflict(f"dossier code {code} is already taken", field="dossier_code") from exc
        raise Conflict("could not allocate a dossier code (sequence taken by supplied codes)")

    def open_dossier(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        actor: Actor,
        code: str | None = None,
        owner_name: str | None = None,
    ) -> DossierRecord:
        """The dossier `code` if it exists, else a new one (`open_or_create`)."""
        return self.open_or_create(agency_code, procedure_code, owner_id, actor, code, owner_name)[0]

    def open_or_create(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        actor: Actor,
        code: str | None = None,
        owner_name: str | None = None,
    ) -> tuple[DossierRecord, bool]:
        """The dossier `code` if it exists (same agency and owner), else a new one; the owner's name is recorded when
        none is yet (a later name does not replace it). A refused request changes nothing.
        Only the agency's stations and handlers, and admins, open its dossiers (Forbidden otherwise). The flag says
        whether this call created it (its first event, `receive`, was then recorded)."""
        if not (actor.role is Role.ADMIN or (actor.role in WRITERS and actor.agency_code == agency_code)):
            raise Forbidden("only the agency's stations and handlers open its dossiers")
        if code is not None:
            check_supplied_code(code, agency_code, utcnow())
            with self.sessions.begin() as session:
                found = dossier_by_code(session, code)
                if found is not None:
                    if found.agency_code != agency_code or found.owner.owner_id != owner_id:
                        raise Conflict(f"dossier {code} belongs to another agency or owner", field="dossier_code")
                    self._owner(session, owner_id, owner_name)
                    return dossier_record(found), False
        try:
            created = self.create_dossier(
                agency_code, procedure_code, owner_id, code=code, owner_name=owner_name, actor=actor
            )
            return created, True
        except Conflict:
            if code is None:
                raise
            with self.reader() as session:  # created concurrently by another request: the same one, or refused
                found = dossier_by_code(session, code)
                if found is None or found.agency_code != agency_code or found.owner.owner_id != owner_id:
                    raise
                return dossier_record(found), False

    def rename_owner(self, owner_id: str, display_name: str, actor: Actor) -> OwnerRecord:
        """Change an owner's recorded display name: the explicit correction a later batch never makes. Handlers and
        admins only; InvalidInput on an empty name, NotFound for an unknown owner."""
        if actor.role not in (Role.ADMIN, Role.HANDLER):
            raise Forbidden("only handlers and admins correct an owner's name")
        if not display_name.strip():
            raise InvalidInput("the display name is empty", field="owner_name")
        with self.sessions.begin() as session:
            owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
            if owner is None:
                raise NotFound("no such owner")
            owner.display_name = display_name.strip()
            return owner_record(owner)

    def get_dossier(self, code: str, actor: Actor) -> DossierRecord:
        """The dossier if the actor may see it (its agency's staff, its owner, admins); NotFound otherwise."""
        with self.reader() as session:
            return dossier_record(_visible(session, code, actor))

    def dossier_state(self, code: str) -> DossierState:
        """What anyone may know of a dossier without logging in: its state, whether a valid result is stored, and
        what its appointment is counted from (nothing of its owner or papers)."""
        with self.reader() as session:
            dossier = dossier_by_code(session, code)
            if dossier is None:
                raise NotFound(f"no dossier {code}")
            results = session.scalars(
                select(Document)
                .join(DossierDocument, DossierDocument.document_id == Document.id)
                .where(DossierDocument.dossier_id == dossier.id, Document.kind == str(DocumentKind.RESULT))
                .where(DossierDocument.reused.is_(False))  # another dossier's result reused here is a paper handed in
            )
            completed = any(effective_status(result) is DocumentStatus.VALID for result in results)
            due_set_by = session.scalars(
                select(DossierEvent.action)
                .where(DossierEvent.dossier_id == dossier.id, DossierEvent.due_at.is_not(None))
                .order_by(DossierEvent.id.desc())
                .limit(1)
            ).first()
            return DossierState(
                code=dossier.code,
                status=dossier.status,
                completed=completed,
                procedure_code=dossier.procedure_code,
                received_at=dossier.received_at,
                due_at=dossier.due_at,
                due_set_by=due_set_by,
            )

    def dossier_documents(self, code: str, actor: Actor) -> list[LinkedDocument]:
        """The documents of a dossier the actor may see, with the component each fills and whether it was reused;
        the look-up is recorded. NotFound for anyone else."""
        with self.sessions.begin() as session:
            dossier = _visible(session, code, actor)
            record_access(session, actor, "list", dossier_code=code)
            return _linked(session, dossier)

    def dossier_and_documents(self, code: str, actor: Actor) -> tuple[DossierRecord, list[LinkedDocument]]:
        """A dossier the actor may see and its documents, each read authorised and logged; NotFound names the
        dossier, or the first document the actor may not read."""
        read = self.read_dossier(code, actor, with_events=False)
        return read.dossier, read.documents

    def read_dossier(self, code: str, actor: Actor, *, with_events: bool = True) -> DossierRead:
        """A dossier the actor may see with its documents, its history and whether a valid result is stored, in
        one read (three statements: the dossier with its owner, its links with their documents and readability,
        its events); every document's read is logged before it returns. NotFound as `dossier_and_documents`."""
        with self.read_engine.connect() as connection:  # Core rows: this is the API's most frequent heavy read
            dossier: Row[Any] | None = connection.execute(_DOSSIER_ROW, {"code": code}).first()
            if dossier is None or not dossier_visible(actor, dossier.agency_code, dossier.owner_id):
                raise NotFound(f"no dossier {code}")
            rows = linked_documents(connection, dossier.id, actor)
            events = events_of(connection, dossier) if with_events else []
        for row in rows:
            if not row.readable:
                raise NotFound(f"no document {row.id}")
        linked = [
            LinkedDocument(
                document=document_record(row),
                component_name=row.component_name,
                reused=row.reused,
                attached_at=row.attached_at,
            )
            for row in rows
        ]
        completed = any(  # as `dossier_state`: a result of the dossier (not one reused from another) valid now
            row.kind == str(DocumentKind.RESULT) and not row.reused and effective_status(row) is DocumentStatus.VALID
            for row in rows
        )
        record = dossier_record(dossier)
        self.access_log.append([Link(actor, "view", item.document.id) for item in linked])
        return DossierRead(dossier=record, documents=linked, events=events, completed=completed)

    def attach(self, dossier_code: str, doc_id: str, component_name: str, actor: Actor) -> LinkedDocument:
        """Reuse a vault paper in a new dossier: a link (never a copy) and a reuse event in the access log.

        Refused when the paper is expired, revoked, cancelled or superseded, or when the dossier's applicant
        is neither its owner nor covered by the owner's grant to the dossier's agency for the actor's purpose.
        """
        with self.sessions.begin() as session:
            return link_reused(session, _visible(session, dossier_code, actor), doc_id, component_name, actor)
