"""Service configuration from ATDESK_* environment variables or a config file (SPEC.md §6)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

_PREFIX = "ATDESK_"
MIN_SECRET_KEY_LENGTH = 16
# POST /api/v1/events: posts one request may carry, and inbound messages waiting past which a
# push is refused with 429 (docs/deployment.md).
EVENTS_MAX_ITEMS = 10_000
EVENTS_QUEUE_BOUND = 20_000


class MissingSecretKey(RuntimeError):
    """No usable signing key: atdesk never signs with a constant everyone can read."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every key of SPEC.md section 6, plus where the shared data lives."""

    database_url: str = "sqlite:///atdesk.db"
    redis_url: str | None = None
    x_api_base: str = "https://api.x.com"
    x_bearer_token: str | None = None
    x_consumer_secret: str | None = None
    mastodon_base: str | None = None
    mastodon_token: str | None = None
    bluesky_base: str | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None
    open311_endpoint: str | None = None
    open311_api_key: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    data_dir: str = str(Path(__file__).resolve().parents[3] / "shared" / "data")
    intent_model: str | None = None
    # Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For/-Proto are believed;
    # empty trusts nobody, loopback included (docs/security.md).
    trusted_proxies: str = ""
    # Operations (docs/deployment.md): "json" logs one object a line with request and case ids;
    # a metrics token lets Prometheus read /metrics with brand labels (unset: no brand names).
    log_format: str = "text"
    metrics_token: str | None = None
    events_max_items: int = EVENTS_MAX_ITEMS
    events_queue_bound: int = EVENTS_QUEUE_BOUND

    @property
    def signing_key(self) -> str:
        """The key that signs sessions and links; unset is a setup bug, so say how to fix it."""
        if not self.secret_key:
            raise MissingSecretKey(
                "no signing key: set ATDESK_SECRET_KEY, or start through `atdesk serve`, "
                "which generates one beside a SQLite database"
            )
        return self.secret_key


def load_settings(config_file: str | None = None) -> Settings:
    """Read a YAML config file (ATDESK_CONFIG or the argument), then let the environment win."""
    values: dict[str, str] = {}
    path = config_file or os.environ.get(f"{_PREFIX}CONFIG")
    if path:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"config file {path} must hold a mapping of keys to values")
        values.update({str(k).lower(): str(v) for k, v in loaded.items() if v is not None})
    for f in fields(Settings):
        env = os.environ.get(f"{_PREFIX}{f.name.upper()}")
        if env:
            values[f.name] = env
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown config keys: {', '.join(unknown)}")
    numbers = {
        f.name: _count(f.name, values[f.name])
        for f in fields(Settings)
        if f.name in values and f.type == "int"
    }
    return Settings(**(values | numbers))  # type: ignore[arg-type]


def _count(name: str, raw: str) -> int:
    """A whole number of at least 1 for a numeric key; anything else is refused by name."""
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(
            f"{_PREFIX}{name.upper()} must be a whole number of at least 1, not {raw!r}"
        )
    return number
