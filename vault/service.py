"""The `Vault` facade the pipeline and the API call: owners, dossiers, documents, reuse, grants, audit, fsck.

Every method opens its own transaction, authorises the `Actor`, records reads and writes in the hash-chained
access log, and returns plain records. Foreign documents raise `NotFound` (no existence oracle).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.identifiers import (
    InvalidIdentifier,
    owner_kind,
    owner_partition,
    validate_agency_code,
    validate_dossier_code,
    validate_personal_id,
    validate_procedure_code,
    validate_tax_code,
)
from core.logging import get_logger
from core.types import Actor, DocumentKind, DocumentStatus, Role, Verdict
from vault.access import PORTAL, document_granted, grantee_of, readable_documents, readable_ids
from vault.audit import GroupCommitLog, Link, record_access, verify_chain
from vault.codes import new_dossier_code
from vault.convert import (
    document_record,
    dossier_record,
    effective_status,
    grant_record,
    owner_record,
    version_record,
)
from vault.db import reader_factory
from vault.errors import Conflict, Forbidden, IntegrityError, InvalidInput, NotFound, ReuseRefused
from vault.models import (
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    Grant,
    Owner,
    PendingWrite,
    utcnow,
)
from vault.records import (
    DocumentFilters,
    DocumentRecord,
    DossierRecord,
    FsckReport,
    GrantRecord,
    LinkedDocument,
    NewDocument,
    OwnerRecord,
    Page,
    VersionRecord,
)
from vault.retention import retain_until, retention_years
from vault.settings import VaultSettings
from vault.store.base import ByteRange, ObjectStore, StoredObject
from vault.store.verify import CHUNK, VerifiedContent
from vault.writes import WriteHooks, actor_to_json, complete_write

log = get_logger(__name__)

WRITER_ROLES = (Role.STATION, Role.HANDLER, Role.ADMIN)
UNUSABLE = (
    DocumentStatus.EXPIRED,
    DocumentStatus.REVOKED,
    DocumentStatus.CANCELLED,
    DocumentStatus.SUPERSEDED,
)


def _digest(content: bytes | Path) -> tuple[str, int]:
    if isinstance(content, bytes | bytearray):
        return hashlib.sha256(content).hexdigest(), len(content)
    if not content.is_file():
        raise InvalidInput(f"no file {content.name} to store")
    digest = hashlib.sha256()
    size = 0
    with content.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_owner_id(owner_id: str) -> str:
    try:
        kind = owner_kind(owner_id)
        if kind == "person":
            validate_personal_id(owner_id)
        else:
            owner_id = validate_tax_code(owner_id)
    except InvalidIdentifier as exc:
        raise InvalidInput(str(exc)) from exc
    return owner_id


class Vault:
    """Each owner's papers and results: kept write-once in the object store, catalogued, reusable."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: ObjectStore,
        settings: VaultSettings,
        *,
        hooks: WriteHooks | None = None,
    ) -> None:
        self.sessions = sessions
        self.reader = reader_factory(sessions)
        self.store = store
        self.settings = settings
        self.hooks = hooks or WriteHooks()
        self.access_log = GroupCommitLog(sessions)
        self._partition_key = settings.partition_key()

    # -- owners and dossiers --------------------------------------------------------------------------
    def _owner(self, session: Session, owner_id: str, display_name: str | None = None) -> Owner:
        owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
        if owner is None:
            owner_id = _check_owner_id(owner_id)
            owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
        if owner is None:
            owner = Owner(
                owner_id=owner_id,
                partition=owner_partition(owner_id, self._partition_key),
                kind=owner_kind(owner_id),
                display_name=display_name,
            )
            session.add(owner)
            session.flush()
        elif display_name and owner.display_name != display_name:
            owner.display_name = display_name
        return owner

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
    ) -> DossierRecord:
        """Register a dossier; its code `<agency>-YYMMDD-XXXX` is generated when not supplied."""
        try:
            validate_agency_code(agency_code)
            validate_procedure_code(procedure_code)
            if code is not None:
                validate_dossier_code(code)
        except InvalidIdentifier as exc:
            raise InvalidInput(str(exc)) from exc
        moment = received_at or utcnow()
        if moment.tzinfo is None:
            raise InvalidInput("received_at must be timezone-aware")
        self.ensure_owner(owner_id)
        for _ in range(20):
            try:
                with self.sessions.begin() as session:
                    owner = self._owner(session, owner_id)
                    dossier = Dossier(
                        code=code or new_dossier_code(session, agency_code, moment),
                        agency_code=agency_code,
                        procedure_code=procedure_code,
                        owner_pk=owner.id,
                        received_at=moment,
                        status="received",
                    )
                    session.add(dossier)
                    session.flush()
                    return dossier_record(dossier)
            except DBIntegrityError as exc:
                if code is not None:
                    raise Conflict(f"dossier code {code} is already taken") from exc
        raise Conflict("could not allocate a dossier code (sequence taken by supplied codes)")

    def open_dossier(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        code: str | None = None,
        owner_name: str | None = None,
        actor: Actor | None = None,
    ) -> DossierRecord:
        """The dossier `code` if it exists (same agency), else a new one; the owner's name is recorded."""
        self.ensure_owner(owner_id, owner_name)
        if code is not None:
            with self.sessions() as session:
                found = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
                if found is not None:
                    if found.agency_code != agency_code or found.owner.owner_id != owner_id:
                        raise Conflict(f"dossier {code} belongs to another agency or owner")
                    return dossier_record(found)
        try:
            return self.create_dossier(agency_code, procedure_code, owner_id, code=code)
        except Conflict:
            if code is None:
                raise
            return self.get_dossier(code)  # created concurrently by another request

    def get_dossier(self, code: str) -> DossierRecord:
        with self.reader() as session:
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
            if dossier is None:
                raise NotFound(f"no dossier {code}")
            return dossier_record(dossier)

    # -- writes ---------------------------------------------------------------------------------------
    def object_key(self, partition: str, doc_id: str, number: int) -> str:
        """`<keyed hash of the owner id>/<document id>/v<n>.pdf` — the personal ID never appears in clear."""
        return f"{partition}/{doc_id}/v{number}.pdf"

    def _retention(self, kind: str, type_code: str | None) -> dt.datetime:
        years = retention_years(self.settings.retention_years, self.settings.default_retention_years, kind, type_code)
        return retain_until(years)

    def _check_writer(self, actor: Actor, owner_id: str, kind: DocumentKind) -> None:
        if actor.role in WRITER_ROLES:
            return
        if actor.role is Role.CITIZEN and actor.owner_id == owner_id and kind is DocumentKind.CITIZEN_UPLOAD:
            return
        raise Forbidden("this caller may not store documents in this vault")

    def store_document(
        self,
        new: NewDocument,
        content: bytes | Path,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> DocumentRecord:
        """Store a paper in its owner's vault: object first, then one catalogue commit (fsck repairs a crash).

        A repeated `idempotency_key` returns the document already stored, never a second copy.
        """
        owner_id = _check_owner_id(new.owner_id)
        new = new.model_copy(update={"owner_id": owner_id})
        self._check_writer(actor, owner_id, new.kind)
        if idempotency_key and (done := self._by_idempotency_key(idempotency_key)):
            return done
        recovered = bool(idempotency_key) and self._recover_stale_intent(str(idempotency_key))
        if recovered and (done := self._by_idempotency_key(str(idempotency_key))):
            return done  # a crashed earlier delivery had stored it: rolled forward
        sha256, size = _digest(content)
        if size == 0:
            raise InvalidInput("empty document")
        doc_id = uuid.uuid4().hex
        with self.sessions.begin() as session:
            owner = self._owner(session, owner_id)
            self._check_references(session, new, owner, actor)
            pending = PendingWrite(
                id=uuid.uuid4().hex,
                object_key=self.object_key(owner.partition, doc_id, 1),
                sha256=sha256,
                size=size,
                idempotency_key=idempotency_key,
                payload={
                    "op": "create",
                    "doc_id": doc_id,
                    "number": 1,
                    "new": new.model_dump(mode="json"),
                    "actor": actor_to_json(actor),
                    "retain_until": self._retention(str(new.kind), new.type_code).isoformat(),
                    "legal_hold": new.legal_hold,
                },
            )
            try:
                session.add(pending)
                session.flush()
            except DBIntegrityError as exc:
                raise Conflict("a write with this idempotency key is in progress; retry later") from exc
        self._put_and_complete(pending, content)
        return self.get_document(doc_id, Actor(subject="system", role=Role.ADMIN), log_read=False)

    def _recover_stale_intent(self, key: str) -> bool:
        """Repair a crashed earlier write with this idempotency key (older than the fsck grace period)."""
        from vault.fsck import repair_intent

        cutoff = utcnow() - dt.timedelta(seconds=self.settings.fsck_grace_seconds)
        with self.reader() as session:
            stale = session.execute(
                select(PendingWrite.id).where(PendingWrite.idempotency_key == key, PendingWrite.created_at < cutoff)
            ).scalar_one_or_none()
        return stale is not None and repair_intent(self.sessions, self.store, stale) is not None

    def _by_idempotency_key(self, key: str) -> DocumentRecord | None:
        with self.reader() as session:
            document = session.execute(select(Document).where(Document.idempotency_key == key)).scalar_one_or_none()
            return document_record(document) if document else None

    def _check_references(self, session: Session, new: NewDocument, owner: Owner, actor: Actor) -> None:
        if new.source_dossier_code:
            dossier = session.execute(
                select(Dossier).where(Dossier.code == new.source_dossier_code)
            ).scalar_one_or_none()
            if dossier is None:
                raise NotFound(f"no dossier {new.source_dossier_code}")
            if actor.role in (Role.STATION, Role.HANDLER) and dossier.agency_code != actor.agency_code:
                raise NotFound(f"no dossier {new.source_dossier_code}")
        if new.supersedes:
            old = session.get(Document, new.supersedes)
            if old is None or old.owner_pk != owner.id:
                raise NotFound("the superseded document does not exist in this owner's vault")
        if new.result_code:
            taken = session.execute(select(Document.id).where(Document.result_code == new.result_code)).first()
            if taken:
                raise Conflict(f"result code {new.result_code} is already used")

    def _put_and_complete(self, pending: PendingWrite, content: bytes | Path) -> None:
        if self.hooks.before_put:
            self.hooks.before_put(pending.object_key)
        try:
            stored = self.store.put(
                pending.object_key,
                content,
                retain_until=dt.datetime.fromisoformat(pending.payload["retain_until"]),
                legal_hold=bool(pending.payload.get("legal_hold")),
                new_key=True,  # document id + version number: never written before
            )
        except BaseException:
            with self.sessions.begin() as session:
                session.execute(delete(PendingWrite).where(PendingWrite.id == pending.id))
            raise
        if stored.sha256 != pending.sha256:
            raise IntegrityError("content changed while it was being stored")
        if self.hooks.after_put:
            self.hooks.after_put(stored)
        self._complete(pending.id, stored)

    def _complete(self, pending_id: str, stored: StoredObject) -> None:
        with self.sessions.begin() as session:
            pending = session.get(PendingWrite, pending_id, with_for_update=True)
            if pending is None:
                raise Conflict("the write was completed or rolled back by fsck meanwhile")
            complete_write(session, pending, stored.version_id)

    def new_version(
        self,
        doc_id: str,
        content: bytes | Path,
        actor: Actor,
        *,
        page_count: int | None = None,
        signature_verdict: Verdict | None = None,
        ocr_text: str | None = None,
        extracted_fields: dict[str, Any] | None = None,
    ) -> DocumentRecord:
        """A new version of a paper: the previous version is superseded and stays readable under retention."""
        if actor.role not in WRITER_ROLES:
            raise Forbidden("this caller may not add versions")
        sha256, size = _digest(content)
        if size == 0:
            raise InvalidInput("empty document")
        changes: dict[str, Any] = {
            "page_count": page_count,
            "signature_verdict": str(signature_verdict) if signature_verdict else None,
            "ocr_text": ocr_text,
            "extracted_fields": extracted_fields,
        }
        with self.sessions.begin() as session:
            document = self._readable(session, doc_id, actor)
            current = session.execute(  # locks the row: version numbering of a document is serialised
                select(Document.current_version).where(Document.id == doc_id).with_for_update()
            ).scalar_one()
            number = self._next_version_number(session, doc_id, current)
            pending = PendingWrite(
                id=uuid.uuid4().hex,
                object_key=self.object_key(document.owner.partition, doc_id, number),
                sha256=sha256,
                size=size,
                payload={
                    "op": "version",
                    "doc_id": doc_id,
                    "number": number,
                    "changes": {k: v for k, v in changes.items() if v is not None},
                    "actor": actor_to_json(actor),
                    "retain_until": self._retention(document.kind, document.type_code).isoformat(),
                    "legal_hold": False,
                },
            )
            session.add(pending)
        self._put_and_complete(pending, content)
        return self.get_document(doc_id, actor, log_read=False)

    @staticmethod
    def _next_version_number(session: Session, doc_id: str, current: int) -> int:
        """One past the current version and any version still being written (pending intents)."""
        pending = session.execute(
            select(PendingWrite.payload).where(PendingWrite.object_key.like(f"%/{doc_id}/v%"))
        ).scalars()
        return max([current, *(int(p.get("number", 0)) for p in pending)]) + 1

    def set_status(self, doc_id: str, status: DocumentStatus, reason: str, actor: Actor) -> DocumentRecord:
        """Cancel, revoke (or restore) a paper; the record and its bytes stay stored for look-up."""
        if actor.role not in (Role.ADMIN, Role.HANDLER):
            raise Forbidden("only handlers and administrators change a document's status")
        if status in (DocumentStatus.EXPIRED, DocumentStatus.SUPERSEDED):
            raise InvalidInput("expired and superseded follow from dates and new papers; they are not set")
        with self.sessions.begin() as session:
            document = self._readable(session, doc_id, actor)
            if actor.role is Role.HANDLER and actor.agency_code not in (
                document.issuing_agency_code,
                self._source_agency(session, document),
            ):
                raise Forbidden("only the issuing agency changes a document's status")
            document.status = str(status)
            document.status_reason = reason
            record_access(session, actor, f"status:{status}", document_id=doc_id, detail=reason[:500])
            return document_record(document)

    @staticmethod
    def _source_agency(session: Session, document: Document) -> str | None:
        if not document.source_dossier_code:
            return None
        return session.execute(
            select(Dossier.agency_code).where(Dossier.code == document.source_dossier_code)
        ).scalar_one_or_none()

    def set_legal_hold(self, doc_id: str, on: bool, actor: Actor) -> None:
        """Set or lift the legal hold on every version of a document (administrators only)."""
        if actor.role is not Role.ADMIN:
            raise Forbidden("only administrators set or lift a legal hold")
        with self.sessions.begin() as session:
            if session.get(Document, doc_id) is None:
                raise NotFound(f"no document {doc_id}")
            versions = session.execute(select(DocumentVersion).where(DocumentVersion.document_id == doc_id))
            for version in versions.scalars():
                self.store.set_legal_hold(version.object_key, version.object_version_id, on)
                version.legal_hold = on
            record_access(session, actor, "legal_hold:set" if on else "legal_hold:clear", document_id=doc_id)

    # -- reads ----------------------------------------------------------------------------------------
    def _readable(self, session: Session, doc_id: str, actor: Actor) -> Document:
        """The document, fetched and authorised in one statement; NotFound when absent or not readable."""
        found = readable_documents(session, [doc_id], actor)
        if not found:
            raise NotFound(f"no document {doc_id}")
        return found[0]

    def get_document(self, doc_id: str, actor: Actor, *, log_read: bool = True) -> DocumentRecord:
        """The catalogue record of a document the actor may read (the read is logged unless `log_read=False`,
        for callers that log the read they are about to make themselves)."""
        with self.reader() as session:  # no write lock while authorising
            record = document_record(self._readable(session, doc_id, actor))
        if log_read:  # committed before the record is returned, in a transaction shared with concurrent reads
            self.access_log.append([Link(actor, "view", doc_id)])
        return record

    def record_reads(self, doc_ids: list[str], actor: Actor) -> None:
        """Authorise and log the reads of documents whose records the caller fetched by another way (a dossier's
        listing) before showing them; NotFound names the first the actor may not read."""
        with self.reader() as session:
            readable = readable_ids(session, doc_ids, actor)
        for doc_id in doc_ids:
            if doc_id not in readable:
                raise NotFound(f"no document {doc_id}")
        self.access_log.append([Link(actor, "view", doc_id) for doc_id in doc_ids])

    def document_versions(self, doc_id: str, actor: Actor) -> list[VersionRecord]:
        """Every stored version of a document the actor may read, oldest first."""
        with self.reader() as session:
            self._readable(session, doc_id, actor)
            rows = session.execute(
                select(DocumentVersion).where(DocumentVersion.document_id == doc_id).order_by(DocumentVersion.number)
            )
            return [version_record(v) for v in rows.scalars()]

    def open_content(
        self, doc_id: str, actor: Actor, byte_range: ByteRange | None = None, version: int | None = None
    ) -> VerifiedContent:
        """The verified PDF bytes (or a byte range) of the current or a given version; the read is logged.

        Raises IntegrityError (and alerts) when the stored bytes fail their SHA-256; nothing is served then.
        """
        with self.sessions.begin() as session:
            document = self._readable(session, doc_id, actor)
            number = version or document.current_version
            row = session.execute(
                select(DocumentVersion).where(DocumentVersion.document_id == doc_id, DocumentVersion.number == number)
            ).scalar_one_or_none()
            if row is None:
                raise NotFound(f"no version {number} of document {doc_id}")
            record_access(session, actor, "read", document_id=doc_id, detail=f"v{number}")
            key, version_id, sha256 = row.object_key, row.object_version_id, row.sha256
        try:
            return self.store.open(key, version_id, sha256, byte_range)
        except IntegrityError:
            with self.sessions.begin() as session:
                record_access(session, actor, "integrity_error", document_id=doc_id, detail=f"v{number}")
            raise

    def list_owner_documents(
        self,
        owner_id: str,
        filters: DocumentFilters | None = None,
        page: Page | None = None,
        actor: Actor | None = None,
    ) -> list[DocumentRecord]:
        """One owner's vault, newest first. With an `actor`, only the owner or an admin may list, and the
        listing is recorded in the access log; without one the caller (the API) has authorised it."""
        owner_id = _check_owner_id(owner_id)
        filters = filters or DocumentFilters()
        page = page or Page()
        if actor is not None:
            if actor.role is not Role.ADMIN and not (actor.role is Role.CITIZEN and actor.owner_id == owner_id):
                raise Forbidden("only the owner lists their vault")
            with self.sessions.begin() as session:
                record_access(session, actor, "list", detail="owner vault")
        with self.reader() as session:
            query = select(Document).join(Owner, Owner.id == Document.owner_pk).where(Owner.owner_id == owner_id)
            if filters.kind:
                query = query.where(Document.kind == str(filters.kind))
            if filters.type_code:
                query = query.where(Document.type_code == filters.type_code)
            if filters.status and filters.status is not DocumentStatus.EXPIRED:
                query = query.where(Document.status == str(filters.status))
            query = query.order_by(Document.created_at.desc(), Document.id).offset(page.offset).limit(page.limit)
            records = [document_record(d) for d in session.execute(query).scalars()]
        if filters.status:
            records = [r for r in records if r.status is filters.status]
        return records

    def dossier_documents(self, code: str, actor: Actor | None = None) -> list[LinkedDocument]:
        """The documents of a dossier, with the component each fills and whether it was reused.

        With an `actor`, only the dossier's owner, its agency's staff or an admin see them (others: NotFound)
        and the look-up is recorded; without one the caller (the API) has authorised it."""
        if actor is not None:
            with self.sessions.begin() as session:
                dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
                if dossier is None or not self._may_act_on(dossier, actor):
                    raise NotFound(f"no dossier {code}")
                record_access(session, actor, "list", dossier_code=code)
        try:
            return self.dossier_and_documents(code)[1]
        except NotFound:
            return []

    def dossier_and_documents(self, code: str) -> tuple[DossierRecord, list[LinkedDocument]]:
        """A dossier and its documents (component names, reuse) in one query; the caller authorises."""
        with self.reader() as session:
            rows = session.execute(
                select(Dossier, DossierDocument, Document)
                .outerjoin(DossierDocument, DossierDocument.dossier_id == Dossier.id)
                .outerjoin(Document, Document.id == DossierDocument.document_id)
                .where(Dossier.code == code)
                .order_by(DossierDocument.id)
            ).all()
            if not rows:
                raise NotFound(f"no dossier {code}")
            linked = [
                LinkedDocument(
                    document=document_record(doc),
                    component_name=link.component_name,
                    reused=link.reused,
                    attached_at=link.attached_at,
                )
                for _dossier, link, doc in rows
                if link is not None
            ]
            return dossier_record(rows[0][0]), linked

    # -- reuse ----------------------------------------------------------------------------------------
    def attach(self, dossier_code: str, doc_id: str, component_name: str, actor: Actor) -> LinkedDocument:
        """Reuse a vault paper in a new dossier: a link (never a copy) and a reuse event in the access log.

        Refused when the paper is expired, revoked, cancelled or superseded, or when the dossier's applicant
        is neither its owner nor covered by the owner's grant to the dossier's agency for the actor's purpose.
        """
        with self.sessions.begin() as session:
            dossier = session.execute(select(Dossier).where(Dossier.code == dossier_code)).scalar_one_or_none()
            if dossier is None or not self._may_act_on(dossier, actor):
                raise NotFound(f"no dossier {dossier_code}")
            document = session.get(Document, doc_id)
            if document is None:
                raise NotFound(f"no document {doc_id}")
            own = document.owner_pk == dossier.owner_pk
            granted = document_granted(session, document.id, dossier.agency_code, actor.purpose)
            if not (own or granted or actor.role is Role.ADMIN):
                raise NotFound(f"no document {doc_id}")
            status = effective_status(document)
            if status in UNUSABLE:
                raise ReuseRefused(f"document {doc_id} is {status} and cannot be reused")
            link = DossierDocument(
                dossier_id=dossier.id,
                document_id=doc_id,
                component_name=component_name,
                reused=True,
                attached_by=actor.subject,
            )
            session.add(link)
            try:
                session.flush()
            except DBIntegrityError as exc:
                raise Conflict("the document is already attached to this dossier") from exc
            record_access(session, actor, "reuse", document_id=doc_id, dossier_code=dossier_code)
            return LinkedDocument(
                document=document_record(document),
                component_name=component_name,
                reused=True,
                attached_at=link.attached_at,
            )

    @staticmethod
    def _may_act_on(dossier: Dossier, actor: Actor) -> bool:
        if actor.role is Role.ADMIN:
            return True
        if actor.role is Role.CITIZEN:
            return actor.owner_id == dossier.owner.owner_id
        return actor.role in (Role.STATION, Role.HANDLER) and actor.agency_code == dossier.agency_code

    # -- grants ---------------------------------------------------------------------------------------
    def create_grant(
        self,
        owner_id: str,
        grantee: str,
        purpose: str,
        valid_until: dt.datetime,
        actor: Actor,
        *,
        document_id: str | None = None,
        type_code: str | None = None,
    ) -> GrantRecord:
        """Record the owner's explicit consent: one grantee (agency code or "portal"), purpose and scope."""
        if actor.role is not Role.ADMIN and not (actor.role is Role.CITIZEN and actor.owner_id == owner_id):
            raise Forbidden("only the owner grants access to their vault")
        if not purpose.strip():
            raise InvalidInput("a grant states its purpose")
        if bool(document_id) == bool(type_code):
            raise InvalidInput("a grant names either one document or one document type")
        if valid_until.tzinfo is None or valid_until <= utcnow():
            raise InvalidInput("a grant needs a timezone-aware end in the future")
        if grantee != PORTAL:
            try:
                validate_agency_code(grantee)
            except InvalidIdentifier as exc:
                raise InvalidInput(str(exc)) from exc
        with self.sessions.begin() as session:
            owner = self._owner(session, owner_id)
            if document_id:
                document = session.get(Document, document_id)
                if document is None or document.owner_pk != owner.id:
                    raise NotFound(f"no document {document_id}")
            grant = Grant(
                owner_pk=owner.id,
                grantee=grantee,
                document_id=document_id,
                type_code=type_code,
                purpose=purpose.strip(),
                valid_until=valid_until,
                created_by=actor.subject,
            )
            session.add(grant)
            session.flush()
            record_access(session, actor, "grant", document_id=document_id, detail=f"grant {grant.id}")
            return grant_record(grant, owner.owner_id)

    def list_grants(self, owner_id: str, actor: Actor, *, active_only: bool = False) -> list[GrantRecord]:
        if actor.role is not Role.ADMIN and not (actor.role is Role.CITIZEN and actor.owner_id == owner_id):
            raise Forbidden("only the owner lists their grants")
        with self.reader() as session:
            rows = session.execute(
                select(Grant).join(Owner, Owner.id == Grant.owner_pk).where(Owner.owner_id == owner_id)
            )
            grants = [grant_record(g, owner_id) for g in rows.scalars()]
        return [g for g in grants if g.active] if active_only else grants

    def revoke_grant(self, grant_id: int, actor: Actor) -> GrantRecord:
        """Withdraw consent from now on (the grant row stays, with its revocation time)."""
        with self.sessions.begin() as session:
            grant = session.get(Grant, grant_id)
            owner = session.get(Owner, grant.owner_pk) if grant else None
            if grant is None or owner is None:
                raise NotFound(f"no grant {grant_id}")
            if actor.role is not Role.ADMIN and not (actor.role is Role.CITIZEN and actor.owner_id == owner.owner_id):
                raise NotFound(f"no grant {grant_id}")
            if grant.revoked_at is None:
                grant.revoked_at = utcnow()
                record_access(session, actor, "revoke_grant", document_id=grant.document_id, detail=f"grant {grant_id}")
            return grant_record(grant, owner.owner_id)

    def check_grant(self, doc_id: str, actor: Actor) -> bool:
        """True when an active grant lets this actor's agency (or the portal) read it for its purpose."""
        grantee = grantee_of(actor)
        if grantee is None:
            return False
        with self.reader() as session:
            return document_granted(session, doc_id, grantee, actor.purpose)

    # -- integrity ------------------------------------------------------------------------------------
    def verify_audit_chain(self) -> list[int]:
        """Ids of access-log rows that break the hash chain ([] when intact; 0 means rows cut off the end)."""
        with self.reader() as session:
            return verify_chain(session)

    def fsck(
        self, repair: bool = False, grace_seconds: float | None = None, *, verify_hashes: bool = True
    ) -> FsckReport:
        """Check store and catalogue agree (see `vault.fsck`); safe to run any time.

        `verify_hashes=False` only checks that each version exists (no full read of every object)."""
        from vault.fsck import run_fsck

        grace = self.settings.fsck_grace_seconds if grace_seconds is None else grace_seconds
        return run_fsck(self.sessions, self.store, repair=repair, grace_seconds=grace, verify_hashes=verify_hashes)
