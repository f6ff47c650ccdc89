"""Per-officer signers from the composition root: on the embedded default each officer account signs with a
development certificate of their own; with a configured key every officer shares it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import core_settings
from ingest.settings import ingest_settings
from runtime import signers
from tests.runtime.test_signers import _p12_from_development_key


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SOHOA_INGEST_OFFICERS_FILE", raising=False)
    for name in ("P12", "P12_PASSWORD_FILE", "PKCS11_LIB", "PKCS11_TOKEN", "PKCS11_KEY"):
        monkeypatch.delenv(f"SOHOA_INGEST_OFFICER_{name}", raising=False)
    caches = (core_settings, ingest_settings, signers.officer_signer, signers._officer_dev_signer, signers._own_signer)
    caches += (signers._split_signer, signers._table)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_each_officer_signs_with_their_own_development_certificate(fresh: None) -> None:
    an, binh = signers.officer_signer_for("QT-01"), signers.officer_signer_for("QT-02")
    try:
        assert an.identity.display_name == "QT-01" and binh.identity.display_name == "QT-02"
        assert an.identity.certificate.dump() != binh.identity.certificate.dump()
        assert an.identity.is_development and signers.officer_signer_for("QT-01") is an
    finally:
        an.close()
        binh.close()


def test_the_development_certificate_carries_the_officers_name(fresh: None) -> None:
    lan = signers.officer_signer_for("QT-03", "Nguyễn Thị Lan")
    try:
        assert lan.identity.display_name == "Nguyễn Thị Lan"
        assert lan.identity.certificate.subject.native["common_name"] == "Nguyễn Thị Lan"
    finally:
        lan.close()


def test_a_configured_key_is_shared_by_every_officer(
    fresh: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p12, password = _p12_from_development_key(tmp_path)
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12", str(p12))
    monkeypatch.setenv("SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE", str(password))
    ingest_settings.cache_clear()
    shared = signers.officer_signer_for("QT-01")
    try:
        assert shared is signers.officer_signer_for("QT-02") is signers.officer_signer()
        assert shared.identity.source == "pkcs12"
    finally:
        shared.close()


def test_the_officers_file_gives_each_listed_officer_their_own_identity(
    fresh: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from signing.devca import ensure_dev_material
    from signing.split import SplitSigner

    p12, password = _p12_from_development_key(tmp_path)
    certificate = ensure_dev_material(tmp_path / "data", "officer").cert_pem
    officers = tmp_path / "officers.toml"
    officers.write_text(
        f'[officers.lan]\np12 = "{p12}"\np12_password_file = "{password}"\n\n'
        f'[officers.nhung]\nmode = "split"\ncertificate = "{certificate}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SOHOA_INGEST_OFFICERS_FILE", str(officers))
    ingest_settings.cache_clear()
    lan, nhung, other = (signers.officer_signer_for(sub) for sub in ("lan", "nhung", "QT-09"))
    try:
        assert lan.identity.source == "pkcs12" and not isinstance(lan, SplitSigner)
        assert isinstance(nhung, SplitSigner) and nhung.identity.source == "external"
        assert nhung.identity.certificate.dump() == lan.identity.certificate.dump()  # same file, other mode
        assert other.identity.is_development and other.identity.display_name == "QT-09"  # not listed
        assert signers.officer_signer_for("lan") is lan
        officers.write_text(f'[officers.lan]\nmode = "split"\ncertificate = "{certificate}"\n', encoding="utf-8")
        os.utime(officers, ns=(1, 1))  # a changed file is read again, without a restart
        assert isinstance(signers.officer_signer_for("lan"), SplitSigner)
        assert signers.officer_signer_for("nhung").identity.is_development
    finally:
        for signer in (lan, nhung, other):
            signer.close()
