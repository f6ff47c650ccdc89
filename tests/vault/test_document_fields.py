"""A document's fields are defined once (`vault.records.DocumentFields`): every one given when a paper is stored
comes back from the catalogue (SQLite and PostgreSQL), and the API's public record is exactly the vault's record
without the OCR text and fields, plus its URI.
"""

from __future__ import annotations

import datetime as dt

from api.schemas import DocumentOut, document_out
from core.types import Actor, DocumentKind, Role, Verdict
from tests.vault.conftest import AGENCY, PERSON, PROCEDURE
from vault.records import DocumentFields, DocumentRecord, NewDocument, PublicDocument
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
PDF = b"%PDF-1.7 fields test\n%%EOF\n"


def test_every_catalogue_field_stored_is_read_back(vault: Vault) -> None:
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    given = DocumentFields(
        name="Giấy phép xây dựng",
        kind=DocumentKind.RESULT,
        type_code="GPXD",
        number_symbol="12/GPXD-UBND",
        issuing_agency_code=AGENCY,
        issue_date=dt.date(2026, 11, 2),
        valid_until=dt.date(2036, 11, 2),
        permanent=False,
        validity_scope="Toàn quốc",
        result_code=f"{dossier.code}-KQ7",
        source_dossier_code=dossier.code,
        procedure_code=PROCEDURE,
        digitised_by="station-1",
        digitised_at=dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC),
        page_count=3,
        signature_verdict=Verdict.TOTAL_PASSED,
    )
    new = NewDocument(owner_id=PERSON, ocr_text="văn bản", extracted_fields={"n": 1}, **given.model_dump())
    record = vault.get_document(vault.store_document(new, PDF, STATION).id, STATION)
    assert DocumentFields.model_validate(record.model_dump(include=set(DocumentFields.model_fields))) == given
    assert (record.ocr_text, record.extracted_fields) == ("văn bản", {"n": 1})
    out = document_out(record)
    assert out.model_dump(exclude={"uri"}) == record.model_dump(include=set(PublicDocument.model_fields))
    assert out.uri == f"/api/v1/d/{AGENCY}/GPXD/{record.id}"


def test_the_public_record_is_the_record_without_what_ocr_read() -> None:
    hidden = set(DocumentRecord.model_fields) - set(DocumentOut.model_fields)
    assert hidden == {"ocr_text", "extracted_fields"}
    assert set(DocumentOut.model_fields) - set(DocumentRecord.model_fields) == {"uri"}
    assert set(DocumentFields.model_fields) <= set(NewDocument.model_fields) & set(DocumentOut.model_fields)
