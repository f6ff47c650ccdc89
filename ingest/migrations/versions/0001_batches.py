"""Batches, batch documents and progress events.

Revision ID: ingest_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "ingest_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False, index=True),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("dossier_code", sa.String(50), nullable=False, index=True),
        sa.Column("owner_id", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(255), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("staging_dir", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "ingest_batch_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("ingest_batches.id"), nullable=False, index=True),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("type_code", sa.String(64)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("pages", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.String(20)),
        sa.Column("document_id", sa.String(32)),
        sa.Column("signature", sa.String(20)),
        sa.Column("rescan", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("batch_id", "index"),
    )
    op.create_table(
        "ingest_batch_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("ingest_batches.id"), nullable=False, index=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ingest_batch_events")
    op.drop_table("ingest_batch_documents")
    op.drop_table("ingest_batches")
