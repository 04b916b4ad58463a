"""Choosing the bus backend from the settings, in one place."""

from __future__ import annotations

from atdesk.config import Settings
from atdesk.pipeline.bus import Bus
from atdesk.pipeline.embedded_bus import EmbeddedBus


def make_bus(settings: Settings) -> Bus:
    """Redis Streams when ATDESK_REDIS_URL is set, else the embedded database-backed bus."""
    if settings.redis_url:
        from atdesk.pipeline.redis_bus import RedisBus

        return RedisBus(settings.redis_url, settings.database_url)
    return EmbeddedBus(settings.database_url)
