"""What the long-term signature tests share: a module-scoped test PKI with its TSA and a fresh SQLite catalogue with
a folder store for each test (imported by `test_longterm.py` and `test_longterm_bb.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest.db import migrate, sessions
from tests.support.pki import RunningPki, pki_fixture
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("longterm-pki"))


@pytest.fixture
def setup(tmp_path: Path) -> tuple[sessionmaker[Session], Vault]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    return factory, Vault(factory, LocalStore(tmp_path / "objects"), VaultSettings())
