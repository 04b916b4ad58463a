"""Logging for people (text) or for log collectors (one JSON object a line).

`ATDESK_LOG_FORMAT=json` makes every record one JSON object with the time, level, logger,
message, and the request and case ids bound where it was logged (observability.context).
Only the standard library: no logging dependency to install.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from atdesk.observability.context import CASE_ID, REQUEST_ID

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "ids"}


class ContextIds(logging.Filter):
    """Copies the bound request and case ids onto each record (None where unbound)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only annotates it."""
        request_id = REQUEST_ID.get()
        case_id = CASE_ID.get()
        record.request_id = request_id
        record.case_id = case_id
        parts = [f"request={request_id}"] if request_id else []
        if case_id is not None:
            parts.append(f"case={case_id}")
        record.ids = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the ids and any `extra=` fields as keys."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON (a traceback is one escaped string)."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "case_id": getattr(record, "case_id", CASE_ID.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def check_log_format(value: str) -> str:
    """The format name, or a ValueError that says which ones exist."""
    name = value.strip().lower()
    if name not in LOG_FORMATS:
        raise ValueError(
            f"ATDESK_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}"
        )
    return name


def configure_logging(log_format: str, level: int) -> logging.Handler | None:
    """Send every record to standard error in this format, with the ids; returns the handler.

    Like logging.basicConfig, it leaves alone a process whose logging someone else set up (a
    test runner, an application embedding atdesk) and returns None; a handler an earlier call
    installed is replaced.
    """
    name = check_log_format(log_format)
    root = logging.getLogger()
    if any(h.get_name() != "atdesk" for h in root.handlers):
        return None
    handler = logging.StreamHandler()
    handler.addFilter(ContextIds())
    handler.setFormatter(JsonFormatter() if name == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("atdesk")
    for old in [h for h in root.handlers if h.get_name() == "atdesk"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
