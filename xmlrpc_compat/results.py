"""``results.*``: test results."""

from __future__ import annotations

NAMESPACE = "results"
API_CLASS = "ResultsAPI"

METHODS: dict = {}
