"""The manifest's `drop_blank` kept with the batch, so that the workers leave blank pages out of the PDF.

Revision ID: ingest_0004_drop_blank
Revises: ingest_0003_longterm
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0004_drop_blank"
down_revision = "ingest_0003_longterm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (its default fills the existing rows): batch mode would rebuild the table on SQLite,
    # and dropping the old copy fails there while batch documents and events point at its rows.
    op.add_column("ingest_batches", sa.Column("drop_blank", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.drop_column("drop_blank")
