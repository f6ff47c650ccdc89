"""ORM rows to the plain records the vault hands out (so no session or lazy load leaks to callers)."""

from __future__ import annotations

import datetime as dt

from core.timezone import now_vn
from core.types import DocumentStatus
from vault.models import Document, DocumentVersion, Dossier, Grant, Owner
from vault.records import DocumentRecord, DossierRecord, GrantRecord, OwnerRecord, VersionRecord


def effective_status(document: Document, today: dt.date | None = None) -> DocumentStatus:
    """A valid, non-permanent paper whose validity has run out reads as expired."""
    status = DocumentStatus(document.status)
    day = today or now_vn().date()
    lapsed = document.valid_until is not None and document.valid_until < day
    if status is DocumentStatus.VALID and not document.permanent and lapsed:
        return DocumentStatus.EXPIRED
    return status


def owner_record(owner: Owner) -> OwnerRecord:
    return OwnerRecord(owner_id=owner.owner_id, kind=owner.kind, display_name=owner.display_name)


_DERIVED = frozenset({"owner_id", "status", "extracted_fields"})
_COPIED = tuple(name for name in DocumentRecord.model_fields if name not in _DERIVED)


def document_record(document: Document) -> DocumentRecord:
    """Every field of `DocumentRecord` read from the row of the same name, but the owner, the effective status
    and the fields OCR extracted (never None)."""
    values = {name: getattr(document, name) for name in _COPIED}
    return DocumentRecord.model_validate(
        {
            **values,
            "owner_id": document.owner.owner_id,
            "status": effective_status(document),
            "extracted_fields": dict(document.extracted_fields or {}),
        }
    )


def version_record(version: DocumentVersion) -> VersionRecord:
    return VersionRecord(
        number=version.number,
        sha256=version.sha256,
        size=version.size,
        retain_until=version.retain_until,
        legal_hold=version.legal_hold,
        created_at=version.created_at,
        superseded_at=version.superseded_at,
    )


def dossier_record(dossier: Dossier) -> DossierRecord:
    return DossierRecord(
        code=dossier.code,
        agency_code=dossier.agency_code,
        procedure_code=dossier.procedure_code,
        owner_id=dossier.owner.owner_id,
        received_at=dossier.received_at,
        status=dossier.status,
        department=dossier.department,
        due_at=dossier.due_at,
        channel=dossier.channel,
    )


def grant_record(grant: Grant, owner_id: str) -> GrantRecord:
    return GrantRecord(
        id=grant.id,
        owner_id=owner_id,
        grantee=grant.grantee,
        document_id=grant.document_id,
        type_code=grant.type_code,
        purpose=grant.purpose,
        valid_until=grant.valid_until,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
    )
