"""Signature level: the PAdES level our signer reached for each stored version, so the long-term job finds the
versions signed at B-B without reading their files (docs/signing.md, "A document signed at B-B").

Revision ID: 0009_signature_level
Revises: 0008_block_digests
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_signature_level"
down_revision = "0008_block_digests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: versions stored before have no level (NULL); the long-term job reads those files
    # once, as it did before, when it starts tracking them.
    op.add_column("document_versions", sa.Column("signature_level", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.drop_column("signature_level")
