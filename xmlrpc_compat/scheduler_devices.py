"""``scheduler.devices.*``: devices."""

from __future__ import annotations

NAMESPACE = "scheduler.devices"
API_CLASS = "SchedulerDevicesAPI"

METHODS: dict = {}
