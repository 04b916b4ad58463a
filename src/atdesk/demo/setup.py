"""Preparing the demo database: brands, a login, the project's scenarios and the twcs replay."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.passwords import hash_password
from atdesk.accounts.service import create_user
from atdesk.audit import service as audit
from atdesk.brands.service import add_account, create_brand
from atdesk.config import Settings
from atdesk.demo.activity import plant_activity
from atdesk.demo.automation_data import seed_automations
from atdesk.demo.live import LiveDemo, add_customers, post_live, start_emulators, start_threads
from atdesk.demo.networks import wire_demo_networks
from atdesk.demo.outage import plant_outage
from atdesk.demo.reports_team import ensure_replay_reports
from atdesk.demo.survey_loop import plant_survey_loop
from atdesk.demo.workspace import ensure_workspace, reset_staff
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.keyfile import with_secret_key
from atdesk.models import Brand, Post, User
from atdesk.models.base import utcnow
from atdesk.noise.queries import block_entries
from atdesk.noise.service import add_block
from atdesk.pipeline.bus import INBOUND, Bus
from atdesk.pipeline.factory import make_bus
from atdesk.pipeline.ingest import ingest_file
from atdesk.pipeline.prepare import handle_inbound
from atdesk.storage.session import transaction

SCENARIOS = Path(__file__).parent / "scenarios.json"
DEMO_ADMIN = "admin"
PROGRESS_EVERY_ROWS = 5000
PROGRESS_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo command prints (and the live part, running until the process ends)."""

    username: str
    password: str
    scenario_posts: int
    replay_posts: int
    live: LiveDemo | None = None


def load_scenarios() -> dict[str, Any]:
    """The team-written demo scenarios shipped with the package."""
    data: dict[str, Any] = json.loads(SCENARIOS.read_text(encoding="utf-8"))
    return data


def scenario_events(scenarios: dict[str, Any], *, now: datetime) -> list[RawEvent]:
    """Scenario posts as JSON Lines events, timed relative to now so the demo looks live."""
    events = []
    for item in scenarios["posts"]:
        payload = {k: v for k, v in item.items() if k != "minutes_ago"}
        payload["created_at"] = (now - timedelta(minutes=item["minutes_ago"])).isoformat()
        events.append(RawEvent(source="jsonl", payload=payload))
    return events


def _ensure_brands(settings: Settings, scenarios: dict[str, Any], *, now: datetime) -> None:
    with transaction(settings.database_url) as session:
        for spec in scenarios["brands"]:
            brand = session.scalar(select(Brand).where(Brand.name == spec["name"]))
            if brand is None:
                brand = create_brand(session, spec["name"])
            brand.settings = {**(brand.settings or {}), **spec.get("settings", {})}
            handle, user_id = spec["x"]
            add_account(session, brand, Network.X, handle, user_id)
            add_account(session, brand, Network.MASTODON, spec["mastodon"])
            add_account(session, brand, Network.BLUESKY, spec["bluesky"])
            _ensure_blocks(session, brand, spec.get("blocks", []), now=now)


def _ensure_blocks(
    session: Session, brand: Brand, blocks: list[dict[str, str]], *, now: datetime
) -> None:
    """The scenario's block entries, added once (a second demo run finds them there)."""
    have = {(e.kind, e.value) for e in block_entries(session, brand.id)}
    for block in blocks:
        if (block["kind"], block["value"].lower()) not in have:
            add_block(
                session,
                brand,
                kind=block["kind"],
                value=block["value"],
                note="demo scenario",
                actor=audit.SYSTEM,
                now=now,
            )


def _reset_admin(settings: Settings) -> str:
    """A fresh random password for the demo admin on every run, printed once."""
    password = secrets.token_urlsafe(9)
    with transaction(settings.database_url) as session:
        user = session.scalar(select(User).where(User.username == DEMO_ADMIN))
        if user is None:
            create_user(
                session,
                username=DEMO_ADMIN,
                password=password,
                role=Role.ADMIN,
                display_name="Demo Admin",
            )
        else:
            user.password_hash = hash_password(password)
    return password


