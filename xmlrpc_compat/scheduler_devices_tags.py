"""``scheduler.devices.tags.*``: devices' tags."""

from __future__ import annotations

NAMESPACE = "scheduler.devices.tags"
API_CLASS = "SchedulerDevicesTagsAPI"

METHODS: dict = {}
