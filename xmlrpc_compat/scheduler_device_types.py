"""``scheduler.device_types.*``: device types."""

from __future__ import annotations

NAMESPACE = "scheduler.device_types"
API_CLASS = "SchedulerDeviceTypesAPI"

METHODS: dict = {}
