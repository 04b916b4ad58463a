"""Spikes of every series of the chosen brands over a period: what `atdesk trends` prints and
the periodic check turns into alerts. Reads stored posts by `created_at`, so a replayed
history is judged exactly like live traffic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from atdesk.insights.spikes.baseline import BASELINE_DAYS
from atdesk.insights.spikes.detect import Burst, Series, Thresholds, find_bursts
from atdesk.insights.spikes.queries import (
    BrandPosts,
    SeriesKey,
    issue_name,
    load_series,
    series_texts,
)
from atdesk.insights.spikes.settings import spike_settings
from atdesk.insights.spikes.similar import similar_thresholds, term_series
from atdesk.insights.spikes.terms import distinctive_terms, label_of
from atdesk.models import Brand


@dataclass(frozen=True, slots=True)
class Spike:
    """A burst of one series of one brand, named by its distinctive terms."""

    brand_id: int
    brand: str
    series: SeriesKey
    label: str
    terms: list[str]
    burst: Burst

    def to_json(self) -> dict[str, Any]:
        """SPEC §5's `atdesk trends --json` item (plus kind, series, intent, issue_id...)."""
        b = self.burst
        return {
            "label": self.label,
            "terms": self.terms,
            "brand": self.brand,
            "start": _iso(b.start),
            "end": _iso(b.end),
            "posts": b.posts,
            "baseline_per_hour": round(b.baseline_per_hour, 2),
            "peak_per_hour": round(b.peak_per_hour, 2),
            "severity": b.severity.value,
            "kind": b.kind,
            "series": self.series.key,
            "intent": self.series.value if self.series.kind == "intent" else None,
            "issue_id": int(self.series.value) if self.series.kind == "issue" else None,
            "detected_at": _iso(b.detected_at),
            "ongoing": b.ongoing,
            "p_value": float(f"{b.p_value:.3g}"),
            "negative_share": round(b.negative_share, 3),
            "baseline_negative_share": round(b.baseline_negative_share, 3),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def detect_spikes(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    brand_ids: frozenset[int] | None,
    thresholds_of: Callable[[Brand], Thresholds] | None = None,
) -> list[Spike]:
    """Every burst detected in (since, until] on the brands' series, oldest first."""
    pick = thresholds_of or (lambda brand: spike_settings(brand).thresholds)
    spikes: list[Spike] = []
    brands: dict[int, Brand] = {}
    for entry in load_series(session, since=since, until=until, brand_ids=brand_ids):
        brands[entry.brand.id] = entry.brand
        spikes.extend(_brand_spikes(session, entry, since, until, pick(entry.brand)))
    folded = [
        _named_term(session, brands[s.brand_id], s) if s.series.kind == "term" else s
        for s in most_specific(fold_terms(spikes))
    ]
    return sorted(folded, key=lambda s: (s.burst.start, s.brand, s.series.key))


def _named_term(session: Session, brand: Brand, spike: Spike) -> Spike:
    """A term's spike that stays one (named only now: most are folded into a broader one)."""
    label, terms = _name(session, brand, spike.series, spike.burst)
    return replace(spike, label=label, terms=terms)


_SPECIFICITY = {"brand": 0, "intent": 1, "issue": 2, "term": 3}
KEY_LENGTH = 100  # alerts store "term:" + the term in 120 characters


def fold_terms(spikes: list[Spike]) -> list[Spike]:
    """A rare term's burst tells early that a burst of similar posts began: where the brand,
    an intent or an issue has the same burst, that spike is kept (its count is the whole
    burst's) with the earlier detection time and the term's spike is dropped; a term burst no
    other series sees yet (its first minutes) stays, one per burst (the term with most posts)."""
    others = [s for s in spikes if s.series.kind != "term"]
    terms = sorted((s for s in spikes if s.series.kind == "term"), key=lambda s: -s.burst.posts)
    kept_terms: list[Spike] = []
    for term in terms:
        covering = [i for i, s in enumerate(others) if _overlap(term, s)]
        for i in covering:
            if term.burst.detected_at < others[i].burst.detected_at:
                early = replace(others[i].burst, detected_at=term.burst.detected_at)
                others[i] = replace(others[i], burst=early)
        if not covering and not any(_overlap(term, k) for k in kept_terms):
            kept_terms.append(term)
    return others + kept_terms


def _overlap(one: Spike, other: Spike) -> bool:
    return (
        one.brand_id == other.brand_id
        and one.burst.kind == other.burst.kind
        and one.burst.start <= other.burst.end
        and other.burst.start <= one.burst.end
    )


COVERED_SHARE = 0.8


def most_specific(spikes: list[Spike]) -> list[Spike]:
    """One spike per burst: a brand-wide burst made of one intent's (or one issue's) posts
    (80% of its posts beyond the norm) is shown as that intent/issue; one spread over several
    stays brand-wide; either way its other parts are left out (likewise an intent's burst and
    its issues)."""
    dropped: set[int] = set()
    ordered = sorted(range(len(spikes)), key=lambda i: _SPECIFICITY[spikes[i].series.kind])
    for index in ordered:
        if index in dropped:
            continue
        broad = spikes[index]
        parts = [i for i in ordered if i not in dropped and _part_of(spikes[i], broad)]
        if not parts:
            continue
        excess = broad.burst.posts - broad.burst.expected
        best = max(parts, key=lambda i: spikes[i].burst.posts)
        if spikes[best].burst.posts >= COVERED_SHARE * excess:
            dropped.add(index)  # the narrower series says it better
            dropped.update(i for i in parts if i != best)
        else:
            dropped.update(parts)
    return [s for i, s in enumerate(spikes) if i not in dropped]


def _part_of(narrow: Spike, broad: Spike) -> bool:
    """A spike of a narrower series of the same brand over the same time."""
    return (
        narrow.brand_id == broad.brand_id
        and narrow.burst.kind == broad.burst.kind
        and _SPECIFICITY[narrow.series.kind] > _SPECIFICITY[broad.series.kind]
        and narrow.burst.start <= broad.burst.end
        and broad.burst.start <= narrow.burst.end
    )


def _brand_spikes(
    session: Session, entry: BrandPosts, since: datetime, until: datetime, limits: Thresholds
) -> list[Spike]:
    found = []
    # Tarone: a series too small ever to reach min_posts cannot raise a false alarm, so only
    # the series that can share the false-alarm budget; every rare term's series counts too.
    low = since.timestamp() - 2 * 3600
    testable = sum(
        1
        for posts in entry.series.values()
        if sum(1 for at, _ in posts if at.timestamp() > low) >= limits.min_posts
    )
    term_limits = similar_thresholds(limits)
    rare = term_series(entry.texts, since=since, until=until, min_posts=term_limits.min_posts)
    every: list[tuple[SeriesKey, list[tuple[datetime, bool]], Thresholds]] = [
        (key, posts, limits) for key, posts in entry.series.items()
    ] + [
        (SeriesKey("term", term[:KEY_LENGTH]), posts, term_limits)
        for term, posts in sorted(rare.items())
    ]
    for key, posts, chosen in every:
        bursts = find_bursts(
            Series.of(posts),
            since=since,
            until=until,
            history_start=entry.history_start,
            thresholds=chosen,
            series_count=max(testable + len(rare), 1),
        )
        for burst in bursts:
            if key.kind == "term":  # a volume burst of similar posts; named if it stays
                if burst.kind == "volume":
                    found.append(
                        Spike(entry.brand.id, entry.brand.name, key, key.value, [key.value], burst)
                    )
                continue
            label, terms = _name(session, entry.brand, key, burst)
            found.append(Spike(entry.brand.id, entry.brand.name, key, label, terms, burst))
    return found


def _name(session: Session, brand: Brand, key: SeriesKey, burst: Burst) -> tuple[str, list[str]]:
    """The label and terms: an issue's own, else the burst's distinctive terms."""
    if key.kind == "issue":
        named = issue_name(session, int(key.value))
        if named is not None:
            return named
    inside = series_texts(session, brand_id=brand.id, series=key, start=burst.start, end=burst.end)
    before = series_texts(
        session,
        brand_id=brand.id,
        series=key,
        start=burst.start - timedelta(days=BASELINE_DAYS),
        end=burst.start - timedelta(seconds=1),
    )
    terms = distinctive_terms(inside, before)
    what = "negative posts" if burst.kind == "negative_share" else "posts"
    fallback = f"{what} to {brand.name}" if key.kind == "brand" else f"{key.value} {what}"
    if key.kind == "term" and key.value not in terms:
        terms = [key.value, *terms][:5]
    prefix = f"{key.value}: " if key.kind == "intent" and terms else ""
    return prefix + label_of(terms, fallback), terms
