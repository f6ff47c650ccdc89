"""Owner listing index on (owner_pk, created_at) as the listing sorts; JSON columns become JSONB on PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_COLUMNS = (("documents", "extracted_fields"), ("pending_writes", "payload"))


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index("ix_documents_owner_status")
        batch_op.create_index("ix_documents_owner_created", ["owner_pk", "created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, column in JSON_COLUMNS:
            op.alter_column(
                table, column, type_=postgresql.JSONB(), postgresql_using=f"{column}::jsonb", existing_nullable=False
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in JSON_COLUMNS:
            op.alter_column(table, column, type_=sa.JSON(), postgresql_using=f"{column}::json", existing_nullable=False)
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index("ix_documents_owner_created")
        batch_op.create_index("ix_documents_owner_status", ["owner_pk", "status", "created_at"], unique=False)
