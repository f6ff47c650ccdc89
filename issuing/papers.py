"""What the agency issues into the owner's vault: electronic results (signatures checked against the trust anchors,
or sealed by sohoa at B-LTA when allowed), certified electronic copies from originals, and the dossier receipt.

See docs/results.md for the public functions and how the API and the batch path call them.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
from core.settings import core_settings
from core.timezone import now_vn, to_vn
from core.types import Actor, DocumentKind, Verdict
from issuing.calendar import Appointment, ProcedureTable, WorkingCalendar, default_calendar, default_procedures
from issuing.certification_register import RegisterLine, record_copy, take_number
from issuing.receipt import Receipt, ReceiptComponent, build_receipt
from issuing.settings import IssuingSettings, issuing_settings
from signing.identity import SigningIdentity, configured_identity
from signing.report import ValidationReport
from signing.settings import signing_settings
from signing.sign import DocumentSigner
from signing.stamps import agency_stamp, certified_copy_stamp
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from vault.records import DocumentRecord, DossierRecord, NewDocument
from vault.service import Vault

log = get_logger(__name__)

RESULT_SEAL_REASON = "Đóng dấu kết quả giải quyết thủ tục hành chính"
CERTIFY_REASON = "Chứng thực bản sao điện tử từ bản chính"
_agency_lock = threading.Lock()


class ResultRefused(Exception):
    """A result's signatures do not show the competent agency's valid signature; `report` says why."""

    def __init__(self, detail: str, report: ValidationReport | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.report = report


class ResultFields(BaseModel):
    """What a handler states about a result: type, name, number/symbol, issue date, validity and scope."""

    model_config = ConfigDict(extra="forbid")

    type_code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,50}$")
    name: str = Field(min_length=1, max_length=500)
    number_symbol: str | None = Field(default=None, max_length=100)
    issued_at: dt.date
    valid_until: dt.date | None = None
    permanent: bool = False
    scope: str | None = Field(default=None, max_length=500)

    @field_validator("issued_at", mode="before")
    @classmethod
    def _issue_day(cls, value: Any) -> Any:
        """A signing time (ISO 8601 with a time) counts by its day in Vietnam time."""
        if isinstance(value, str) and "T" in value:
            try:
                return to_vn(dt.datetime.fromisoformat(value)).date()
            except ValueError:
                return value
        return value

    @model_validator(mode="after")
    def _validity(self) -> ResultFields:
        if self.permanent == (self.valid_until is not None):
            raise ValueError('give either "valid_until" or "permanent": true')
        if self.valid_until is not None and self.valid_until < self.issued_at:
            raise ValueError("valid_until is before issued_at")
        return self


@dataclass(frozen=True)
class IssuedResult:
    """The stored result, the validation report of what was stored, and whether sohoa sealed it."""

    record: DocumentRecord
    report: ValidationReport
    sealed: bool


@dataclass(frozen=True)
class IssuedCopy:
    record: DocumentRecord
    certification: RegisterLine


# -- the agency's identity ------------------------------------------------------------------------------------
def agency_identity(settings: IssuingSettings) -> SigningIdentity:
    """The agency's signer from settings: a PKCS#11 token, a PKCS#12 file, or the development identity."""
    return configured_identity(
        role="agency",
        data_dir=core_settings().data_dir,
        p12=settings.agency_p12,
        p12_password_file=settings.agency_p12_password_file,
        pkcs11_lib=settings.agency_pkcs11_lib,
        pkcs11_token=settings.agency_pkcs11_token,
        pkcs11_key=settings.agency_pkcs11_key,
        pkcs11_pin_file=settings.agency_pkcs11_pin_file,
    )


@lru_cache(maxsize=1)
def agency_signer() -> DocumentSigner:
    """One agency signer per process (key loaded once, stamp font prepared once, TSA client reused)."""
    return DocumentSigner(agency_identity(issuing_settings()))


def _sign(signer: DocumentSigner, pdf: bytes, kind: DocumentKind, **kwargs: Any) -> bytes:
    with _agency_lock:  # a DocumentSigner runs its own event loop: one signature at a time
        return signer.sign(pdf, level=signing_settings().level_for(kind), **kwargs)


def seal_result(pdf: bytes, agency_name: str, signer: DocumentSigner, at: dt.datetime | None = None) -> bytes:
    """Sign a result with the agency identity, the red seal and agency stamp top-right of page 1 (B-LTA)."""
    stamp = agency_stamp(agency_name, issuing_settings().resolved_seal_png(), at=at or now_vn())
    return _sign(signer, pdf, DocumentKind.RESULT, stamp=stamp, reason=RESULT_SEAL_REASON)


