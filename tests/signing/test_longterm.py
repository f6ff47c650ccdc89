"""Long-term jobs: B-T → B-LTA upgrade, and archive timestamp renewal when the TSA certificate nears expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.errors import SigningError
from signing.identity import load_pkcs12
from signing.longterm import renew_archive_timestamp, upgrade_to_lta
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.support.pki import RunningPki


@pytest.fixture(scope="module")
def signed_bt(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> bytes:
    with DocumentSigner(load_pkcs12(pki.identity("officer").p12, pki.password), settings, trust=trust) as signer:
        return signer.sign(sample_pdf(1), level=SignatureLevel.B_T)


@pytest.mark.slow
def test_upgrade_then_renew(signed_bt: bytes, settings: SigningSettings, trust: TrustSettings) -> None:
    with pytest.raises(SigningError, match="no document timestamp"):
        renew_archive_timestamp(signed_bt, margin=dt.timedelta(days=1), trust=trust, settings=settings)

    upgraded = upgrade_to_lta(signed_bt, trust=trust, settings=settings)

    assert upgraded.startswith(signed_bt)
    report = validate_pdf(upgraded, trust, settings)
    assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
    assert report.signatures[0].pades_level is SignatureLevel.B_LTA
    assert len(report.document_timestamps) == 1
    offline = TrustSettings(anchors=trust.anchors, use_configured=False, allow_fetching=False)
    assert validate_pdf(upgraded, offline, settings).verdict is Verdict.TOTAL_PASSED

    expires = report.document_timestamps[0].tsa_certificate_expires
    assert expires is not None
    far = (expires - dt.datetime.now(dt.UTC)) - dt.timedelta(days=30)
    assert renew_archive_timestamp(upgraded, margin=far, trust=trust, settings=settings) is None

    near = (expires - dt.datetime.now(dt.UTC)) + dt.timedelta(days=30)
    renewed = renew_archive_timestamp(upgraded, margin=near, trust=trust, settings=settings)

    assert renewed is not None and renewed.startswith(upgraded)
    again = validate_pdf(renewed, trust, settings)
    assert again.verdict is Verdict.TOTAL_PASSED
    assert len(again.document_timestamps) == 2
    assert all(ts.verdict is Verdict.TOTAL_PASSED for ts in again.document_timestamps)
