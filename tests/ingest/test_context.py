"""The tasks' context: handed by the composition root as a factory, built once per process on first use; a task
in a process where nothing was installed fails with a clear error instead of building the world itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import context
from ingest.db import migrate, sessions
from ingest.staging import FolderArea
from issuing.agency import Issuer
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore


@pytest.fixture(autouse=True)
def _nothing_installed() -> Iterator[None]:
    context._factory, context._context = None, None
    yield
    context._factory, context._context = None, None


def test_a_task_without_an_installed_context_is_told_so() -> None:
    with pytest.raises(context.NotConfigured, match="sohoa worker"):
        context.context()


def test_the_installed_factory_is_built_once_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    built: list[context.PipelineContext] = []

    def build() -> context.PipelineContext:
        vault = Vault(factory, LocalStore(tmp_path / "objects"), VaultSettings())
        made = context.PipelineContext(
            sessions=factory,
            vault=lambda: vault,
            staging=lambda: FolderArea(tmp_path),
            officer_signer=lambda: pytest.fail("no signature in this test"),
            issuer=Issuer(agency_signer=lambda: pytest.fail("no seal in this test"), notify=lambda *_: None),
        )
        built.append(made)
        return made

    context.configure(build)
    assert built == []  # nothing is built before a task needs it
    first = context.context()
    assert context.context() is first
    assert built == [first]
    assert first.sessions is factory
