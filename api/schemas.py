"""Response models of the retrieval API: what handlers, citizens and the portal see of a document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from vault.records import DocumentRecord, DossierRecord, LinkedDocument, PublicDocument


class DocumentOut(PublicDocument):
    """The public contract of a document: `PublicDocument` (the record without its OCR text and fields) and its URI."""

    uri: str  # stable: issuing agency, document type and id; resolvable with GET


def stable_path(record: DocumentRecord) -> str:
    agency = record.issuing_agency_code or "-"
    type_code = record.type_code or "-"
    return f"/api/v1/d/{agency}/{type_code}/{record.id}"


_PUBLIC = tuple(PublicDocument.model_fields)


def document_out(record: DocumentRecord) -> DocumentOut:
    """The record's public fields and its URI; not validated again (the record was, field by field: a dossier
    read makes one per document)."""
    data: dict[str, Any] = {name: getattr(record, name) for name in _PUBLIC}
    return DocumentOut.model_construct(uri=stable_path(record), **data)


class DossierDocumentOut(BaseModel):
    component_name: str | None
    reused: bool
    attached_at: dt.datetime
    document: DocumentOut


def dossier_documents_out(linked: list[LinkedDocument]) -> list[DossierDocumentOut]:
    """A dossier's documents as the API shows them: each with its component name, whether it was reused, when."""
    return [
        DossierDocumentOut(
            component_name=link.component_name,
            reused=link.reused,
            attached_at=link.attached_at,
            document=document_out(link.document),
        )
        for link in linked
    ]


class DossierOut(DossierRecord):
    """A dossier's record (`vault.records.DossierRecord`) and its documents."""

    documents: list[DossierDocumentOut]


class TextOut(BaseModel):
    id: str
    text: str


class FieldsOut(BaseModel):
    id: str
    fields: dict[str, Any]
