"""A B-B signature raised to B-LTA by the long-term job outlives its certificate (EN 319 102-1 past signature
validation, with the document timestamp as proof of existence) when the file holds revocation data from before the
expiry; a development certificate (no revocation data at all) reads "expired after signing", not a bare INDETERMINATE.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

import signing.devca
from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.identity import SigningIdentity, load_pkcs12, officer_dev_identity
from signing.longterm import upgrade_to_lta
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.summary import EXPIRED_DEVELOPMENT, EXPIRED_LABEL, BadgeKind, summarise
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.support.pki import start_pki

DEV_LIFETIME = dt.timedelta(seconds=20)
OCSP_FRESH = dt.timedelta(seconds=5)  # OCSP answers go stale soon after, as they have years after signing


def _raised(identity: SigningIdentity, settings: SigningSettings, trust: TrustSettings) -> bytes:
    with DocumentSigner(identity, settings, trust=trust) as signer:
        signed = signer.sign(sample_pdf(1), level=SignatureLevel.B_B)
    return upgrade_to_lta(signed, trust=trust, settings=settings)


def _dev_identity(data: Path, monkeypatch: pytest.MonkeyPatch) -> SigningIdentity:
    """An officer's development certificate that expires DEV_LIFETIME from now (issued "two years ago")."""
    real_now = dt.datetime.now(dt.UTC)
    fake_now = real_now - dt.timedelta(days=365 * signing.devca.UNIT_YEARS) + DEV_LIFETIME
    monkeypatch.setattr(signing.devca, "_now", lambda: fake_now)
    identity = officer_dev_identity(data, "officer-past", "Đỗ Thị Thử")
    monkeypatch.undo()
    return identity


@pytest.mark.slow
def test_raised_b_b_signature_outlives_its_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pki = start_pki(tmp_path / "pki", ocsp_validity=OCSP_FRESH)
    try:
        data = tmp_path / "data"
        settings = pki.signing_settings(data / "fonts")
        dev_ca = signing.devca.dev_folder(data) / "ca.pem"
        officer = load_pkcs12(pki.identity("brief").p12, pki.password)
        officer_pdf = _raised(officer, settings, pki.trust())
        dev_identity = _dev_identity(data, monkeypatch)
        trust = TrustSettings(anchors=(pki.root_cert, dev_ca), use_configured=False)
        dev_pdf = _raised(dev_identity, settings, trust)

        before = [validate_pdf(pdf, trust, settings) for pdf in (officer_pdf, dev_pdf)]
        assert [report.verdict for report in before] == [Verdict.TOTAL_PASSED] * 2, before
        expiries = [report.signatures[0].certificate_expires for report in before]
        assert all(expires is not None for expires in expiries)
        last = max(expires for expires in expiries if expires is not None)
        time.sleep(max(0.0, (last - dt.datetime.now(dt.UTC) + OCSP_FRESH).total_seconds()) + 1)

        offline = TrustSettings(anchors=trust.anchors, use_configured=False, allow_fetching=False)
        for checking in (trust, offline):
            report = validate_pdf(officer_pdf, checking, settings)
            sig = report.signatures[0]
            assert report.verdict is Verdict.TOTAL_PASSED, sig.model_dump()
            assert sig.proven_at is not None and sig.certificate_expires is not None
            assert sig.best_signature_time == sig.proven_at <= sig.certificate_expires < dt.datetime.now(dt.UTC)
            assert sig.pades_level is SignatureLevel.B_LTA and sig.timestamp is None  # no signature timestamp

        dev_report = validate_pdf(dev_pdf, trust, settings)
        dev_sig = dev_report.signatures[0]
        assert dev_report.verdict is Verdict.INDETERMINATE
        assert dev_sig.development and dev_sig.proven_at is not None
        summary = summarise(dev_report)
        assert summary.badge is BadgeKind.INDETERMINATE
        assert summary.label == EXPIRED_LABEL
        assert summary.signatures[0].problem == EXPIRED_DEVELOPMENT[0]
        assert summary.next_step == EXPIRED_DEVELOPMENT[1]
    finally:
        pki.stop()
