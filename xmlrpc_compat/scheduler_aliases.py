"""``scheduler.aliases.*``: aliases of device types."""

from __future__ import annotations

NAMESPACE = "scheduler.aliases"
API_CLASS = "SchedulerAliasesAPI"

METHODS: dict = {}
