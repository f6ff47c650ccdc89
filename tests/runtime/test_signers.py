"""One signer configuration type: the officer's and the agency's keys are read from the same variables as before
into a `SignerConfig`, which loads a PKCS#12 file or the development identity; the composition root builds the
process's signers from it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate

from core.settings import SettingsError, core_settings
from core.types import SignatureLevel
from ingest.settings import IngestSettings, ingest_settings
from issuing.settings import IssuingSettings
from runtime import signers
from signing.config import SignerConfig
from signing.devca import ensure_dev_material
from signing.officers import OfficerIdentity
from signing.settings import SigningSettings


def _p12_from_development_key(folder: Path) -> tuple[Path, Path]:
    """A PKCS#12 file (and its password file) holding the development officer's key and certificate."""
    material = ensure_dev_material(folder / "data", "officer")
    key = serialization.load_pem_private_key(material.key_pem.read_bytes(), password=None)
    cert = load_pem_x509_certificate(material.cert_pem.read_bytes())
    ca = load_pem_x509_certificate(material.ca_pem.read_bytes())
    p12 = folder / "officer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"officer",
            key,
            cert,
            [ca],
            serialization.BestAvailableEncryption(b"mat-khau"),  # type: ignore[arg-type]
        )
    )
    password = folder / "officer-password.txt"
    password.write_text("mat-khau\n", encoding="utf-8")
    return p12, password


def test_the_old_variable_names_fill_one_config_per_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith(("SOHOA_INGEST_OFFICER_", "SOHOA_ISSUING_AGENCY_"))]:
        monkeypatch.delenv(name)  # a session fixture of other tests (tests/api) may have set the agency's key
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12", "/secrets/officer.p12")
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE", "/secrets/officer.txt")
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_NAME", "Nguyễn Thị Hồng Nhung")
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_PKCS11_LIB", "/usr/lib/softhsm/libsofthsm2.so")
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_PKCS11_TOKEN", "sohoa")
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_PKCS11_KEY", "agency")
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_PKCS11_PIN_FILE", "/secrets/pin.txt")
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_NAMES", '{"000.00.00.H30": "Ủy ban nhân dân tỉnh Quảng Trị"}')
    ingest, issuing = IngestSettings(), IssuingSettings()
    assert ingest.officer == SignerConfig(
        p12=Path("/secrets/officer.p12"), p12_password_file=Path("/secrets/officer.txt")
    )
    assert ingest.officer.source == "pkcs12"
    assert ingest.officer_name == "Nguyễn Thị Hồng Nhung"
    assert issuing.agency == SignerConfig(
        pkcs11_lib=Path("/usr/lib/softhsm/libsofthsm2.so"),
        pkcs11_token="sohoa",
        pkcs11_key="agency",
        pkcs11_pin_file=Path("/secrets/pin.txt"),
    )
    assert issuing.agency.source == "pkcs11"
    assert issuing.agency_name("000.00.00.H30") == "Ủy ban nhân dân tỉnh Quảng Trị"


def test_nothing_set_is_the_development_identity_and_a_p12_is_loaded(tmp_path: Path) -> None:
    assert SignerConfig().source == "development"
    development = SignerConfig().identity("officer", tmp_path / "data")
    assert development.is_development
    p12, password = _p12_from_development_key(tmp_path)
    loaded = SignerConfig(p12=p12, p12_password_file=password).identity("officer", tmp_path / "data")
    assert (loaded.source, loaded.is_development) == ("pkcs12", False)
    assert loaded.subject == development.subject


@pytest.fixture
def fresh_signers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    caches = (core_settings, ingest_settings, signers.officer_signer)
    for cache in caches:
        cache.cache_clear()
    yield
    if signers.officer_signer.cache_info().currsize:
        signers.officer_signer().close()
    for cache in caches:
        cache.cache_clear()


def test_the_root_builds_the_officer_signer_once_from_its_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_signers: None
) -> None:
    p12, password = _p12_from_development_key(tmp_path)
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12", str(p12))
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE", str(password))
    signer = signers.officer_signer()
    assert signer.identity.source == "pkcs12"
    assert signers.officer_signer() is signer


