"""publisher mark: how far the outbox was sent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    mark = op.create_table(
        "gql_server_publisher_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sent_through", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gql_server_publisher_mark")),
    )
    published = op.get_bind().scalar(sa.text("SELECT max(seq) FROM gql_server_event"))
    op.bulk_insert(mark, [{"id": 1, "sent_through": published or 0}])


def downgrade() -> None:
    op.drop_table("gql_server_publisher_mark")
