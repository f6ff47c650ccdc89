"""ORM rows to the plain records the vault hands out (so no session or lazy load leaks to callers)."""

from __future__ import annotations

import datetime as dt

from core.timezone import now_vn
from core.types import DocumentKind, DocumentStatus, Verdict
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


def document_record(document: Document) -> DocumentRecord:
    return DocumentRecord(
        id=document.id,
        owner_id=document.owner.owner_id,
        name=document.name,
        kind=DocumentKind(document.kind),
        type_code=document.type_code,
        number_symbol=document.number_symbol,
        issuing_agency_code=document.issuing_agency_code,
        issue_date=document.issue_date,
        valid_until=document.valid_until,
        permanent=document.permanent,
        validity_scope=document.validity_scope,
        result_code=document.result_code,
        source_dossier_code=document.source_dossier_code,
        procedure_code=document.procedure_code,
        digitised_by=document.digitised_by,
        digitised_at=document.digitised_at,
        page_count=document.page_count,
        size=document.size,
        sha256=document.sha256,
        signature_verdict=Verdict(document.signature_verdict) if document.signature_verdict else None,
        ocr_text=document.ocr_text,
        extracted_fields=dict(document.extracted_fields or {}),
        status=effective_status(document),
        status_reason=document.status_reason,
        current_version=document.current_version,
        supersedes_id=document.supersedes_id,
        superseded_by_id=document.superseded_by_id,
        created_at=document.created_at,
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
