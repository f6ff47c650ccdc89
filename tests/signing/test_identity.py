"""Identities: the development CA (created once, reused, plainly marked) and PKCS#11 through SoftHSM2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.errors import TokenNotFoundError, WrongPinError
from signing.identity import development_identity, load_pkcs11
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.pdfsig import pdfsig_intact
from tests.support import softhsm
from tests.support.pki import RunningPki


def test_development_identity_created_once_and_marked(tmp_path: Path) -> None:
    first = development_identity(tmp_path, "officer")
    again = development_identity(tmp_path, "officer")
    agency = development_identity(tmp_path, "agency")

    assert first.certificate.dump() == again.certificate.dump()
    assert first.certificate.dump() != agency.certificate.dump()
    assert first.display_name == "CÁN BỘ THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"  # Vietnamese, on the stamp
    assert agency.display_name == "CƠ QUAN THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
    assert "BẢN THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" in first.chain[0].subject.human_friendly
    assert first.is_development
    key = tmp_path / "signing" / "dev" / "officer.key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="unknown development role"):
        development_identity(tmp_path, "mayor")


def test_development_signature_falls_back_to_bb_and_validates_when_trusted(tmp_path: Path) -> None:
    settings = SigningSettings(tsa_url=None, font_cache_dir=tmp_path / "fonts", trust_dir=tmp_path / "none")
    identity = development_identity(tmp_path, "agency")
    with DocumentSigner(identity, settings) as signer:
        outcome = signer.sign_with_outcome(sample_pdf(1), level=SignatureLevel.B_LTA)
    assert outcome.level is SignatureLevel.B_B and outcome.warnings

    untrusted = validate_pdf(outcome.pdf, TrustSettings(use_configured=False), settings)
    assert untrusted.verdict is Verdict.INDETERMINATE

    dev_ca = tmp_path / "signing" / "dev" / "ca.pem"
    trusted = validate_pdf(outcome.pdf, TrustSettings(anchors=(dev_ca,), use_configured=False), settings)
    assert trusted.verdict is Verdict.TOTAL_PASSED
    assert trusted.signatures[0].revocation == "not_declared"


@pytest.fixture(scope="module")
def token(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> softhsm.SoftHsmToken:
    if not softhsm.available():
        pytest.fail("SoftHSM2 is required (apt-get install softhsm2)")
    created = softhsm.init_token(tmp_path_factory.mktemp("softhsm"), label="sohoa-officer-token")
    officer = pki.identity("officer")
    softhsm.import_identity(created, officer.key_pem, officer.cert_pem, label="officer", object_id="01")
    softhsm.import_certificate(created, pki.intermediate_cert, label="issuing-ca", object_id="ca01")
    return created


@pytest.mark.slow
def test_pkcs11_token_signs_every_timestamped_level(
    token: softhsm.SoftHsmToken,
    pki: RunningPki,
    settings: SigningSettings,
    trust: TrustSettings,
    tmp_path: Path,
) -> None:
    identity = load_pkcs11(token.module, token.label, "officer", token.pin)
    assert identity.source == "pkcs11" and identity.display_name == "Nguyễn Thị Hồng Nhung"
    with DocumentSigner(identity, settings, trust=trust) as signer:
        for level in (SignatureLevel.B_T, SignatureLevel.B_LTA):
            signed = signer.sign(sample_pdf(1), level=level)
            report = validate_pdf(signed, trust, settings)
            assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
            assert report.signatures[0].pades_level is level
            path = tmp_path / f"{level}.pdf"
            path.write_bytes(signed)
            assert pdfsig_intact(path) == [True]


def test_pkcs11_wrong_pin_and_unknown_labels(token: softhsm.SoftHsmToken) -> None:
    with pytest.raises(WrongPinError, match="refused the PIN"):
        load_pkcs11(token.module, token.label, "officer", "000000")
    with pytest.raises(TokenNotFoundError, match="no PKCS#11 token labelled"):
        load_pkcs11(token.module, "no-such-token", "officer", token.pin)
    with pytest.raises(TokenNotFoundError, match="no key/certificate labelled"):
        load_pkcs11(token.module, token.label, "no-such-key", token.pin)


def test_cli_signs_with_token(
    token: softhsm.SoftHsmToken, pki: RunningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from signing.settings import signing_settings

    monkeypatch.setenv("SOHOA_SIGNING_TRUST_DIR", str(pki.trust_dir))
    signing_settings.cache_clear()
    source, out, pin = tmp_path / "in.pdf", tmp_path / "out.pdf", tmp_path / "pin"
    source.write_bytes(sample_pdf(1))
    pin.write_text(token.pin)
    args = ["sign", str(source), "-o", str(out), "--pkcs11-lib", str(token.module), "--token", token.label]
    try:
        result = CliRunner().invoke(app, [*args, "--key", "officer", "--pin-file", str(pin), "--level", "B-B"])
        assert result.exit_code == 0, result.output
        assert CliRunner().invoke(app, ["verify", str(out)]).exit_code == 0
        pin.write_text("999999")
        wrong = CliRunner().invoke(app, [*args, "--key", "officer", "--pin-file", str(pin), "--level", "B-B"])
        assert wrong.exit_code == 4 and "refused the PIN" in wrong.output
    finally:
        signing_settings.cache_clear()


def test_an_english_marked_development_certificate_is_issued_again_under_the_same_ca(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from signing.devca import _unit_cert, ensure_dev_material, is_development_name

    material = ensure_dev_material(tmp_path, "agency")
    ca_before = material.ca_pem.read_bytes()
    ca_key = serialization.load_pem_private_key((material.ca_pem.parent / "ca.key.pem").read_bytes(), None)
    key = serialization.load_pem_private_key(material.key_pem.read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca_before)
    legacy = _unit_cert("DEVELOPMENT ONLY — NOT FOR LEGAL USE (agency)", key, ca_key, ca_cert)  # type: ignore[arg-type]
    material.cert_pem.write_bytes(legacy.public_bytes(serialization.Encoding.PEM))
    assert is_development_name(legacy.subject.rfc4514_string())  # what it signed still reads as development

    again = ensure_dev_material(tmp_path, "agency")
    assert again.ca_pem.read_bytes() == ca_before  # same CA: earlier signatures keep validating
    renewed = x509.load_pem_x509_certificate(again.cert_pem.read_bytes())
    assert "CN=CƠ QUAN THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ," in renewed.subject.rfc4514_string()
    assert not is_development_name("CN=UBND xã Gio Linh,O=UBND tỉnh Quảng Trị")
