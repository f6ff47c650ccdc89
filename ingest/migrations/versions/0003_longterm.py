"""Long-term validation state per document (level reached, next check).

Revision ID: ingest_0003_longterm
Revises: ingest_0002_webhooks
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "ingest_0003_longterm"
down_revision = "ingest_0002_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_longterm",
        sa.Column("document_id", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("next_check", UTCDateTime(), nullable=False, index=True),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("ingest_longterm")