def prepare_demo(
    settings: Settings,
    *,
    replay: bool,
    echo: Callable[[str], None],
    live_networks: bool = True,
    now: datetime | None = None,
) -> DemoSummary:
    """Make the demo database ready; running it twice adds nothing twice. Posts and visits are
    laid out from `now` (the clock unless a test gives one)."""
    now = now or utcnow()
    settings = with_secret_key(settings)
    scenarios = load_scenarios()
    _ensure_brands(settings, scenarios, now=now)
    ensure_workspace(settings)
    bus = make_bus(settings)
    events = scenario_events(scenarios, now=now)
    with transaction(settings.database_url) as session:
        bus.publish(session, INBOUND, [e.to_json() for e in events])
    while bus.consume(INBOUND, handle_inbound):
        pass
    echo(f"loaded {len(events)} demo scenario posts")
    plant_outage(settings, now=now, echo=echo)
    plant_survey_loop(settings, now=now, echo=echo)
    live = start_live(settings, scenarios, bus, echo, now=now) if live_networks else None
    if live is not None:  # Mastodon and Bluesky beside the live X, read by the connectors
        live.networks = wire_demo_networks(settings, scenarios["brands"], live.x, echo)
    replay_posts = replay_twcs(settings, echo) if replay else 0
    if live is not None:
        start_threads(live, scenarios["automations"], say=echo)
    ensure_replay_reports(settings, echo)
    password = _reset_admin(settings)
    staff = reset_staff(settings, password)
    echo(f"agents and a supervisor log in with the admin's password too: {', '.join(staff)}")
    plant_activity(settings, scenarios["brands"], now=now, echo=echo)
    return DemoSummary(DEMO_ADMIN, password, len(events), replay_posts, live)


@dataclass(slots=True)
class ReplayProgress:
    """The ingest progress hook (the one `atdesk ingest` feeds its bar) as printed lines: every
    few thousand rows or seconds, so a minute-long replay is never silent."""

    echo: Callable[[str], None]
    stored: Callable[[], int]
    clock: Callable[[], float] = time.monotonic
    every_rows: int = PROGRESS_EVERY_ROWS
    every_s: float = PROGRESS_EVERY_S
    rows: int = 0
    started: float = field(init=False)
    _told_rows: int = field(init=False, default=0)
    _told_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self._told_at = self.clock()

    def __call__(self, rows: int) -> None:
        """Count a batch; say where the replay is when enough rows or time went by."""
        self.rows += rows
        now = self.clock()
        if self.rows - self._told_rows < self.every_rows and now - self._told_at < self.every_s:
            return
        self._told_rows, self._told_at = self.rows, now
        elapsed = now - self.started
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        self.echo(
            f"replay: {self.rows:,} rows read, {self.stored():,} posts stored, {rate:,.0f} rows/s"
        )


def _stored_posts(settings: Settings) -> Callable[[], int]:
    """How many posts the database holds, asked afresh each time progress is printed."""

    def count() -> int:
        with transaction(settings.database_url) as session:
            return int(session.scalar(select(func.count(Post.id))) or 0)

    return count


def replay_twcs(settings: Settings, echo: Callable[[str], None]) -> int:
    """The twcs replay from the data directory, if there, with progress lines; rows read."""
    twcs = Path(settings.data_dir) / "twcs" / "twcs_merged.csv"
    if not twcs.is_file():
        echo(f"twcs replay skipped: {twcs} not found (set ATDESK_DATA_DIR)")
        return 0
    echo(f"replaying {twcs} (37,714 real customer-support tweets) ...")
    progress = ReplayProgress(
        echo, _stored_posts(settings), every_rows=PROGRESS_EVERY_ROWS, every_s=PROGRESS_EVERY_S
    )
    report = ingest_file(twcs, settings.database_url, progress=progress, warn=echo)
    echo(
        f"replay: {report.rows:,} rows read, {report.pipeline.stored:,} new posts, "
        f"{report.cases_opened:,} cases opened in {report.seconds:.0f} s"
    )
    return report.rows


def start_live(
    settings: Settings,
    scenarios: dict[str, Any],
    bus: Bus,
    echo: Callable[[str], None],
    *,
    now: datetime,
) -> LiveDemo:
    """The brief's three examples on an emulated X and a local Open311 city, with the
    customers, technicians, articles and rules they need (see demo/live.py)."""
    spec = scenarios["automations"]
    live = start_emulators(settings, scenarios["brands"])
    add_customers(live, scenarios["posts"])
    with transaction(settings.database_url) as session:
        seed_automations(
            session,
            spec,
            brand_names=[b["name"] for b in scenarios["brands"]],
            now=now,
            open311_endpoint=live.city.endpoint,
            open311_api_key=live.city.api_key,
        )
    written = post_live(settings, live, spec["live"])
    echo(f"live demo: X emulator at {live.x.base_url}, Open311 city at {live.city.endpoint}")
    echo(
        f"live demo: {written} customer posts on X (callback, verification, reschedule, "
        "downed tree, bot question); watch them under Automations as the worker runs"
    )
    return live
