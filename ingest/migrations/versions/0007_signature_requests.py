"""Signature requests: documents waiting for their officer's own token (split signing), with their expiry and
what became of them (signed, rejected with a reason, expired, renewed).

Revision ID: ingest_0006_signature_requests
Revises: ingest_0006_new_version_of
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "ingest_0006_signature_requests"
down_revision = "ingest_0006_new_version_of"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_signature_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("ingest_batches.id"), nullable=False),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("officer_sub", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("to_be_signed", sa.LargeBinary, nullable=False),
        sa.Column("certificate", sa.LargeBinary, nullable=False),
        sa.Column("pending", sa.LargeBinary, nullable=False),
        sa.Column("signature_value", sa.LargeBinary, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_ingest_signature_requests_batch_id", "ingest_signature_requests", ["batch_id"])
    op.create_index("ix_ingest_signature_requests_officer_sub", "ingest_signature_requests", ["officer_sub"])


def downgrade() -> None:
    op.drop_table("ingest_signature_requests")
