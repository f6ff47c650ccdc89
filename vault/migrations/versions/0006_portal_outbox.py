"""The portal outbox: messages for the national portal written with the change they tell of (docs/portal.md).

Revision ID: 0006_portal_outbox
Revises: 0005_dossiers_received
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_portal_outbox"
down_revision = "0005_dossiers_received"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("stream", sa.String(80), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_portal_outbox_stream", "portal_outbox", ["stream"], unique=False)
    op.create_index("ix_portal_outbox_status_stream", "portal_outbox", ["status", "stream"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_portal_outbox_status_stream", table_name="portal_outbox")
    op.drop_index("ix_portal_outbox_stream", table_name="portal_outbox")
    op.drop_table("portal_outbox")
