"""callback secrets and extended users: what notifications need from a user

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 16:15:00
"""

import sqlalchemy as sa
from alembic import op

import gql_server.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gql_server_callback_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret", sa.String(length=1024), nullable=False),
        sa.Column("created", gql_server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_gql_server_callback_secret_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gql_server_callback_secret")),
        sa.UniqueConstraint(
            "user_id", "name", name=op.f("uq_gql_server_callback_secret_user_id_name")
        ),
    )
    op.create_table(
        "lava_scheduler_app_extendeduser",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("irc_handle", sa.String(length=40), nullable=True),
        sa.Column("irc_server", sa.String(length=40), nullable=True),
        sa.Column("table_length", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_lava_scheduler_app_extendeduser_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lava_scheduler_app_extendeduser")),
        sa.UniqueConstraint("user_id", name=op.f("uq_lava_scheduler_app_extendeduser_user_id")),
    )


def downgrade() -> None:
    op.drop_table("lava_scheduler_app_extendeduser")
    op.drop_table("gql_server_callback_secret")
