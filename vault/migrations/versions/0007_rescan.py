"""Page prints: each document's perceptual hash per page, so that a paper scanned again is recognised
(docs/intake.md, "A paper scanned again").

Revision ID: 0007_rescan
Revises: 0006_portal_outbox
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_rescan"
down_revision = "0006_portal_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: documents stored before have no prints and are never matched.
    op.add_column(
        "documents",
        sa.Column("page_prints", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("page_prints")
