"""The level a validation report gives the vault for a signed PDF kept as received: the lowest of its signatures',
none when one of them has none (not PAdES, or its digest does not match)."""

from __future__ import annotations

import datetime as dt

from core.types import SignatureLevel, Verdict
from signing.report import SignatureReport, ValidationReport


def _sig(level: SignatureLevel | None) -> SignatureReport:
    return SignatureReport(
        field_name="Sig",
        signer_subject="CN=x",
        signer_name="x",
        intact=True,
        valid=True,
        trusted=True,
        signed_revision=0,
        revisions=1,
        coverage="entire_file",
        changes_after_signing="no change after signing",
        pades_level=level,
        verdict=Verdict.TOTAL_PASSED,
    )


def _report(*levels: SignatureLevel | None) -> ValidationReport:
    signatures = [_sig(level) for level in levels]
    return ValidationReport(signatures=signatures, verdict=Verdict.TOTAL_PASSED, validated_at=dt.datetime.now(dt.UTC))


def test_the_lowest_level_of_the_signatures_or_none() -> None:
    assert _report(SignatureLevel.B_LTA, SignatureLevel.B_T).level is SignatureLevel.B_T
    assert _report(SignatureLevel.B_B).level is SignatureLevel.B_B
    assert _report(SignatureLevel.B_LTA, None).level is None  # an adbe.pkcs7 signature beside: read the file
    assert _report().level is None
