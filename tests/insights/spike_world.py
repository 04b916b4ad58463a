"""A workspace whose brand Acme has four steady days of posts and then an outage burst, stored
through the real pipeline (for the alert, API, page and CLI tests of spike detection)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from atdesk.config import Settings
from atdesk.storage.session import transaction
from tests.factories import T0, run
from tests.insights.spike_streams import background, burst

# The burst starts on the fifth day after the steady history begins.
HISTORY_START = T0 - timedelta(days=6)
BURST_AT = T0 - timedelta(days=1, hours=-5)  # 14:00 on the day before T0


def _payload(index: int, at: datetime, text: str, to: str) -> dict[str, Any]:
    author = str(4500000000 + index % 500)
    return {
        "network": "x",
        "id": str(1900000000000000000 + index),
        "text": f"@{to} {text}",
        "created_at": at.isoformat(),
        "author": {"id": author, "handle": f"cust{index % 500}"},
        "in_reply_to": None,
    }


def stream(seed: int = 3, *, size: int = 120) -> list[tuple[datetime, bool, str]]:
    """Acme's posts: 4 per hour with the day's shape, then `size` complaints over two hours."""
    rng = random.Random(seed)
    steady = background(rng, start=HISTORY_START, days=5.5, per_hour=4)
    return sorted(steady + burst(rng, start=BURST_AT, posts=size))


def store_stream(settings: Settings, posts: list[tuple[datetime, bool, str]]) -> None:
    """Store the posts addressed to @acmehelp through the pipeline, in batches."""
    payloads = [_payload(i, at, text, "acmehelp") for i, (at, _, text) in enumerate(posts)]
    for start in range(0, len(payloads), 200):
        with transaction(settings.database_url) as session:
            run(session, *payloads[start : start + 200])
