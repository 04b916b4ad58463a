"""JSON logs (ATDESK_LOG_FORMAT=json) with the request and case ids bound where they were written."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from atdesk.observability.context import CASE_ID, REQUEST_ID, accepted_id, begin, bound
from atdesk.observability.logs import ContextIds, JsonFormatter, check_log_format
from atdesk.web.readiness import head_revisions

ROOT = Path(__file__).resolve().parents[2]


def logger_writing_to(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextIds())
    handler.setFormatter(formatter)
    log = logging.getLogger(f"tests.observability.{id(stream)}")
    log.handlers = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log


def test_a_json_line_carries_the_ids_the_fields_and_the_traceback() -> None:
    out = io.StringIO()
    log = logger_writing_to(out, JsonFormatter())
    with bound(request_id="req-1", case_id=42):
        log.warning("reply to %s failed", "@dana", extra={"draft_id": 7})
        try:
            raise ValueError("network said no")
        except ValueError:
            log.exception("send failed")
    log.info("outside")
    first, second, third = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "reply to @dana failed" and first["level"] == "WARNING"
    assert first["request_id"] == "req-1" and first["case_id"] == 42 and first["draft_id"] == 7
    assert first["time"].endswith("+00:00") and first["logger"] == log.name
    assert "ValueError: network said no" in second["exc_info"]
    assert third["request_id"] is None and third["case_id"] is None


def test_a_text_line_names_the_ids_for_people() -> None:
    out = io.StringIO()
    log = logger_writing_to(out, logging.Formatter("%(levelname)s%(ids)s: %(message)s"))
    with bound(request_id="req-2", case_id=5):
        log.info("hello")
    log.info("bye")
    assert out.getvalue().splitlines() == ["INFO [request=req-2 case=5]: hello", "INFO: bye"]


def test_bound_ids_nest_and_come_back() -> None:
    with bound(request_id="outer"):
        with bound(case_id=3):
            assert (REQUEST_ID.get(), CASE_ID.get()) == ("outer", 3)
        assert (REQUEST_ID.get(), CASE_ID.get()) == ("outer", None)
    assert REQUEST_ID.get() is None


def test_a_worker_unit_of_work_gets_a_fresh_id_and_its_case() -> None:
    def unit() -> tuple[str, str | None, int | None]:
        made = begin("job-", case_id=9)
        return made, REQUEST_ID.get(), CASE_ID.get()

    import contextvars

    made, request_id, case_id = contextvars.copy_context().run(unit)
    assert made.startswith("job-") and request_id == made and case_id == 9


def test_only_plain_short_request_ids_are_accepted() -> None:
    assert accepted_id("6f1c0c9e-2b.lb:1") == "6f1c0c9e-2b.lb:1"
    for bad in (None, "", "a b", "x\ny", "x" * 129, "<b>", "-a"):
        assert accepted_id(bad) is None


def test_an_unknown_log_format_is_named() -> None:
    assert check_log_format(" JSON ") == "json"
    with pytest.raises(ValueError, match="one of text, json, not 'yaml'"):
        check_log_format("yaml")


def atdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from atdesk.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", **env},
        timeout=120,
        check=False,
    )


def test_the_cli_logs_json_and_db_upgrade_migrates(tmp_path: Path) -> None:
    """`atdesk db upgrade` brings a new database to the newest schema (docs/deployment.md), and
    with ATDESK_LOG_FORMAT=json every log line on standard error is one JSON object."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"ATDESK_DATABASE_URL": url, "ATDESK_LOG_FORMAT": "json"}
    done = atdesk("-v", "db", "upgrade", env=env)
    assert done.returncode == 0, done.stderr
    assert "database at the newest schema" in done.stdout
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    migrated = [r for r in lines if r["logger"].startswith("alembic")]
    assert any("Running upgrade" in r["message"] for r in migrated)
    assert all({"time", "level", "logger", "message", "request_id"} <= r.keys() for r in lines)
    again = atdesk("-v", "db", "upgrade", env=env)
    assert again.returncode == 0 and "Running upgrade" not in again.stderr

    import sqlite3

    with sqlite3.connect(tmp_path / "fresh.db") as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {version} == head_revisions(url)
    assert {"cases", "posts", "bus_messages", "api_calls"} <= tables


def test_a_bad_log_format_is_one_clear_line(tmp_path: Path) -> None:
    env = {"ATDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "ATDESK_LOG_FORMAT": "xml"}
    done = atdesk("stats", env=env)
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: ATDESK_LOG_FORMAT must be one of text, json, not 'xml'"
