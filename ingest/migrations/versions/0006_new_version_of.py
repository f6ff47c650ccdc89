"""A batch document may be a new version of a stored document (one page replaced after a rescan verdict): the id
of that document, so the store step adds a version instead of a new document.

Revision ID: ingest_0006_new_version_of
Revises: ingest_0005_submitter_name
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0006_new_version_of"
down_revision = "ingest_0005_submitter_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN (no table rebuild on SQLite, see 0004).
    op.add_column("ingest_batch_documents", sa.Column("new_version_of", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch_documents") as batch:
        batch.drop_column("new_version_of")
