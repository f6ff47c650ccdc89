"""Electronic results (Decree 45/2020 art. 14): a result's signatures checked against the trust anchors (or the
result sealed by the agency at B-LTA when allowed), stored as `<dossier code>-KQ<n>`, corrected as a new version.

See docs/results.md for the public functions and how the API and the batch path call them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.timezone import to_vn
from core.types import Actor, DocumentKind, SignatureLevel, Verdict
from issuing.agency import Issuer, seal_result
from issuing.dossier_flow import EVENT_OF, event_payload
from issuing.settings import IssuingSettings, issuing_settings
from signing.pdfio import page_count
from signing.report import ValidationReport
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from vault.lifecycle import Action, result_note
from vault.records import DocumentRecord, DossierRecord, NewDocument
from vault.service import Vault


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


@dataclass(frozen=True)
class CheckedResult:
    """A result ready to store: its PDF, its validation report, and whether (and at which level) we sealed it."""

    pdf: bytes
    report: ValidationReport
    sealed: bool
    level: SignatureLevel | None  # the level our seal reached; None for a result accepted as signed (not ours)


def _accepted_or_sealed(
    pdf: bytes, agency_code: str, issuer: Issuer, trust: TrustSettings | None, settings: IssuingSettings
) -> CheckedResult:
    try:
        return CheckedResult(pdf, check_result(pdf, agency_code, trust=trust, settings=settings), False, None)
    except ResultRefused as refused:
        report = refused.report
        broken = report is not None and any(s.verdict is Verdict.TOTAL_FAILED for s in report.signatures)
        if not settings.seal_unsigned_results or broken:
            raise  # a tampered or broken signature is never sealed over
    sealed = seal_result(pdf, settings.agency_name(agency_code), issuer.agency_signer())
    report = validate_pdf(sealed.pdf, trust or TrustSettings())
    last = report.signatures[-1] if report.signatures else None
    if last is None or last.verdict is not Verdict.TOTAL_PASSED:
        raise ResultRefused("the agency's own seal does not validate: check the trust anchors", report)
    return CheckedResult(sealed.pdf, report, True, sealed.level)


def issue_result(
    vault: Vault,
    dossier: DossierRecord,
    pdf: bytes,
    fields: ResultFields,
    actor: Actor,
    issuer: Issuer,
    *,
    idempotency_key: str | None = None,
    trust: TrustSettings | None = None,
    settings: IssuingSettings | None = None,
) -> IssuedResult:
    """Check (or seal) a result and store it as `<dossier code>-KQ<n>` in the owner's vault, linked to the
    dossier; the first result moves an open dossier to `result_ready` in the same transaction (the vault). The
    one-stop system's webhooks get `result.stored`, and `dossier.result_ready` when it moved (`issuer.notify`)."""
    settings = settings or issuing_settings()
    checked = _accepted_or_sealed(pdf, dossier.agency_code, issuer, trust, settings)
    stored_pdf, report = checked.pdf, checked.report
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
        page_count=page_count(stored_pdf),  # the viewer shows every page
    )
    started = dt.datetime.now(dt.UTC)
    record: DocumentRecord = vault.store_document(
        new, stored_pdf, actor, idempotency_key, signature_level=checked.level
    )
    if record.created_at >= started:  # not a replay of an idempotency key: announce it once
        issuer.notify("result.stored", dossier.agency_code, result_event(record))
        _announce_move(vault, dossier, record, actor, issuer)
    return IssuedResult(record=record, report=report, sealed=checked.sealed)


def _announce_move(vault: Vault, dossier: DossierRecord, record: DocumentRecord, actor: Actor, issuer: Issuer) -> None:
    """`dossier.result_ready` when storing this result moved the dossier (its event names the result)."""
    _dossier, events = vault.dossier_history(dossier.code, actor)
    note = result_note(record.result_code)
    for event in events:
        if event.action == Action.RESULT_READY and event.note == note:
            issuer.notify(EVENT_OF[Action.RESULT_READY], dossier.agency_code, event_payload(event))


def correct_result(
    vault: Vault,
    record: DocumentRecord,
    agency_code: str,
    pdf: bytes,
    actor: Actor,
    issuer: Issuer,
    *,
    trust: TrustSettings | None = None,
    settings: IssuingSettings | None = None,
    reason: str | None = None,
) -> IssuedResult:
    """A corrected result: checked (or sealed) like a new one, stored as the next version of the same result
    (same result code); the previous version is superseded and stays readable; the reason joins its history."""
    settings = settings or issuing_settings()
    checked = _accepted_or_sealed(pdf, agency_code, issuer, trust, settings)
    updated: DocumentRecord = vault.new_version(
        record.id,
        checked.pdf,
        actor,
        signature_verdict=checked.report.verdict,
        page_count=page_count(checked.pdf),
        reason=reason,
        signature_level=checked.level,
    )
    issuer.notify("result.corrected", agency_code, result_event(updated))
    return IssuedResult(record=updated, report=checked.report, sealed=checked.sealed)


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
