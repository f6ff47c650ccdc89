"""Block digests: each stored version's SHA-256 per 256 KiB block, so that a byte range is read and verified on
its own (docs/vault.md, "Streaming downloads").

Revision ID: 0008_block_digests
Revises: 0007_rescan
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_block_digests"
down_revision = "0007_rescan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs: versions stored before have no block digests and keep the whole-object read.
    op.add_column("document_versions", sa.Column("block_size", sa.Integer(), nullable=True))
    op.add_column("document_versions", sa.Column("block_digests", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.drop_column("block_digests")
        batch.drop_column("block_size")
