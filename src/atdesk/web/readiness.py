"""Is this process ready for traffic: the database answers, its schema is at the newest
migration, and Redis answers when the bus uses it.

/healthz (SPEC §7) only asks the database; a load balancer or an orchestrator asks /readyz
before sending work, so a web process started ahead of `atdesk db upgrade` or with Redis down
is kept out of rotation, and its answer says which check failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from atdesk.config import Settings
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import alembic_config

# A readiness probe must answer quickly even when Redis is unreachable.
REDIS_TIMEOUT_S = 2.0


@dataclass(slots=True)
class Readiness:
    """Each check's verdict ("ok", "not configured", or what is wrong), and the failed ones."""

    checks: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Every check passed."""
        return not self.failed

    def fail(self, name: str, why: str) -> None:
        """Record a failed check."""
        self.checks[name] = why
        self.failed.append(name)


@lru_cache(maxsize=4)
def head_revisions(url: str) -> frozenset[str]:
    """The newest migrations this code ships (read from the scripts once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def check(settings: Settings) -> Readiness:
    """Run every check; a failure of one does not stop the others."""
    result = Readiness()
    url = settings.database_url
    try:
        with get_engine(url).connect() as connection:
            connection.execute(text("SELECT 1"))
            result.checks["database"] = "ok"
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        result.fail("database", f"unreachable ({type(exc).__name__})")
        result.fail("migrations", "unknown: the database does not answer")
    else:
        heads = head_revisions(url)
        if current == heads:
            result.checks["migrations"] = "ok"
        else:
            at = ", ".join(sorted(current)) or "none"
            result.fail(
                "migrations",
                f"at {at}, the code needs {', '.join(sorted(heads))}: run `atdesk db upgrade`",
            )
    if not settings.redis_url:
        result.checks["redis"] = "not configured"
    else:
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            result.fail("redis", f"unreachable ({type(exc).__name__})")
        else:
            result.checks["redis"] = "ok"
        finally:
            client.close()
    return result
