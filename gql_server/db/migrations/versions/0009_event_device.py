"""event device: a device's events are read from an index, newest first by cursor

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The payload's "device" of each dialect; events naming no device that fits the column
# (200 characters, as a device's hostname) are about no device.
_DEVICE_IN_DATA = {
    "postgresql": "CAST(data AS json) ->> 'device'",
    "sqlite": "json_extract(data, '$.device')",
}


def upgrade() -> None:
    op.add_column("gql_server_event", sa.Column("device", sa.String(length=200), nullable=True))
    device = _DEVICE_IN_DATA[op.get_bind().dialect.name]
    op.execute(
        f"UPDATE gql_server_event SET device = {device}"
        f" WHERE topic LIKE '%.device' AND length({device}) <= 200"
    )
    # Indexed once filled, rather than updated row by row by the backfill.
    op.create_index("ix_gql_server_event_device", "gql_server_event", ["device", "seq"])


def downgrade() -> None:
    op.drop_index("ix_gql_server_event_device", table_name="gql_server_event")
    with op.batch_alter_table("gql_server_event") as batch:
        batch.drop_column("device")
