"""The demo's planted outage: Cable Co's steady week of posts, then ~120 customers in two hours
saying the app is down and they cannot log in since update 5.2, so the Insights page and the
inbox banner show a spike alert as soon as the demo is up (laid out from the demo's `now`).

The steady days go in as history (ADR 73), the brand's norm; the burst goes in live, so its
customers' cases wait in the inbox as they would in a real outage, and the emerging-issue pass
groups them into one issue a supervisor can turn into an incident that answers them all. The
spike check then runs once at `now`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.insights.issues.tasks import Discovery
from atdesk.insights.spikes.tasks import check_spikes
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction

BRAND_HANDLE = "cable"
DAYS = 5
PER_HOUR = 3.0
BURST_POSTS = 120
BURST_HOURS = 2
SEED = 2026
BATCH = 200
FIRST_ID = 1_870_000_000_000_000_000

BACKGROUND = (
    "my bill went up again this month, why?",
    "when is the technician coming tomorrow",
    "internet keeps dropping in the evening",
    "how do I move my plan to the new address",
    "thanks for sorting out my router yesterday",
    "is there an outage near 10027? speeds are slow",
    "can I get the sports package added",
    "the set-top box remote stopped pairing",
)
OUTAGE = (
    "app down since update 5.2, can't log in",
    "can't log in to the app since update 5.2",
    "the app is down after update 5.2 - login spins forever",
    "update 5.2 broke the app, can't log in at all",
    "is the app down? can't log in since this morning's update 5.2",
)


def _shape(hour: int) -> float:
    """Relative traffic by hour of day: quiet nights, busy afternoons."""
    return 0.25 if hour < 6 else 0.5 + 0.9 * math.sin(math.pi * (hour - 6) / 18) ** 2


def outage_posts(now: datetime) -> list[tuple[datetime, str]]:
    """(created_at, text): the steady days before the burst, then the burst up to `now`."""
    rng = random.Random(SEED)
    burst_start = now - timedelta(hours=BURST_HOURS)
    posts = []
    moment = burst_start - timedelta(days=DAYS)
    while True:
        moment += timedelta(hours=rng.expovariate(PER_HOUR * 1.4))
        if moment >= now:
            break
        if rng.random() < _shape(moment.hour) / 1.4:
            posts.append((moment, rng.choice(BACKGROUND)))
    span = (now - burst_start).total_seconds() - 300
    for _ in range(BURST_POSTS):
        posts.append((burst_start + timedelta(seconds=rng.uniform(0, span)), rng.choice(OUTAGE)))
    return sorted(posts)


def plant_outage(settings: Settings, *, now: datetime, echo: Callable[[str], None]) -> None:
    """Store the outage posts (once: their ids are fixed) and run the spike check at `now`."""
    events = [
        RawEvent(
            source="jsonl",
            payload={
                "network": "x",
                "id": str(FIRST_ID + index),
                "text": f"@{BRAND_HANDLE} {text}",
                "created_at": at.isoformat(),
                "author": {
                    "id": str(4_600_000_000 + index % 700),
                    "handle": f"viewer{index % 700}",
                },
                "in_reply_to": None,
                "to": BRAND_HANDLE,
            },
        )
        for index, (at, text) in enumerate(outage_posts(now))
    ]
    burst_start = now - timedelta(hours=BURST_HOURS)
    steady = [e for e in events if datetime.fromisoformat(e.payload["created_at"]) < burst_start]
    burst = events[len(steady) :]
    for part, history in ((steady, True), (burst, False)):
        for start in range(0, len(part), BATCH):
            with transaction(settings.database_url) as session:
                process_events(session, part[start : start + BATCH], history=history)
    Discovery(settings.database_url).run(now=now)
    report = check_spikes(settings.database_url, now=now)
    echo(
        f"outage demo: {len(events)} Cable Co posts over {DAYS} days with an app outage in the "
        f"last {BURST_HOURS} hours; {report.opened} spike alert(s) raised (see /insights)"
    )
