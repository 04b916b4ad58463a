"""`atdesk demo`'s live part: the brief's three examples run through the emulated X network and
the local Open311 city, and the automations answer through the same sockets."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from atdesk.config import Settings
from atdesk.demo.setup import prepare_demo
from atdesk.keyfile import with_secret_key
from atdesk.models import AppointmentOffer, Callback, Open311Report
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.worker import Worker

GIVE_UP_AFTER_S = 90.0  # only so a broken demo fails instead of hanging; no timing is asserted


def _state(url: str) -> tuple[set[str], set[str], set[str]]:
    with transaction(url) as session:
        return (
            set(session.scalars(select(Callback.status))),
            set(session.scalars(select(AppointmentOffer.status))),
            set(session.scalars(select(Open311Report.status))),
        )


def test_the_three_brief_examples_run_end_to_end(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    settings = with_secret_key(replace(Settings(), database_url=url, data_dir=str(data_dir)))
    summary = prepare_demo(settings, replay=False, echo=lambda _: None)
    assert summary.live is not None
    worker = Worker(settings, idle_sleep_s=0.1)
    worker.start_thread()  # with the connectors runtime, which reads the emulated X
    wanted = ({"queued", "awaiting_verification"}, {"chosen"}, {"submitted"})
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    try:
        x = summary.live.x
        # The answers go out as jobs after each flow's state changes: wait for both.
        while time.monotonic() < deadline and not (
            _reached(_state(url), wanted) and all(_answered(x))
        ):
            time.sleep(0.5)
        callbacks, offers, reports = _state(url)
        assert {"queued", "awaiting_verification"} <= callbacks
        assert offers == {"chosen"} and reports & {"submitted", "closed"}
        bank_answered, visit_confirmed, _city_answered = _answered(x)
        assert bank_answered
        assert visit_confirmed
        (filed,) = summary.live.city.stored_requests()
        assert filed["service_code"] == "TREE"
        assert any("Its reference is" in p["text"] for p in x.posts_by("city"))
    finally:
        worker.stop()
        summary.live.stop()


def _answered(x: Any) -> tuple[bool, bool, bool]:
    """What the customers have been told on the emulated X: the bank's callback promise, the
    cable company's confirmation of the new visit, the city's report reference."""
    bank = [p["text"] for p in x.posts_by("bank")]
    dms = [d["text"] for d in x.dms_by("cable")]
    return (
        any(t.startswith("@maria_lopez Thanks Maria, we'll call you") for t in bank),
        any(t.startswith("Done: your visit is now Fri") for t in dms),
        any("Its reference is" in p["text"] for p in x.posts_by("city")),
    )


def _reached(state: tuple[set[str], set[str], set[str]], wanted: tuple[set[str], ...]) -> bool:
    """Callbacks (others may come from the Mastodon demo traffic), the offer, the report."""
    callbacks, offers, reports = state
    return (
        wanted[0] <= callbacks and offers == wanted[1] and bool(reports & {"submitted", "closed"})
    )