def _stopped_at_start(command: list[str], settings: dict[str, str], what: str) -> str:
    """Run a sohoa command with only `settings` (no SOHOA_ variable of the test process); it must exit 2 at once:
    its stderr."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | settings
    try:
        answer = subprocess.run(
            [sys.executable, "-m", "cli", *command], env=environment, capture_output=True, text=True, timeout=90
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} started without a time-stamping authority")
    assert answer.returncode == 2, answer.stderr
    return answer.stderr


def test_a_worker_with_an_operator_key_and_no_tsa_stops_at_start(tmp_path: Path) -> None:
    """compose.yaml as first written let SOHOA_SIGNING_TSA_URL default to empty: every document's B-LTA signature
    was retried for hours with "TSA/OCSP không phản hồi". The worker now refuses to start and says what to set."""
    p12, password = _p12_from_development_key(tmp_path)
    settings = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_INGEST_OFFICER_P12": str(p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
    }
    stderr = _stopped_at_start(["worker", "--concurrency", "1"], settings, "the worker")
    assert "error: SOHOA_SIGNING_TSA_URL is not set: documents are signed at B-LTA, B-T" in stderr
    assert "SOHOA_SIGNING_ALLOW_BB_FALLBACK=true" in stderr


def test_serve_with_its_embedded_worker_stops_at_start_too(tmp_path: Path) -> None:
    """`sohoa serve` on the embedded default starts a worker beside the API: with an operator key and no TSA that
    worker stopped at once while the API went on serving, and batches waited for a worker that never came (walked
    with an officer's token, 30 Nov 2026). The API now stops at start with the worker's reason."""
    p12, password = _p12_from_development_key(tmp_path)
    settings = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_INGEST_OFFICER_P12": str(p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
        "SOHOA_API_PORT": "1",  # never reached: it stops before listening
    }
    assert "error: SOHOA_SIGNING_TSA_URL is not set" in _stopped_at_start(["serve"], settings, "sohoa serve's worker")


def test_timestamping_is_required_only_where_it_is_needed() -> None:
    operator_key = SignerConfig(p12=Path("/secrets/officer.p12"), p12_password_file=Path("/secrets/pw"))
    development = SignerConfig()
    with pytest.raises(SettingsError, match="SOHOA_SIGNING_TSA_URL is not set"):
        signers.require_timestamping(SigningSettings(), (operator_key, development))
    signers.require_timestamping(SigningSettings(tsa_url="http://tsa.example.gov.vn"), (operator_key,))
    signers.require_timestamping(SigningSettings(allow_bb_fallback=True), (operator_key,))
    signers.require_timestamping(SigningSettings(), (development, development))  # the embedded default
    b_b = dict.fromkeys(SigningSettings().levels, SignatureLevel.B_B)
    signers.require_timestamping(SigningSettings(levels=b_b), (operator_key,))


def test_a_worker_with_split_officers_and_no_tsa_stops_at_start(tmp_path: Path) -> None:
    """An officer's own token (`mode = "split"` in the officers file) on a one-machine install with no TSA: the sign
    step retried every minute "đang chờ dịch vụ cấp dấu thời gian", which could never come (walked 30 Nov 2026).
    Her signature has legal value, so it does not fall back to B-B by itself: the worker stops at start."""
    material = ensure_dev_material(tmp_path / "data", "officer")
    officers = tmp_path / "officers.toml"
    officers.write_text(f'[officers."lan.pt"]\nmode = "split"\ncertificate = "{material.cert_pem}"\n', "utf-8")
    settings = {"SOHOA_DATA_DIR": str(tmp_path / "data"), "SOHOA_INGEST_OFFICERS_FILE": str(officers)}
    stderr = _stopped_at_start(["worker", "--concurrency", "1"], settings, "the worker for split officers")
    assert "error: SOHOA_SIGNING_TSA_URL is not set" in stderr


def test_split_officers_count_as_legal_keys(tmp_path: Path) -> None:
    material = ensure_dev_material(tmp_path / "data", "officer")
    split = OfficerIdentity(mode="split", certificate=material.cert_pem)
    with pytest.raises(SettingsError, match="SOHOA_SIGNING_TSA_URL is not set"):
        signers.require_timestamping(SigningSettings(), (SignerConfig(), SignerConfig(), split))
    signers.require_timestamping(SigningSettings(allow_bb_fallback=True), (split,))
    signers.require_timestamping(SigningSettings(tsa_url="http://tsa.example.gov.vn"), (split,))
