"""Dossiers indexed by when they were received (and per agency): the Decision 766 indicators count a month's
dossiers, and the manager's page asks for six months at a time.

Revision ID: 0005_dossiers_received
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0005_dossiers_received"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"])
    op.create_index("ix_dossiers_agency_received", "dossiers", ["agency_code", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_agency_received", table_name="dossiers")
    op.drop_index("ix_dossiers_received_at", table_name="dossiers")
