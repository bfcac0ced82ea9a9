"""Job definitions for submission tests, and a device type they can run on."""

from __future__ import annotations

import sqlalchemy

SINGLE = """
job_name: smoke
device_type: {device_type}
visibility: {visibility}
priority: medium
timeouts:
  job: {{minutes: 10}}
  queue: {{hours: 2}}
actions:
- boot: {{method: qemu, media: tmpfs}}
"""

MULTINODE = """
job_name: mn
visibility: public
timeouts: {{job: {{minutes: 30}}}}
protocols:
  lava-multinode:
    roles:
      server: {{device_type: {device_type}, count: 1}}
      client: {{device_type: {device_type}, count: 2}}
    timeout: {{minutes: 5}}
actions:
- boot: {{method: qemu, media: tmpfs, role: [server, client]}}
"""


def usable_device_type(sync_url: str) -> str:
    """A device type with at least three usable devices and no view restriction."""
    engine = sqlalchemy.create_engine(sync_url)
    with engine.connect() as connection:
        name = connection.execute(
            sqlalchemy.text(
                "SELECT d.device_type_id FROM lava_scheduler_app_device d WHERE d.health <> 5"
                " AND d.device_type_id NOT IN (SELECT p.devicetype_id FROM"
                " lava_scheduler_app_groupdevicetypepermission p)"
                " GROUP BY d.device_type_id HAVING count(*) >= 3 ORDER BY d.device_type_id LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    return name
