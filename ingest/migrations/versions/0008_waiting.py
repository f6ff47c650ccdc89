"""What a running document waits for (`trust_service`: the TSA or OCSP responder is unreachable), shown with its
state in the batch status and on the counter's progress page.

Revision ID: ingest_0008_waiting
Revises: ingest_0006_signature_requests
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0008_waiting"
down_revision = "ingest_0006_signature_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN (no table rebuild on SQLite, see 0004).
    op.add_column("ingest_batch_documents", sa.Column("waiting", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch_documents") as batch:
        batch.drop_column("waiting")
