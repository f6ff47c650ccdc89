"""The agencies' yearly certification registers: number sequences and register lines.

Revision ID: ingest_0002
Revises: ingest_0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vault.models import UTCDateTime

revision = "ingest_0002"
down_revision = "ingest_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_certification_sequences",
        sa.Column("agency_code", sa.String(35), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    op.create_table(
        "ingest_certifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("dossier_code", sa.String(50), nullable=False, index=True),
        sa.Column("certified_by", sa.String(255), nullable=False),
        sa.Column("certified_at", UTCDateTime(), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=True, index=True),
        sa.UniqueConstraint("agency_code", "year", "number"),
    )


def downgrade() -> None:
    op.drop_table("ingest_certifications")
    op.drop_table("ingest_certification_sequences")
