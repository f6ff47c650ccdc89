"""A paper scanned again waits for the station's choice until `choice_until` (SOHOA_INGEST_CHOICE_TTL_SECONDS), then
fails with its reason (docs/intake.md, "A paper scanned again"); documents already waiting get a full wait from now.

Revision ID: ingest_0010_choice_until
Revises: ingest_0009_rescan
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "ingest_0010_choice_until"
down_revision = "ingest_0009_rescan"
branch_labels = None
depends_on = None

DEFAULT_WAIT = dt.timedelta(hours=24)  # the setting's default when this revision was written


def upgrade() -> None:
    # A plain nullable ADD COLUMN (no table rebuild on SQLite, see 0004).
    op.add_column("ingest_batch_documents", sa.Column("choice_until", UTCDateTime(), nullable=True))
    documents = sa.table(
        "ingest_batch_documents", sa.column("status", sa.String), sa.column("choice_until", UTCDateTime())
    )
    until = dt.datetime.now(dt.UTC) + DEFAULT_WAIT
    op.execute(documents.update().where(documents.c.status == "awaiting_choice").values(choice_until=until))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch_documents") as batch:
        batch.drop_column("choice_until")
