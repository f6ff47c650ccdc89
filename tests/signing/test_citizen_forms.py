"""Citizens' own signed forms go through the same validator; settings read levels per document kind."""

from __future__ import annotations

from io import BytesIO

import pytest

from bench.signing_sample import sample_pdf
from core.types import DocumentKind, SignatureLevel, Verdict
from signing.settings import SigningSettings
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.support.pki import RunningPki


def test_citizen_form_signed_elsewhere_validates(
    pki: RunningPki, settings: SigningSettings, trust: TrustSettings
) -> None:
    """A form signed by another application (plain adbe.pkcs7.detached, no PAdES): same checks, no PAdES level."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12(str(pki.identity("agency").p12), passphrase=pki.password.encode())
    out = BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(sample_pdf(1))),
        signers.PdfSignatureMetadata(field_name="CongDan", subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED),
        signer=signer,
        output=out,
    )
    report = validate_pdf(out.getvalue(), trust, settings)
    [sig] = report.signatures
    assert report.verdict is Verdict.TOTAL_PASSED, sig
    assert sig.pades_level is None
    assert sig.field_name == "CongDan"


def test_levels_per_kind_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_SIGNING_LEVELS", '{"component": "B-LT", "result": "B-LTA"}')
    monkeypatch.setenv("SOHOA_SIGNING_AGENCY_STAMP__CORNER", "top-left")
    settings = SigningSettings()
    assert settings.level_for(DocumentKind.COMPONENT) is SignatureLevel.B_LT
    assert settings.level_for(DocumentKind.RESULT) is SignatureLevel.B_LTA
    assert settings.level_for(DocumentKind.CITIZEN_UPLOAD) is SignatureLevel.B_LTA  # not listed: the safe default
    assert settings.agency_stamp.corner == "top-left"
