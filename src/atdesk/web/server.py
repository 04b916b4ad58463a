"""Running the app under uvicorn, with the embedded workers beside it when asked."""

from __future__ import annotations

import uvicorn

from atdesk.config import Settings
from atdesk.pipeline.worker import Worker
from atdesk.web.app import create_app


def run_server(settings: Settings, *, host: str, port: int, embedded_workers: bool) -> None:
    """Serve until interrupted; workers stop with the server."""
    worker = Worker(settings) if embedded_workers else None
    if worker is not None:
        worker.start_thread()
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    finally:
        if worker is not None:
            worker.stop()
