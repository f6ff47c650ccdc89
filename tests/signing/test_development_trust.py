"""The embedded default: each officer signs with a development certificate of their own, the server trusts its
own development CA and says "valid — development certificate"; an untrusted chain gives a verdict, no traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.devca import DEV_MARK, officer_dev_material
from signing.identity import officer_dev_identity
from signing.settings import SigningSettings, signing_settings
from signing.sign import DocumentSigner
from signing.stamps import officer_stamp
from signing.summary import BadgeKind, summarise
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.pdfsig import pdfsig_intact

SCAN = dt.datetime(2026, 11, 20, 2, 30, 5, tzinfo=dt.UTC)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh embedded-default data folder (no TSA, no trust folder)."""
    from core.settings import core_settings

    folder = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(folder))
    for name in ("TSA_URL", "TRUST_DIR", "TRUST_DEVELOPMENT_CA"):
        monkeypatch.delenv(f"SOHOA_SIGNING_{name}", raising=False)
    core_settings.cache_clear()
    signing_settings.cache_clear()
    yield folder
    core_settings.cache_clear()
    signing_settings.cache_clear()


def _sign(data: Path, sub: str, name: str | None, tmp: Path, level: SignatureLevel = SignatureLevel.B_B) -> Path:
    settings = SigningSettings(font_cache_dir=data / "fonts")
    identity = officer_dev_identity(data, sub, name)
    with DocumentSigner(identity, settings) as signer:
        stamp = officer_stamp(identity.display_name, SCAN, unit="UBND xã Hải Lăng")
        outcome = signer.sign_with_outcome(sample_pdf(1), level=level, stamp=stamp)
    path = tmp / f"{sub}.pdf"
    path.write_bytes(outcome.pdf)
    return path


def test_each_officer_has_their_own_development_certificate(data: Path, tmp_path: Path) -> None:
    from cryptography import x509

    an = officer_dev_material(data, "officer-an", "Nguyễn Văn An")
    binh = officer_dev_material(data, "officer-binh")  # no name claim: the sub
    assert an.cert_pem != binh.cert_pem and an.ca_pem == binh.ca_pem
    cert_an = x509.load_pem_x509_certificate(an.cert_pem.read_bytes())
    cert_binh = x509.load_pem_x509_certificate(binh.cert_pem.read_bytes())
    assert cert_an.subject.rfc4514_string().startswith("CN=Nguyễn Văn An,")
    assert "CN=officer-binh," in cert_binh.subject.rfc4514_string()
    assert DEV_MARK in cert_an.subject.rfc4514_string(), "marked as development"
    assert cert_an.public_key().public_numbers() != cert_binh.public_key().public_numbers()
    assert stat.S_IMODE(an.key_pem.stat().st_mode) == 0o600
    # cached per officer; issued again when the name changes
    assert officer_dev_material(data, "officer-an", "Nguyễn Văn An").cert_pem.read_bytes() == an.cert_pem.read_bytes()
    renamed = officer_dev_material(data, "officer-an", "Nguyễn Văn Ân")
    assert "CN=Nguyễn Văn Ân," in x509.load_pem_x509_certificate(renamed.cert_pem.read_bytes()).subject.rfc4514_string()

    first, second = _sign(data, "officer-an", "Nguyễn Văn An", tmp_path), _sign(data, "officer-binh", None, tmp_path)
    signers = []
    for path in (first, second):
        report = validate_pdf(path.read_bytes())
        [sig] = report.signatures
        assert pdfsig_intact(path) == [sig.intact] == [True]
        signers.append((sig.signer_name, sig.development))
    assert signers == [("Nguyễn Văn An", True), ("officer-binh", True)]


def test_development_signature_is_valid_development(data: Path, tmp_path: Path) -> None:
    path = _sign(data, "officer-an", "Nguyễn Văn An", tmp_path)
    report = validate_pdf(path.read_bytes())
    assert report.verdict is Verdict.TOTAL_PASSED
    summary = summarise(report)
    assert summary.badge is BadgeKind.VALID_DEVELOPMENT
    assert summary.label == "Hợp lệ — chứng thư thử nghiệm, không có giá trị pháp lý"
    [sig] = summary.signatures
    assert sig.signer == "Nguyễn Văn An" and sig.issuer and "CA THỬ NGHIỆM" in sig.issuer
    assert "ký lại" in summary.next_step
    assert pdfsig_intact(path) == [True]


def test_untrusted_chain_gives_a_verdict_not_a_traceback(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = _sign(data, "officer-an", "Nguyễn Văn An", tmp_path)
    monkeypatch.setenv("SOHOA_SIGNING_TRUST_DEVELOPMENT_CA", "false")
    signing_settings.cache_clear()
    caplog.set_level(logging.DEBUG)
    report = validate_pdf(path.read_bytes(), TrustSettings())
    assert report.verdict is Verdict.INDETERMINATE and report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the logs"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "path" in r.getMessage().lower()]
    summary = summarise(report)
    assert summary.badge is BadgeKind.INDETERMINATE
    assert "SOHOA_SIGNING_TRUST_DIR" in summary.next_step
    assert str(tmp_path) not in json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
    assert pdfsig_intact(path) == [True]


def test_a_level_below_the_requested_one_is_on_the_document(data: Path, tmp_path: Path) -> None:
    path = _sign(data, "officer-an", "Nguyễn Văn An", tmp_path, level=SignatureLevel.B_T)  # no TSA configured
    report = validate_pdf(path.read_bytes())
    [sig] = report.signatures
    assert sig.pades_level is SignatureLevel.B_B
    assert sig.stamp_text is not None and "Mức ký B-B, thấp hơn B-T yêu cầu" in sig.stamp_text
    assert sig.reason == "Ký ở mức B-B thay vì B-T: chưa có dấu thời gian"
    below = summarise(report).signatures[0].below_requested_level
    assert below is not None and "B-B" in below and "B-T" in below
    assert pdfsig_intact(path) == [True]
