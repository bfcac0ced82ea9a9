"""notifications: the delivery queue of emails, IRC messages and callbacks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:45:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gql_server.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gql_server_notification",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column(
            "message",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", gql_server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created", gql_server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent", gql_server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gql_server_notification")),
        sa.UniqueConstraint(
            "job_id",
            "event",
            "kind",
            "target",
            name=op.f("uq_gql_server_notification_job_id_event_kind_target"),
        ),
    )
    op.create_index(
        "ix_gql_server_notification_due", "gql_server_notification", ["status", "next_attempt"]
    )
    op.create_index(
        op.f("ix_gql_server_notification_job_id"), "gql_server_notification", ["job_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_gql_server_notification_job_id"), table_name="gql_server_notification")
    op.drop_index("ix_gql_server_notification_due", table_name="gql_server_notification")
    op.drop_table("gql_server_notification")
