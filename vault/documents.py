"""The door's document writes: a paper stored in its owner's vault, new versions, status changes and legal holds.

Every write is crash-safe (`vault.writes`: intent, object, one commit) and recorded in the access log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session

from core.types import Actor, DocumentKind, DocumentStatus, Role, SignatureLevel, Verdict
from vault import outbox
from vault.access import readable_document, versionable_document
from vault.audit import record_access
from vault.base import VaultBase
from vault.convert import document_record
from vault.errors import Conflict, Forbidden, IntegrityError, InvalidInput, NotFound
from vault.fsck import repair_intent
from vault.models import Document, DocumentVersion, Dossier, Owner, PendingWrite, utcnow
from vault.owners import check_owner_id, owner_row
from vault.records import DocumentRecord, NewDocument
from vault.retention import retain_until, retention_years
from vault.store.base import StoredObject
from vault.store.blocks import ContentDigest
from vault.store.verify import CHUNK
from vault.writes import actor_to_json, block_payload, complete_write

WRITER_ROLES = (Role.STATION, Role.HANDLER, Role.ADMIN)


def _digest(content: bytes | Path) -> tuple[str, int, dict[str, Any]]:
    """SHA-256 and size of the content, and its block digests as the intent's payload carries them."""
    digest = ContentDigest()
    if isinstance(content, bytes | bytearray):
        digest.update(content)
    elif not content.is_file():
        raise InvalidInput(f"no file {content.name} to store")
    else:
        with content.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest.sha256, digest.size, block_payload(digest.blocks())


def _level(level: SignatureLevel | None) -> str | None:
    """The signature level as an intent's payload carries it to the version row."""
    return level.value if level is not None else None


class DocumentWrites(VaultBase):
    """Stores, versions, status and legal holds of documents, behind the `Vault` door."""

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
        *,
        signature_level: SignatureLevel | None = None,
    ) -> DocumentRecord:
        """Store a paper in its owner's vault: object first, then one catalogue commit (fsck repairs a crash).

        A repeated `idempotency_key` returns the document already stored, never a second copy. `signature_level`:
        the level our signer reached for it (kept on the version row; None when no signer of ours signed it).
        """
        owner_id = check_owner_id(new.owner_id)
        new = new.model_copy(update={"owner_id": owner_id})
        self._check_writer(actor, owner_id, new.kind)
        if idempotency_key and (done := self._by_idempotency_key(idempotency_key)):
            return done
        recovered = bool(idempotency_key) and self._recover_stale_intent(str(idempotency_key))
        if recovered and (done := self._by_idempotency_key(str(idempotency_key))):
            return done  # a crashed earlier delivery had stored it: rolled forward
        sha256, size, blocks = _digest(content)
        if size == 0:
            raise InvalidInput("empty document")
        doc_id = uuid.uuid4().hex
        with self.sessions.begin() as session:
            owner = owner_row(session, owner_id, self._partition_key)
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
                    "signature_level": _level(signature_level),
                    **blocks,
                },
            )
            try:
                session.add(pending)
                session.flush()
            except DBIntegrityError as exc:
                raise Conflict("a write with this idempotency key is in progress; retry later") from exc
        self._put_and_complete(pending, content)
        return self._record(doc_id)

    def _recover_stale_intent(self, key: str) -> bool:
        """Repair a crashed earlier write with this idempotency key (older than the fsck grace period)."""
        cutoff = utcnow() - dt.timedelta(seconds=self.settings.fsck_grace_seconds)
        with self.reader() as session:
            stale = session.execute(
                select(PendingWrite.id).where(PendingWrite.idempotency_key == key, PendingWrite.created_at < cutoff)
            ).scalar_one_or_none()
        return stale is not None and repair_intent(self.sessions, self.store, stale) is not None

    def _record(self, doc_id: str) -> DocumentRecord:
        """The record of a document this write has just authorised and stored (not a logged read)."""
        with self.reader() as session:
            document = session.get(Document, doc_id)
            if document is None:
                raise NotFound(f"no document {doc_id}")
            return document_record(document)

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
        page_prints: list[str] | None = None,
        reason: str | None = None,
        signature_level: SignatureLevel | None = None,
    ) -> DocumentRecord:
        """A new version of a paper: the previous version is superseded and stays readable under retention; the
        `reason` (a result's correction) is kept in the access log beside the version, `signature_level` (the
        level our signer reached for these bytes) on the version row.

        Stations and handlers version only documents their agency's dossiers hold (`vault.access`). Sending the
        current version's bytes again (a retried pipeline step) adds no version and returns the record."""
        if actor.role not in WRITER_ROLES:
            raise Forbidden("this caller may not add versions")
        sha256, size, blocks = _digest(content)
        if size == 0:
            raise InvalidInput("empty document")
        with self.reader() as session:
            if versionable_document(session, doc_id, actor).sha256 == sha256:
                return self._record(doc_id)
        changes: dict[str, Any] = {
            "page_count": page_count,
            "signature_verdict": str(signature_verdict) if signature_verdict else None,
            "ocr_text": ocr_text,
            "extracted_fields": extracted_fields,
            "page_prints": page_prints,
        }
        with self.sessions.begin() as session:
            document = versionable_document(session, doc_id, actor)
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
                    "reason": " ".join((reason or "").split())[:400] or None,
                    "retain_until": self._retention(document.kind, document.type_code).isoformat(),
                    "legal_hold": False,
                    "signature_level": _level(signature_level),
                    **blocks,
                },
            )
            session.add(pending)
        self._put_and_complete(pending, content)
        return self._record(doc_id)

    def document_to_version(self, doc_id: str, actor: Actor) -> DocumentRecord:
        """The record of a document this actor may add a version to (`vault.access.versionable_document`)."""
        with self.reader() as session:
            return document_record(versionable_document(session, doc_id, actor))

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
            document = readable_document(session, doc_id, actor)
            if actor.role is Role.HANDLER and actor.agency_code not in (
                document.issuing_agency_code,
                self._source_agency(session, document),
            ):
                raise Forbidden("only the issuing agency changes a document's status")
            document.status = str(status)
            document.status_reason = reason
            record_access(session, actor, f"status:{status}", document_id=doc_id, detail=reason[:500])
            outbox.document_changed(session, document, "status")
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
