"""Fixtures of the signing tests: a thin wrapper over `tests.support.pki` (one certomancer PKI per session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signing.settings import SigningSettings
from signing.trust import TrustSettings
from tests.support.pki import RunningPki, start_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    running = start_pki(tmp_path_factory.mktemp("pki"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def settings(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> SigningSettings:
    return pki.signing_settings(tmp_path_factory.mktemp("fonts"), retry_backoff=0.1)


@pytest.fixture(scope="session")
def trust(pki: RunningPki) -> TrustSettings:
    return pki.trust()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sohoa-data")
