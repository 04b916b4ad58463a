"""Hand-made post streams for the spike tests and bench: a steady background with an
hour-of-day shape, and a planted burst of similar complaints."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

BURST_TEXTS = (
    "app down since update 5.2, can't log in",
    "can't log in since update 5.2 wtf",
    "the app is down again after update 5.2",
    "update 5.2 broke the app, can't log in at all",
)
BACKGROUND_TEXTS = (
    "my bill is wrong this month",
    "when is my technician coming",
    "thanks for the quick help",
    "internet slow in 10001 tonight",
    "how do I change my plan",
    "router keeps blinking orange",
)


def day_shape(hour: int) -> float:
    """Relative traffic by hour of day: quiet nights, a busy afternoon and evening."""
    if hour < 6:
        return 0.2
    return 0.4 + 0.8 * math.sin(math.pi * (hour - 6) / 18) ** 2


def background(
    rng: random.Random, *, start: datetime, days: float, per_hour: float, negative: float = 0.3
) -> list[tuple[datetime, bool, str]]:
    """A Poisson stream with the day's shape: (created_at, negative, text)."""
    posts = []
    moment = start
    end = start + timedelta(days=days)
    while True:
        # thinning: draw at the peak rate, keep each with the shape's share
        moment += timedelta(hours=rng.expovariate(per_hour * 1.2))
        if moment >= end:
            return posts
        if rng.random() < day_shape(moment.hour) / 1.2:
            posts.append((moment, rng.random() < negative, rng.choice(BACKGROUND_TEXTS)))


def burst(
    rng: random.Random, *, start: datetime, posts: int, minutes: float = 120
) -> list[tuple[datetime, bool, str]]:
    """`posts` similar complaints spread over `minutes` from `start` (the first one at start)."""
    times = sorted(rng.uniform(0, minutes) for _ in range(posts - 1))
    return [(start, True, BURST_TEXTS[0])] + [
        (start + timedelta(minutes=m), True, rng.choice(BURST_TEXTS)) for m in times
    ]
