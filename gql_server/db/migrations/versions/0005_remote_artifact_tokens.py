"""remote artifact tokens: named secrets of each user for artifact servers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lava_scheduler_app_remoteartifactsauth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_lava_scheduler_app_remoteartifactsauth_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lava_scheduler_app_remoteartifactsauth")),
        sa.UniqueConstraint(
            "user_id", "name", name=op.f("uq_lava_scheduler_app_remoteartifactsauth_user_id_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("lava_scheduler_app_remoteartifactsauth")
