"""Running the app under uvicorn, with the embedded workers beside it when asked."""

from __future__ import annotations

from typing import Any

import uvicorn

from atdesk.config import Settings
from atdesk.web.app import create_app
from atdesk.web.embedded_workers import EmbeddedWorkers


def uvicorn_options(*, host: str, port: int, log_format: str = "text") -> dict[str, Any]:
    """Uvicorn's own proxy-header handling is off: it trusts loopback by default, and the app
    decides from ATDESK_TRUSTED_PROXIES instead (web/proxies.py). With JSON logs uvicorn keeps
    no handlers of its own, so its lines reach atdesk's JSON handler too."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "proxy_headers": False,
    }
    if log_format == "json":
        options["log_config"] = None
    return options


def run_server(settings: Settings, *, host: str, port: int, embedded_workers: bool) -> None:
    """Serve until interrupted; the embedded workers, in a process of their own (ADR 106),
    stop with the server."""
    workers = EmbeddedWorkers(settings).start() if embedded_workers else None
    try:
        uvicorn.run(
            create_app(settings),
            **uvicorn_options(host=host, port=port, log_format=settings.log_format),
        )
    finally:
        if workers is not None:
            workers.stop()
