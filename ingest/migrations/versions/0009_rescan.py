"""A paper scanned again: the stored document a batch's document matched (shown to the station) and the station's
choice (reuse, new version, new document) (docs/intake.md, "A paper scanned again").

Revision ID: ingest_0009_rescan
Revises: ingest_0008_waiting
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0009_rescan"
down_revision = "ingest_0008_waiting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs (no table rebuild on SQLite, see 0004).
    op.add_column("ingest_batch_documents", sa.Column("scanned_before", sa.JSON(), nullable=True))
    op.add_column("ingest_batch_documents", sa.Column("choice", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch_documents") as batch:
        batch.drop_column("choice")
        batch.drop_column("scanned_before")
