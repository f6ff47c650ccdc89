"""The dossier's life: its department, moved deadline and channel, and the table of its events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = (
        sa.Column("department", sa.String(255), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False, server_default="scan"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite keeps no length on VARCHAR, and a batch rebuild of `dossiers` (dropping the table that document
        # links and events point at) fails with foreign keys on once a dossier has documents: add the columns only.
        for column in columns:
            op.add_column("dossiers", column)
    else:
        with op.batch_alter_table("dossiers") as batch_op:
            batch_op.alter_column("status", existing_type=sa.String(20), type_=sa.String(30), existing_nullable=False)
            for column in columns:
                batch_op.add_column(column)
    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=True),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor_subject", sa.String(255), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("department", sa.String(255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("notice_document_id", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dossier_events_dossier_id", "dossier_events", ["dossier_id"], unique=False)
    op.create_table(
        "consent_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner_pk", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("dossier_code", sa.String(50), nullable=True),
        sa.ForeignKeyConstraint(["owner_pk"], ["owners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_requests_owner_pk", "consent_requests", ["owner_pk"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_consent_requests_owner_pk", table_name="consent_requests")
    op.drop_table("consent_requests")
    op.drop_index("ix_dossier_events_dossier_id", table_name="dossier_events")
    op.drop_table("dossier_events")
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("channel")
        batch_op.drop_column("due_at")
        batch_op.drop_column("department")
        batch_op.alter_column("status", existing_type=sa.String(30), type_=sa.String(20), existing_nullable=False)
