"""`atdesk demo` works on every day of the week at any hour: its visits are laid out from "now"
without a clash, and the brief's live examples (a callback, a verification, a reschedule to
"next Friday" answered "2") play out at that "now". Seven consecutive days around the New York
spring DST change, early morning, midday and evening UTC, each with `now` injected; then the real
command under `faketime` on each of those days."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts import passwords
from atdesk.automations.engine.stage import automate_posts, case_events
from atdesk.config import Settings
from atdesk.demo.setup import load_scenarios, prepare_demo
from atdesk.domain.posts import RawEvent
from atdesk.models import Appointment, AppointmentOffer, AppointmentResource, Callback, Customer
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from tests.automations.helpers import jobs_of, texts

# Monday 8 to Sunday 14 March 2027; New York moves its clocks forward on the Sunday.
DAYS = [datetime(2027, 3, 8, tzinfo=UTC) + timedelta(days=n) for n in range(7)]
# Early morning UTC is the evening before in New York; 22:30 UTC is after the technicians' day.
HOURS = [time(5, 30), time(12, 0), time(22, 30)]
MOMENTS = [datetime.combine(day.date(), hour, UTC) for day in DAYS for hour in HOURS]
SPEC = load_scenarios()["automations"]
TZ = ZoneInfo(SPEC["timezone"])
FRIDAY = 4
AT_DATE = Path(__file__).resolve().parents[2] / "scripts" / "at-date"
# Only so a hanging command fails instead of blocking the suite; no timing is asserted.
COMMAND_TIMEOUT_S = 300


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo hashes a fresh password for each of its logins on every run: real argon2id, at
    its lowest cost, so that 21 runs spend their time on what is tested here."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def demo_settings(sqlite_url: str, data_dir: Path) -> Settings:
    """A fresh migrated SQLite database for one demo run."""
    return replace(
        Settings(),
        database_url=sqlite_url,
        secret_key="test-secret-key-0123456789",
        data_dir=str(data_dir),
    )


def _live_event(item: dict[str, Any], now: datetime, n: int, **extra: Any) -> RawEvent:
    """A live demo post (or an answer), as the connectors would store it, written at `now`."""
    brand = next(b for b in load_scenarios()["brands"] if b["name"] == item["brand"])
    payload = {
        "network": "x",
        "id": f"29000000000000000{n:02d}",
        "text": item["text"],
        "created_at": now.isoformat(),
        "author": {
            "id": f"5500000{sum(map(ord, item['handle'])):05d}",
            "handle": item["handle"],
            "name": item["name"],
            "followers": item["followers"],
        },
        "to": brand["x"][0],
        **extra,
    }
    return RawEvent(source="jsonl", payload=payload)


def _automate(session: Session, settings: Settings, now: datetime, *events: RawEvent) -> None:
    """The pipeline and the automate stage on these posts, as the worker runs them at `now`."""
    report = process_events(session, list(events))
    ids = [pid for e in case_events(session, list(events), report) for pid in e["post_ids"]]
    automate_posts(session, ids, settings=settings, now=now)


def _working(resource: AppointmentResource, start: datetime, end: datetime) -> bool:
    """The visit lies within one of the technician's working intervals that day."""
    local_start, local_end = start.astimezone(TZ), end.astimezone(TZ)
    spans = (resource.hours or {}).get(str(local_start.weekday()), [])
    return local_start.date() == local_end.date() and any(
        time.fromisoformat(a) <= local_start.time() and local_end.time() <= time.fromisoformat(b)
        for a, b in spans
    )


def _check_visits(session: Session, now: datetime) -> None:
    """Every seeded visit is ahead, in its technician's hours, and no technician is double-booked;
    Jon's is on the next working day."""
    visits = session.scalars(
        select(Appointment)
        .where(Appointment.status == "booked", Appointment.end_at >= now)
        .order_by(Appointment.start_at)
    ).all()
    assert len(visits) == len(SPEC["appointments"])
    for visit in visits:
        assert visit.start_at > now and _working(visit.resource, visit.start_at, visit.end_at)
        others = [v for v in visits if v.resource_id == visit.resource_id and v.id != visit.id]
        assert all(v.end_at <= visit.start_at or v.start_at >= visit.end_at for v in others)
    jon = session.scalars(select(Customer).where(Customer.external_id == "CC-88310")).one()
    (visit,) = [v for v in visits if v.customer_id == jon.id]
    next_working_day = now.astimezone(TZ).date() + timedelta(days=1)
    while next_working_day.weekday() > FRIDAY:
        next_working_day += timedelta(days=1)
    assert visit.start_at.astimezone(TZ).date() == next_working_day


