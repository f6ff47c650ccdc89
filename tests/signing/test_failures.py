"""Refusals and failures: revoked, expired, unknown root, flipped byte, added page, bad input, TSA down."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.errors import (
    CertificateExpiredError,
    CertificateRevokedError,
    PdfBrokenError,
    PdfEncryptedError,
    TimestampUnavailableError,
    WrongPasswordError,
)
from signing.identity import development_identity, load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.pdfsig import pdfsig_intact
from tests.support.pki import RunningPki, free_port


@pytest.fixture(scope="module")
def signed_bt(officer: DocumentSigner) -> bytes:
    return officer.sign(sample_pdf(2), level=SignatureLevel.B_T)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_revoked_certificate_is_refused(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> None:
    identity = load_pkcs12(pki.identity("revoked").p12, pki.password)
    with (
        DocumentSigner(identity, settings, trust=trust) as signer,
        pytest.raises(CertificateRevokedError, match="revoked"),
    ):
        signer.sign(sample_pdf(1), level=SignatureLevel.B_B)


def test_signature_by_revoked_certificate_fails(
    pki: RunningPki, settings: SigningSettings, trust: TrustSettings, tmp_path: Path
) -> None:
    """Made with bare pyHanko (sohoa refuses): validation must say TOTAL-FAILED, REVOKED."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    signer = signers.SimpleSigner.load_pkcs12(str(pki.identity("revoked").p12), passphrase=pki.password.encode())
    out = BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(sample_pdf(1))),
        signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer,
        timestamper=HTTPTimeStamper(pki.tsa_url, timeout=10),
        output=out,
    )
    report = validate_pdf(out.getvalue(), trust, settings)
    [sig] = report.signatures
    assert sig.verdict is Verdict.TOTAL_FAILED, sig
    assert sig.sub_indication == "REVOKED"
    assert sig.revocation == "revoked"
    assert sig.intact
    assert pdfsig_intact(_write(tmp_path, "revoked.pdf", out.getvalue())) == [True]


def test_expired_certificate_is_refused(pki: RunningPki) -> None:
    with pytest.raises(CertificateExpiredError, match="expired on"):
        load_pkcs12(pki.identity("expired").p12, pki.password)


def test_wrong_password(pki: RunningPki) -> None:
    with pytest.raises(WrongPasswordError, match="wrong password"):
        load_pkcs12(pki.identity("officer").p12, "not-the-password")


def test_unknown_root_is_indeterminate(
    signed_bt: bytes, settings: SigningSettings, data_dir: Path, tmp_path: Path
) -> None:
    development_identity(data_dir, "officer")  # its CA is a root that did not issue the officer's certificate
    other_root = TrustSettings(anchors=(data_dir / "signing" / "dev" / "ca.pem",), use_configured=False)
    report = validate_pdf(signed_bt, other_root, settings)
    assert report.verdict is Verdict.INDETERMINATE
    assert report.signatures[0].sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert report.signatures[0].intact and not report.signatures[0].trusted
    assert pdfsig_intact(_write(tmp_path, "unknown-root.pdf", signed_bt)) == [True]


def test_flipped_byte_fails(signed_bt: bytes, settings: SigningSettings, trust: TrustSettings, tmp_path: Path) -> None:
    marker = b"(Sohoa sample page 1 of 2)"
    at = signed_bt.index(marker) + 1
    tampered = signed_bt[:at] + b"X" + signed_bt[at + 1 :]
    report = validate_pdf(tampered, trust, settings)
    [sig] = report.signatures
    assert report.verdict is Verdict.TOTAL_FAILED
    assert sig.sub_indication == "HASH_FAILURE"
    assert not sig.intact
    assert pdfsig_intact(_write(tmp_path, "flipped.pdf", tampered)) == [False]


def test_added_page_is_reported(
    signed_bt: bytes, settings: SigningSettings, trust: TrustSettings, tmp_path: Path
) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed_bt))
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(list(map(generic.NumberObject, (0, 0, 595, 842)))),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert len(pikepdf.open(BytesIO(changed)).pages) == 3

    report = validate_pdf(changed, trust, settings)

    [sig] = report.signatures
    assert sig.intact, "the signed revision itself is untouched"
    assert sig.modification_level == "other"
    assert "content changed" in sig.changes_after_signing
    assert sig.changes_permitted is False
    assert sig.coverage == "entire_revision"
    assert report.verdict is Verdict.TOTAL_FAILED
    assert pdfsig_intact(_write(tmp_path, "added-page.pdf", changed)) == [True]


def test_encrypted_pdf_is_refused(officer: DocumentSigner, settings: SigningSettings, trust: TrustSettings) -> None:
    pdf = pikepdf.open(BytesIO(sample_pdf(1)))
    out = BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(PdfEncryptedError):
        officer.sign(out.getvalue(), level=SignatureLevel.B_B)
    with pytest.raises(PdfEncryptedError):
        validate_pdf(out.getvalue(), trust, settings)


@pytest.mark.parametrize("data", [b"not a pdf at all", sample_pdf(1)[:300]])
def test_broken_pdf_is_refused(data: bytes, officer: DocumentSigner) -> None:
    with pytest.raises(PdfBrokenError):
        officer.sign(data, level=SignatureLevel.B_B)


def test_unreachable_tsa(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> None:
    dead = f"http://127.0.0.1:{free_port()}/tsa"
    identity = load_pkcs12(pki.identity("officer").p12, pki.password)
    with DocumentSigner(identity, settings, tsa_url=dead, trust=trust) as strict:
        with pytest.raises(TimestampUnavailableError, match="unreachable"):
            strict.sign(sample_pdf(1), level=SignatureLevel.B_T)
        strict.allow_bb_fallback = True
        outcome = strict.sign_with_outcome(sample_pdf(1), level=SignatureLevel.B_T)
    assert outcome.level is SignatureLevel.B_B
    assert outcome.warnings and "B-B" in outcome.warnings[0]
    report = validate_pdf(outcome.pdf, trust, settings)
    assert report.signatures[0].pades_level is SignatureLevel.B_B
    assert report.verdict is Verdict.TOTAL_PASSED
