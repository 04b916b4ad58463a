"""Series of similar posts: one per distinctive term (word or word pair) a brand's posts use.

A burst of 100 similar complaints says the same few words ("update 5.2", "can't log in")
while the background says varied things, so a term's own series has a norm near zero before
the burst and the burst stands out in it long before the brand's total does. Only terms that
could reach the minimum within two hours are series at all (Tarone: the others can raise no
false alarm), and every one of them is counted in the false-alarm correction. ADR 0086.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from atdesk.insights.spikes.detect import Burst, Series, Thresholds, find_bursts
from atdesk.insights.spikes.terms import post_terms

# A term's series needs this share of the brand's `min_posts` (its norm is near zero, so a
# smaller burst is already improbable; the tail test still has to pass).
SIMILAR_SHARE = 0.6
SPAN = timedelta(hours=2)
# Only terms rarer than this share of the brand's earlier posts get a series: an everyday
# phrase's bursts are the brand's own (its series has the same norm), while a new complaint's
# words have a norm near zero, which is where a term's series is faster.
RARE_SHARE = 0.02


def similar_thresholds(thresholds: Thresholds) -> Thresholds:
    """The brand's thresholds as applied to a term's series."""
    return replace(thresholds, min_posts=max(2, math.ceil(thresholds.min_posts * SIMILAR_SHARE)))


def term_series(
    posts: Sequence[tuple[datetime, bool, str]],
    *,
    since: datetime,
    until: datetime,
    min_posts: int,
) -> dict[str, list[tuple[datetime, bool]]]:
    """Each term's (created_at, negative) posts, for the terms rare before `since` (under
    RARE_SHARE of the posts) with `min_posts` posts inside some two hours ending in
    (since, until]; their whole history is kept as their norm. Terms used by exactly the same
    posts ("router", "router keeps") are one series, named by the longest."""
    by_term: dict[str, list[tuple[datetime, bool]]] = {}
    for at, negative, text in sorted(posts, key=lambda p: p[0]):
        for term in post_terms(text):
            by_term.setdefault(term, []).append((at, negative))
    earlier = sum(1 for p in posts if p[0] < since)
    same: dict[tuple[datetime, ...], str] = {}
    for term in sorted(by_term, key=lambda t: (-len(t.split()), -len(t), t)):
        same.setdefault(tuple(p[0] for p in by_term[term]), term)
    kept = set(same.values())
    low = (since - SPAN).timestamp()
    high = until.timestamp()
    testable: dict[str, list[tuple[datetime, bool]]] = {}
    for term, points in by_term.items():
        if term not in kept or len(points) < min_posts:
            continue
        if earlier and sum(1 for p in points if p[0] < since) >= RARE_SHARE * earlier:
            continue
        times = np.sort(np.array([p[0].timestamp() for p in points]))
        times = times[(times > low) & (times <= high)]
        if len(times) < min_posts:
            continue
        # the most posts in any two hours: from each post, how many follow within SPAN
        reach = np.searchsorted(times, times + SPAN.total_seconds(), side="left") - np.arange(
            len(times)
        )
        if int(reach.max()) >= min_posts:
            testable[term] = points
    return testable


def similar_bursts(
    posts: Sequence[tuple[datetime, bool, str]],
    *,
    since: datetime,
    until: datetime,
    history_start: datetime,
    thresholds: Thresholds,
    other_series: int,
) -> list[tuple[str, Burst]]:
    """The volume bursts of every term's series in (since, until], each term's false-alarm share
    split over the `other_series` (brand, intents, issues) and every term tested."""
    limits = similar_thresholds(thresholds)
    series = term_series(posts, since=since, until=until, min_posts=limits.min_posts)
    count = other_series + len(series)
    found: list[tuple[str, Burst]] = []
    for term, points in sorted(series.items()):
        for burst in find_bursts(
            Series.of(points),
            since=since,
            until=until,
            history_start=history_start,
            thresholds=limits,
            series_count=count,
        ):
            if burst.kind == "volume":  # a turn in mood is the brand's series' to tell
                found.append((term, burst))
    return found
