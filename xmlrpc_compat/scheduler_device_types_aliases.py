"""``scheduler.device_types.aliases.*``: device types' aliases."""

from __future__ import annotations

NAMESPACE = "scheduler.device_types.aliases"
API_CLASS = "SchedulerDeviceTypesAliasesAPI"

METHODS: dict = {}
