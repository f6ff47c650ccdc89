"""An index on the long-term job's level: the operator's B-B count reads the documents tracked at B-B whose version
was stored without a level through it, not every tracked row (docs/signing.md, "Reading the levels").

Revision ID: ingest_0011_longterm_level
Revises: ingest_0010_choice_until
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "ingest_0011_longterm_level"
down_revision = "ingest_0010_choice_until"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ingest_longterm_level", "ingest_longterm", ["level"])


def downgrade() -> None:
    op.drop_index("ix_ingest_longterm_level", table_name="ingest_longterm")