def certify_scan(
    pdf: bytes, agency_name: str, number: str, when: dt.datetime, signer: DocumentSigner | None = None
) -> bytes:
    """Certify a scanned copy against its original: the agency's signature with the copy form, agency name,
    certification number and time top-right of page 1 (Liberation Serif 10 pt, black). For the batch path too."""
    stamp = certified_copy_stamp(agency_name, number, at=when)
    return _sign(signer or agency_signer(), pdf, DocumentKind.CERTIFIED_COPY, stamp=stamp, reason=CERTIFY_REASON)


# -- results ----------------------------------------------------------------------------------------------
def agency_signature_problem(report: ValidationReport, agency_code: str, settings: IssuingSettings) -> str | None:
    """Why the report does not show the competent agency's valid signature, or None when it does."""
    if not report.signatures:
        return "the result carries no signature"
    failed = [s for s in report.signatures if s.verdict is not Verdict.TOTAL_PASSED]
    if failed:
        first = failed[0]
        return f"signature {first.field_name} is {first.verdict}" + (
            f" ({first.sub_indication})" if first.sub_indication else ""
        )
    wanted = settings.agency_signer_subjects.get(agency_code)
    if wanted and not any(any(w in s.signer_subject for w in wanted) for s in report.signatures):
        return f"no signature by the agency {agency_code} (expected a signer named like {', '.join(wanted)})"
    return None


def check_result(
    pdf: bytes, agency_code: str, *, trust: TrustSettings | None = None, settings: IssuingSettings | None = None
) -> ValidationReport:
    """Validate a result's signatures; raise ResultRefused (with the report) unless the agency signed it validly."""
    settings = settings or issuing_settings()
    report = validate_pdf(pdf, trust or TrustSettings())
    problem = agency_signature_problem(report, agency_code, settings)
    if problem:
        raise ResultRefused(f"the result is refused: {problem}", report)
    return report


def _accepted_or_sealed(
    pdf: bytes, agency_code: str, trust: TrustSettings | None, settings: IssuingSettings
) -> tuple[bytes, ValidationReport, bool]:
    try:
        return pdf, check_result(pdf, agency_code, trust=trust, settings=settings), False
    except ResultRefused as refused:
        report = refused.report
        broken = report is not None and any(s.verdict is Verdict.TOTAL_FAILED for s in report.signatures)
        if not settings.seal_unsigned_results or broken:
            raise  # a tampered or broken signature is never sealed over
    sealed = seal_result(pdf, settings.agency_name(agency_code), agency_signer())
    report = validate_pdf(sealed, trust or TrustSettings())
    last = report.signatures[-1] if report.signatures else None
    if last is None or last.verdict is not Verdict.TOTAL_PASSED:
        raise ResultRefused("the agency's own seal does not validate: check the trust anchors", report)
    return sealed, report, True


def issue_result(
    vault: Vault,
    dossier: DossierRecord,
    pdf: bytes,
    fields: ResultFields,
    actor: Actor,
    *,
    idempotency_key: str | None = None,
    trust: TrustSettings | None = None,
    settings: IssuingSettings | None = None,
) -> IssuedResult:
    """Check (or seal) a result and store it as `<dossier code>-KQ<n>` in the owner's vault, linked to the
    dossier; the one-stop system's webhooks get `result.stored`."""
    settings = settings or issuing_settings()
    stored_pdf, report, sealed = _accepted_or_sealed(pdf, dossier.agency_code, trust, settings)
    new = NewDocument(
        owner_id=dossier.owner_id,
        name=fields.name,
        kind=DocumentKind.RESULT,
        type_code=fields.type_code,
        number_symbol=fields.number_symbol,
        issuing_agency_code=dossier.agency_code,
        issue_date=fields.issued_at,
        valid_until=fields.valid_until,
        permanent=fields.permanent,
        validity_scope=fields.scope,
        source_dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        component_name=fields.name,
        signature_verdict=report.verdict,
    )
    started = dt.datetime.now(dt.UTC)
    record: DocumentRecord = vault.store_document(new, stored_pdf, actor, idempotency_key)
    if record.created_at >= started:  # not a replay of an idempotency key: announce it once
        notify("result.stored", dossier.agency_code, result_event(record))
    return IssuedResult(record=record, report=report, sealed=sealed)


