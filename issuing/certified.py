"""Certified electronic copies from originals: the next number of the agency's yearly register, the agency's
certification signature and stamp, the copy's catalogue record, and the register line completed once stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
from core.timezone import now_vn
from core.types import Actor, DocumentKind, Verdict
from issuing.agency import Issuer, certify_scan
from issuing.certification_register import RegisterLine, record_copy, take_number
from issuing.settings import IssuingSettings, issuing_settings
from signing.sign import DocumentSigner, SignOutcome
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from vault.records import DocumentRecord, DossierRecord, NewDocument
from vault.service import Vault

log = get_logger(__name__)


@dataclass(frozen=True)
class IssuedCopy:
    record: DocumentRecord
    certification: RegisterLine


def certify_with_number(
    sessions: sessionmaker[Session],
    dossier: DossierRecord,
    pdf: bytes,
    certified_by: str,
    signer: DocumentSigner,
    *,
    when: dt.datetime | None = None,
    settings: IssuingSettings | None = None,
) -> tuple[SignOutcome, RegisterLine]:
    """Take the next number of the dossier agency's register (committed first, so never handed out twice) and
    certify the scan with it, signed by the agency (the PDF and the level reached). The batch path calls this,
    stores the PDF, then `register_copy`."""
    settings = settings or issuing_settings()
    when = when or now_vn()
    with sessions.begin() as session:
        line = take_number(
            session,
            agency_code=dossier.agency_code,
            dossier_code=dossier.code,
            certified_by=certified_by,
            when=when,
            label_format=settings.certification_number_format,
        )
    agency_name = settings.agency_name(dossier.agency_code)
    return certify_scan(pdf, agency_name, line.label, line.certified_at, signer), line


def register_copy(sessions: sessionmaker[Session], line: RegisterLine, document_id: str) -> None:
    """Write the stored copy's document id on its register line."""
    with sessions.begin() as session:
        record_copy(session, line.id, document_id)


def certified_copy_document(
    dossier: DossierRecord, line: RegisterLine, name: str, type_code: str | None, certified_by: str
) -> NewDocument:
    """The catalogue record of a certified copy: kind, register number as its number/symbol, the dossier."""
    return NewDocument(
        owner_id=dossier.owner_id,
        name=name,
        kind=DocumentKind.CERTIFIED_COPY,
        type_code=type_code,
        number_symbol=line.label,
        issuing_agency_code=dossier.agency_code,
        issue_date=line.certified_at.date(),
        permanent=True,
        source_dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        component_name=name,
        digitised_by=certified_by,
        digitised_at=line.certified_at,
    )


def issue_certified_copy(
    vault: Vault,
    sessions: sessionmaker[Session],
    dossier: DossierRecord,
    pdf: bytes,
    *,
    name: str,
    type_code: str | None,
    actor: Actor,
    issuer: Issuer,
    when: dt.datetime | None = None,
    settings: IssuingSettings | None = None,
) -> IssuedCopy:
    """Number the copy in the agency's yearly register, sign it with the agency's certificate and stamp, and
    store it as a `certified_copy` in the owner's vault linked to the dossier."""
    signer = issuer.agency_signer()
    outcome, line = certify_with_number(sessions, dossier, pdf, actor.subject, signer, when=when, settings=settings)
    signed = outcome.pdf
    verdict = validate_pdf(signed, TrustSettings()).verdict
    if verdict is not Verdict.TOTAL_PASSED:
        log.warning("certified copy does not validate", verdict=str(verdict), agency=dossier.agency_code)
    new = certified_copy_document(dossier, line, name, type_code, actor.subject)
    new = new.model_copy(update={"signature_verdict": verdict})
    record: DocumentRecord = vault.store_document(new, signed, actor, signature_level=outcome.level)
    register_copy(sessions, line, record.id)
    return IssuedCopy(record=record, certification=line)
