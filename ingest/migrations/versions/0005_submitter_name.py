"""The submitter's display name (the token's `name` claim) kept with the batch, so that the workers sign with the
officer's own development certificate under their name.

Revision ID: ingest_0005_submitter_name
Revises: ingest_0004_drop_blank
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0005_submitter_name"
down_revision = "ingest_0004_drop_blank"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN (no table rebuild on SQLite, see 0004).
    op.add_column("ingest_batches", sa.Column("submitter_name", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.drop_column("submitter_name")