def correct_result(
    vault: Vault,
    record: DocumentRecord,
    agency_code: str,
    pdf: bytes,
    actor: Actor,
    *,
    trust: TrustSettings | None = None,
    settings: IssuingSettings | None = None,
) -> IssuedResult:
    """A corrected result: checked (or sealed) like a new one, stored as the next version of the same result
    (same result code); the previous version is superseded and stays readable."""
    settings = settings or issuing_settings()
    stored_pdf, report, sealed = _accepted_or_sealed(pdf, agency_code, trust, settings)
    updated: DocumentRecord = vault.new_version(record.id, stored_pdf, actor, signature_verdict=report.verdict)
    notify("result.corrected", agency_code, result_event(updated))
    return IssuedResult(record=updated, report=report, sealed=sealed)


def result_event(record: DocumentRecord) -> dict[str, Any]:
    """The webhook payload of a result: codes, paper and status, no personal data."""
    return {
        "document_id": record.id,
        "dossier_code": record.source_dossier_code,
        "result_code": record.result_code,
        "type_code": record.type_code,
        "name": record.name,
        "number_symbol": record.number_symbol,
        "issue_date": record.issue_date.isoformat() if record.issue_date else None,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "permanent": record.permanent,
        "status": str(record.status),
        "version": record.current_version,
        "sha256": record.sha256,
    }


def notify(event: str, agency_code: str, payload: dict[str, Any]) -> None:
    """Tell the agency's one-stop system (webhooks); a failure to enqueue is logged, the stored paper stays."""
    from issuing import webhooks

    if event not in webhooks.EVENTS:
        log.info("webhook event not offered", webhook_event=event)
        return
    try:
        webhooks.notify(event, agency_code, payload)
    except Exception as exc:  # the paper is stored; the delivery can be replayed
        log.error("webhook enqueue failed", webhook_event=event, error=type(exc).__name__)


# -- certified copies -------------------------------------------------------------------------------------
def certify_with_number(
    sessions: sessionmaker[Session],
    dossier: DossierRecord,
    pdf: bytes,
    certified_by: str,
    *,
    when: dt.datetime | None = None,
    settings: IssuingSettings | None = None,
) -> tuple[bytes, RegisterLine]:
    """Take the next number of the dossier agency's register (committed first, so never handed out twice) and
    certify the scan with it. The batch path calls this, stores the PDF, then `register_copy`."""
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
    return certify_scan(pdf, settings.agency_name(dossier.agency_code), line.label, line.certified_at), line


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
    when: dt.datetime | None = None,
    settings: IssuingSettings | None = None,
) -> IssuedCopy:
    """Number the copy in the agency's yearly register, sign it with the agency's certificate and stamp, and
    store it as a `certified_copy` in the owner's vault linked to the dossier."""
    signed, line = certify_with_number(sessions, dossier, pdf, actor.subject, when=when, settings=settings)
    verdict = validate_pdf(signed, TrustSettings()).verdict
    if verdict is not Verdict.TOTAL_PASSED:
        log.warning("certified copy does not validate", verdict=str(verdict), agency=dossier.agency_code)
    new = certified_copy_document(dossier, line, name, type_code, actor.subject)
    new = new.model_copy(update={"signature_verdict": verdict})
    record: DocumentRecord = vault.store_document(new, signed, actor)
    register_copy(sessions, line, record.id)
    return IssuedCopy(record=record, certification=line)


# -- receipts ---------------------------------------------------------------------------------------------
def dossier_receipt(
    vault: Vault,
    dossier: DossierRecord,
    actor: Actor,
    *,
    calendar: WorkingCalendar | None = None,
    procedures: ProcedureTable | None = None,
    settings: IssuingSettings | None = None,
) -> tuple[Receipt, Appointment]:
    """The receipt of a dossier as the counter issued it: issued at reception, components handed in so far,
    processing time from the procedure table and appointment from the working calendar."""
    settings = settings or issuing_settings()
    owner = vault.ensure_owner(dossier.owner_id)
    components = [
        ReceiptComponent(name=linked.component_name or linked.document.name)
        for linked in vault.dossier_documents(dossier.code, actor)
        if linked.document.kind in (DocumentKind.COMPONENT, DocumentKind.CITIZEN_UPLOAD)
    ]
    return build_receipt(
        agency_name=settings.agency_name(dossier.agency_code),
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        owner_name=owner.display_name or "",
        owner_id=dossier.owner_id,
        components=components,
        received_at=dossier.received_at,
        calendar=calendar or default_calendar(),
        procedures=procedures or default_procedures(),
        issued_at=dossier.received_at,
    )
