"""LAVA's REST API v0.2 (``/api/v0.2/``): routes that reshape resolver answers LAVA's way."""
