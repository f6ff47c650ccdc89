"""The validation report: per signature and document timestamp what was found, and ETSI EN 319 102-1 verdicts.

Plain pydantic models; `ValidationReport.model_dump(mode="json")` is what `verify --json` and the API return.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from core.types import SignatureLevel, Verdict, lowest_level


class TimestampInfo(BaseModel):
    """An RFC 3161 timestamp: its time, the TSA that issued it, and whether it checks out."""

    time: dt.datetime | None = None
    tsa: str | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False


class SignatureReport(BaseModel):
    """One signature: who, when, integrity, coverage and later changes, chain, revocation, level, verdict."""

    field_name: str
    signer_subject: str
    signer_name: str
    signer_organisation: str | None = None
    issuer_name: str | None = Field(None, description="common name of the CA that issued the signer's certificate")
    development: bool = Field(False, description="a sohoa development certificate: no legal value")
    reason: str | None = Field(None, description="the signature's /Reason")
    stamp_text: str | None = Field(None, description="what the visible stamp says (the field's /TU), if any")
    signing_time: dt.datetime | None = Field(None, description="time claimed by the signer (Vietnam time)")
    timestamp: TimestampInfo | None = None
    best_signature_time: dt.datetime | None = None
    proven_at: dt.datetime | None = Field(
        None, description="earliest time a document timestamp proves the signature existed (a B-B signature raised)"
    )
    certificate_expires: dt.datetime | None = Field(None, description="end of the signer's certificate validity")
    intact: bool = Field(description="the signed bytes are unchanged")
    valid: bool = Field(description="the cryptographic signature checks out")
    trusted: bool = Field(description="the chain reaches a trust anchor")
    chain: list[str] = Field(default_factory=list, description="subjects from signer to trust anchor")
    trust_anchor: str | None = None
    revocation: str = Field("unknown", description="good | revoked | unknown | not_declared (no OCSP/CRL named)")
    revocation_date: dt.datetime | None = None
    certification: str | None = Field(None, description="DocMDP permission if this is a certification signature")
    signed_revision: int = Field(description="0-based index of the file revision the signature covers")
    revisions: int = Field(description="number of revisions in the file (the original counts as one)")
    coverage: str = Field(description="entire_file | entire_revision | contiguous_block_from_start | unclear")
    modification_level: str | None = Field(None, description="none | lta_updates | form_filling | other ...")
    changes_after_signing: str
    changes_permitted: bool | None = None
    pades_level: SignatureLevel | None = None
    verdict: Verdict
    sub_indication: str | None = None
    message: str | None = None


class DocumentTimestampReport(BaseModel):
    """One document timestamp (PAdES B-LTA archive timestamp)."""

    field_name: str
    timestamp: TimestampInfo
    signed_revision: int
    coverage: str
    tsa_certificate_expires: dt.datetime | None = None
    verdict: Verdict
    sub_indication: str | None = None


class ValidationReport(BaseModel):
    """The whole file: every signature and document timestamp, and one verdict for the file."""

    signatures: list[SignatureReport] = Field(default_factory=list)
    document_timestamps: list[DocumentTimestampReport] = Field(default_factory=list)
    verdict: Verdict
    sub_indication: str | None = None
    validated_at: dt.datetime

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.TOTAL_PASSED

    @property
    def level(self) -> SignatureLevel | None:
        """The lowest PAdES level its signatures reach; None without a signature, or when one has no level (not
        PAdES, e.g. adbe.pkcs7.detached, or its digest does not match): the file then has to be read for it."""
        levels = [sig.pades_level for sig in self.signatures]
        if not levels or any(level is None for level in levels):
            return None
        return lowest_level(*(level for level in levels if level is not None))


def file_verdict(verdicts: list[tuple[Verdict, str | None]]) -> tuple[Verdict, str | None]:
    """Worst of the signature verdicts: any failure fails the file; no signature at all is indeterminate."""
    if not verdicts:
        return Verdict.INDETERMINATE, "NO_SIGNATURE_FOUND"
    for wanted in (Verdict.TOTAL_FAILED, Verdict.INDETERMINATE):
        for verdict, sub in verdicts:
            if verdict is wanted:
                return verdict, sub
    return Verdict.TOTAL_PASSED, None
