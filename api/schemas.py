"""Response models of the retrieval API: what handlers, citizens and the portal see of a document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from core.types import DocumentKind, DocumentStatus, Verdict
from vault.records import DocumentRecord


class DocumentOut(BaseModel):
    id: str
    uri: str  # stable: issuing agency, document type and id; resolvable with GET
    owner_id: str
    name: str
    kind: DocumentKind
    type_code: str | None
    number_symbol: str | None
    issuing_agency_code: str | None
    issue_date: dt.date | None
    valid_until: dt.date | None
    permanent: bool
    validity_scope: str | None
    result_code: str | None
    source_dossier_code: str | None
    procedure_code: str | None
    digitised_by: str | None
    digitised_at: dt.datetime | None
    page_count: int | None
    size: int
    sha256: str
    signature_verdict: Verdict | None
    status: DocumentStatus
    status_reason: str | None
    current_version: int
    supersedes_id: str | None
    superseded_by_id: str | None
    created_at: dt.datetime


def stable_path(record: DocumentRecord) -> str:
    agency = record.issuing_agency_code or "-"
    type_code = record.type_code or "-"
    return f"/api/v1/d/{agency}/{type_code}/{record.id}"


def document_out(record: DocumentRecord) -> DocumentOut:
    data: dict[str, Any] = record.model_dump(exclude={"ocr_text", "extracted_fields"})
    return DocumentOut(uri=stable_path(record), **data)


class DossierDocumentOut(BaseModel):
    component_name: str | None
    reused: bool
    attached_at: dt.datetime
    document: DocumentOut


class DossierOut(BaseModel):
    code: str
    agency_code: str
    procedure_code: str
    owner_id: str
    received_at: dt.datetime
    status: str
    documents: list[DossierDocumentOut]


class TextOut(BaseModel):
    id: str
    text: str


class FieldsOut(BaseModel):
    id: str
    fields: dict[str, Any]
