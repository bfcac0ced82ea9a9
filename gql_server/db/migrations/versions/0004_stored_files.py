"""stored files: device dictionaries, templates, health checks, worker configuration

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:00:00
"""

import sqlalchemy as sa
from alembic import op

import gql_server.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gql_server_stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("updated", gql_server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gql_server_stored_file")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_gql_server_stored_file_kind_name")),
    )


def downgrade() -> None:
    op.drop_table("gql_server_stored_file")
