"""Fixtures of the signing tests: a thin wrapper over `tests.support.pki` (one certomancer PKI per session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from tests.support.pki import RunningPki, pki_fixture


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def settings(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> SigningSettings:
    return pki.signing_settings(tmp_path_factory.mktemp("fonts"), retry_backoff=0.1)


@pytest.fixture(scope="session")
def trust(pki: RunningPki) -> TrustSettings:
    return pki.trust()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sohoa-data")


def _signer(pki: RunningPki, label: str, settings: SigningSettings, trust: TrustSettings) -> Iterator[DocumentSigner]:
    signer = DocumentSigner(load_pkcs12(pki.identity(label).p12, pki.password), settings, trust=trust)
    yield signer
    signer.close()


@pytest.fixture(scope="module")
def officer(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> Iterator[DocumentSigner]:
    """The digitising officer's signer on the test PKI (one per test module)."""
    yield from _signer(pki, "officer", settings, trust)


@pytest.fixture(scope="module")
def agency(pki: RunningPki, settings: SigningSettings, trust: TrustSettings) -> Iterator[DocumentSigner]:
    """The agency's signer on the test PKI (one per test module)."""
    yield from _signer(pki, "agency", settings, trust)
