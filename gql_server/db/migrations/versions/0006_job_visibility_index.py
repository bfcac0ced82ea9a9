"""job visibility index: counting the jobs a viewer may see reads an index, not rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:30:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_testjob_visibility",
        "lava_scheduler_app_testjob",
        ["is_public", "submitter_id", "actual_device_id", "requested_device_type_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_testjob_visibility", table_name="lava_scheduler_app_testjob")
