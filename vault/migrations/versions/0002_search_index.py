"""Full-text search index over documents' names, numbers and OCR text, folded (no case, no diacritics):
SQLite FTS5 on the embedded default, a PostgreSQL tsvector with a GIN index in production.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("indexed_at", sa.DateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(document_id UNINDEXED, folded)")
    else:
        op.create_table(
            "search_fts",
            sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), primary_key=True),
            sa.Column("folded", sa.Text(), nullable=False),
        )
        op.execute(
            "ALTER TABLE search_fts ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED"
        )
        op.execute("CREATE INDEX ix_search_fts_tsv ON search_fts USING gin (tsv)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_state")
