"""ORM rows, and the Core rows of the API's hottest reads, to the plain records the vault hands out (so no
session or lazy load leaks to callers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, Row, Table

from core.timezone import now_vn
from core.types import DocumentStatus
from vault.models import Document, DocumentVersion, Dossier, Grant, Owner
from vault.records import DocumentRecord, DossierRecord, GrantRecord, OwnerRecord, VersionRecord


def effective_status(document: Document | Row[Any], today: dt.date | None = None) -> DocumentStatus:
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


_DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]
# What a record is read from, for Core reads: these columns of `documents` and the owner's `owner_id`.
RECORD_COLUMNS: tuple[Column[Any], ...] = tuple(_DOCUMENTS.c[name] for name in (*_COPIED, "status", "extracted_fields"))


def _owner_id(row: Document | Dossier | Row[Any]) -> str:
    """The owner's id: through the ORM row's joined owner, or the Core row's `owner_id` column."""
    return str(row.owner.owner_id if isinstance(row, Document | Dossier) else row.owner_id)


def document_record(document: Document | Row[Any]) -> DocumentRecord:
    """Every field of `DocumentRecord` read from the row of the same name, but the owner, the effective status
    and the fields OCR extracted (never None). `document`: an ORM row, or a Core row of `RECORD_COLUMNS` and
    `owner_id`."""
    values = {name: getattr(document, name) for name in _COPIED}
    return DocumentRecord.model_validate(
        {
            **values,
            "owner_id": _owner_id(document),
            "status": effective_status(document),
            "extracted_fields": dict(document.extracted_fields or {}),
        }
    )


def version_record(version: DocumentVersion) -> VersionRecord:
    return VersionRecord(
        number=version.number,
        sha256=version.sha256,
        size=version.size,
        signature_level=version.signature_level,
        retain_until=version.retain_until,
        legal_hold=version.legal_hold,
        created_at=version.created_at,
        superseded_at=version.superseded_at,
    )


def dossier_record(dossier: Dossier | Row[Any]) -> DossierRecord:
    """From an ORM row, or a Core row of the `dossiers` columns and `owner_id`."""
    return DossierRecord(
        code=dossier.code,
        agency_code=dossier.agency_code,
        procedure_code=dossier.procedure_code,
        owner_id=_owner_id(dossier),
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
