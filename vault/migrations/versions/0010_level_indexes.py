"""Indexes for the signature-level reads: the versions at a level (the operator's B-B count) and the documents by
current version number (the long-term job's look for newer versions); docs/signing.md, "Reading the levels".

Revision ID: 0010_level_indexes
Revises: 0009_signature_level
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0010_level_indexes"
down_revision = "0009_signature_level"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_document_versions_signature_level", "document_versions", ["signature_level"])
    op.create_index("ix_documents_current_version", "documents", ["current_version"])


def downgrade() -> None:
    op.drop_index("ix_documents_current_version", table_name="documents")
    op.drop_index("ix_document_versions_signature_level", table_name="document_versions")
