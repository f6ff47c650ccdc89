"""Per-officer signers from the composition root: on the embedded default each officer account signs with a
development certificate of their own; with a configured key every officer shares it."""

from __future__ import annotations

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
    for name in ("P12", "P12_PASSWORD_FILE", "PKCS11_LIB", "PKCS11_TOKEN", "PKCS11_KEY"):
        monkeypatch.delenv(f"SOHOA_INGEST_OFFICER_{name}", raising=False)
    caches = (core_settings, ingest_settings, signers.officer_signer, signers._officer_dev_signer)
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
