"""The catalogue's Alembic migration chains: upgrade them (`sohoa migrate`), or check before a process starts
that the schema is current, so that replicas never race to migrate and never run on a schema they don't know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from vault.db import MIGRATIONS, make_engine


class SchemaOutOfDate(RuntimeError):
    """The catalogue is behind this release and migrating at start is off; the message says what to run."""


@dataclass(frozen=True)
class Chain:
    """One migration history: its scripts and the table that records where a database is."""

    name: str
    script_location: Path
    version_table: str = "alembic_version"

    def config(self, url: str) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return config


VAULT_CHAIN = Chain("vault", MIGRATIONS)


def upgrade(url: str, chains: Sequence[Chain]) -> None:
    """Bring each chain at `url` to its newest revisions (idempotent), in order."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    for chain in chains:
        command.upgrade(chain.config(url), "heads")


def missing_revisions(url: str, chain: Chain) -> list[str]:
    """The newest revisions of `chain` the database at `url` has not reached (empty: current or newer)."""
    script = ScriptDirectory.from_config(chain.config(url))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": chain.version_table})
            current = set(context.get_current_heads())
    finally:
        engine.dispose()
    try:
        reached = {rev.revision for rev in script.iterate_revisions(tuple(current), "base")} if current else set()
    except CommandError:
        return []  # a revision this release does not know: the schema is newer (a rolling upgrade), not behind
    return sorted(set(script.get_heads()) - reached)


def prepare(url: str, chains: Sequence[Chain], *, auto_migrate: bool) -> None:
    """Migrate (`auto_migrate`) or refuse an out-of-date catalogue with a message that says what to run."""
    if auto_migrate:
        upgrade(url, chains)
        return
    behind = {chain.name: missing for chain in chains if (missing := missing_revisions(url, chain))}
    if behind:
        needed = "; ".join(f"{name} needs {', '.join(revisions)}" for name, revisions in behind.items())
        raise SchemaOutOfDate(
            f"the catalogue schema is out of date ({needed}) and SOHOA_AUTO_MIGRATE is off: "
            "run `sohoa migrate` once (the deployment's migrate job), then start this process again"
        )