@pytest.mark.parametrize("now", MOMENTS, ids=[f"{m:%a-%d-%H%M}" for m in MOMENTS])
def test_the_demo_sets_up_and_its_live_examples_work_at_any_moment(
    demo_settings: Settings, now: datetime
) -> None:
    summary = prepare_demo(demo_settings, replay=False, echo=lambda _: None, now=now)
    assert summary.live is not None
    summary.live.stop()
    url = demo_settings.database_url
    live = {item["handle"]: item for item in SPEC["live"]}
    with transaction(url) as session:
        _check_visits(session, now)
        _automate(
            session,
            demo_settings,
            now,
            *(_live_event(live[h], now, n) for n, h in enumerate(("maria_lopez", "new_here"))),
        )
        _automate(session, demo_settings, now, _live_event(live["jon_baker"], now, 3))
        assert {c.status for c in session.scalars(select(Callback))} == {
            "queued",
            "awaiting_verification",
        }
        (offer,) = session.scalars(select(AppointmentOffer)).all()
        assert offer.day.weekday() == FRIDAY and len(offer.options) >= 2
        later = now + timedelta(minutes=1)
        answer = {**live["jon_baker"], "text": live["jon_baker"]["answer"]}
        _automate(session, demo_settings, later, _live_event(answer, later, 4, direct=True))
        assert session.get(AppointmentOffer, offer.id).status == "chosen"  # type: ignore[union-attr]
    assert texts(jobs_of(url, "message.send"))[-1].startswith("Done: your visit is now Fri")


def test_running_the_demo_again_each_day_of_a_week_books_without_a_clash(
    demo_settings: Settings,
) -> None:
    """`make demo` on a database kept from the day before: last runs' visits stay (passed ones
    are booked again from the new day), and no technician is ever booked twice at once."""
    for day in DAYS:
        now = day.replace(hour=12)
        summary = prepare_demo(demo_settings, replay=False, echo=lambda _: None, now=now)
        assert summary.live is not None
        summary.live.stop()
        with transaction(demo_settings.database_url) as session:
            visits = session.scalars(select(Appointment).where(Appointment.end_at >= now)).all()
            cable = select(Customer.id).where(Customer.external_id.like("CC-%"))
            assert sorted(v.customer_id for v in visits) == sorted(session.scalars(cable))
            for visit in visits:
                assert visit.start_at > now
                assert _working(visit.resource, visit.start_at, visit.end_at)
                assert not any(
                    v.resource_id == visit.resource_id
                    and v.id != visit.id
                    and v.start_at < visit.end_at
                    and visit.start_at < v.end_at
                    for v in visits
                )


# The real command on each of the seven days, the hour turning early, midday, evening UTC.
COMMAND_MOMENTS = [
    datetime.combine(d.date(), HOURS[n % len(HOURS)], UTC) for n, d in enumerate(DAYS)
]


@pytest.mark.parametrize("now", COMMAND_MOMENTS, ids=[f"{m:%a-%d-%H%M}" for m in COMMAND_MOMENTS])
def test_the_demo_command_loads_and_exits_on_each_day_of_a_week(
    tmp_path: Path, now: datetime
) -> None:
    """The real `atdesk demo --no-serve --no-replay` under a fake clock (scripts/at-date,
    Debian's faketime; CI installs it with scripts/system-deps), one run a day for a week."""
    if shutil.which("faketime") is None:
        pytest.skip("faketime is not installed: apt-get install faketime (scripts/system-deps)")
    atdesk = Path(sys.executable).with_name("atdesk")
    env = {k: v for k, v in os.environ.items() if k != "ATDESK_DATABASE_URL"}
    done = subprocess.run(
        [
            str(AT_DATE),
            f"{now:%Y-%m-%d %H:%M:%S}",
            str(atdesk),
            "demo",
            "--no-serve",
            "--no-replay",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "atdesk demo ready" in done.stdout
    with transaction(f"sqlite:///{tmp_path / 'atdesk.db'}") as session:
        _check_visits(session, now)
