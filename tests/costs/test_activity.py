"""Handling time from heartbeats: consecutive beats merge into one interval, a beat credits at
most the beat interval plus slack, and a gap (idle, hidden tab, another case) credits nothing.
The clock is the test's: every beat names its own `now`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.costs.activity import BEAT_S, CAP, record_beat
from atdesk.models import AgentActivity, Case, User
from atdesk.storage.session import transaction
from tests.costs.helpers import brand_and_agent, open_case
from tests.factories import T0


def _rows(session: Session, user: User) -> list[tuple[int, str, float, float]]:
    """(case, kind, seconds, span) per interval, oldest first."""
    rows = session.scalars(
        select(AgentActivity).where(AgentActivity.user_id == user.id).order_by(AgentActivity.id)
    )
    return [
        (r.case_id, r.kind, r.seconds, (r.ended_at - r.started_at).total_seconds()) for r in rows
    ]


@pytest.fixture
def seeded(database_url: str) -> tuple[str, int, int, int]:
    with transaction(database_url) as session:
        _brand, agent = brand_and_agent(session)
        first, second = open_case(session, "11"), open_case(session, "12", handle="finn")
        return database_url, agent.id, first.id, second.id


def _beat(url: str, user_id: int, case_id: int, kind: str, seconds: float) -> float:
    with transaction(url) as session:
        case = session.get(Case, case_id)
        assert case is not None
        credit = record_beat(
            session, user_id=user_id, case=case, kind=kind, now=T0 + timedelta(seconds=seconds)
        )
        return credit.seconds


def test_consecutive_beats_merge_into_one_interval(seeded: tuple[str, int, int, int]) -> None:
    url, agent, case, _other = seeded
    credits = [_beat(url, agent, case, "viewing", s) for s in (0, 15, 30, 44)]
    assert credits == [0.0, 15.0, 15.0, 14.0]  # the first beat only opens the interval
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        assert _rows(session, user) == [(case, "viewing", 44.0, 44.0)]


def test_a_gap_past_the_cap_credits_nothing_and_opens_a_new_interval(
    seeded: tuple[str, int, int, int],
) -> None:
    url, agent, case, _other = seeded
    cap = CAP.total_seconds()
    assert cap == BEAT_S + 5
    _beat(url, agent, case, "viewing", 0)
    assert _beat(url, agent, case, "viewing", cap) == cap  # a late beat still counts, capped
    # Idle for ten minutes (the page sent nothing): that time is not handling time.
    assert _beat(url, agent, case, "viewing", cap + 600) == 0.0
    assert _beat(url, agent, case, "viewing", cap + 610) == 10.0
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        assert _rows(session, user) == [
            (case, "viewing", cap, cap),
            (case, "viewing", 10.0, 10.0),
        ]


def test_composing_after_viewing_continues_the_stretch_as_its_own_kind(
    seeded: tuple[str, int, int, int],
) -> None:
    url, agent, case, _other = seeded
    _beat(url, agent, case, "viewing", 0)
    _beat(url, agent, case, "viewing", 15)
    assert _beat(url, agent, case, "composing", 27) == 12.0  # typed since the last beat
    assert _beat(url, agent, case, "composing", 40) == 13.0
    assert _beat(url, agent, case, "viewing", 50) == 10.0
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        rows = _rows(session, user)
    assert rows == [
        (case, "viewing", 15.0, 15.0),
        (case, "composing", 25.0, 25.0),
        (case, "viewing", 10.0, 10.0),
    ]
    assert sum(r[2] for r in rows) == 50.0  # no second of the stretch counted twice


def test_time_is_never_credited_to_two_cases_at_once(seeded: tuple[str, int, int, int]) -> None:
    url, agent, case, other = seeded
    _beat(url, agent, case, "viewing", 0)
    _beat(url, agent, case, "viewing", 10)
    # A second tab on another case: its beat opens its own interval and credits nothing...
    assert _beat(url, agent, other, "viewing", 12) == 0.0
    # ...and the first tab's next beat follows a beat on another case: nothing either.
    assert _beat(url, agent, case, "viewing", 20) == 0.0
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        assert sum(r[2] for r in _rows(session, user)) == 10.0


def test_a_clock_that_steps_back_credits_nothing(seeded: tuple[str, int, int, int]) -> None:
    url, agent, case, _other = seeded
    _beat(url, agent, case, "viewing", 100)
    assert _beat(url, agent, case, "viewing", 90) == 0.0
    assert _beat(url, agent, case, "viewing", 105) == 5.0
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        for _case, _kind, seconds, span in _rows(session, user):
            assert span >= 0 and seconds == span


def test_an_unknown_kind_is_refused(seeded: tuple[str, int, int, int]) -> None:
    url, agent, case, _other = seeded
    with pytest.raises(ValueError, match="kind must be one of viewing, composing"):
        _beat(url, agent, case, "napping", 0)


def test_a_fresh_beat_gives_up_the_time_since_the_last_one(
    seeded: tuple[str, int, int, int],
) -> None:
    url, agent, case, _other = seeded
    _beat(url, agent, case, "viewing", 0)
    _beat(url, agent, case, "viewing", 15)
    # The tab was hidden at 15 and shown again at 25: the page says so, nothing is credited.
    with transaction(url) as session:
        found = session.get(Case, case)
        assert found is not None
        credit = record_beat(
            session,
            user_id=agent,
            case=found,
            kind="viewing",
            now=T0 + timedelta(seconds=25),
            fresh=True,
        )
    assert credit.seconds == 0.0
    assert _beat(url, agent, case, "viewing", 40) == 15.0
    with transaction(url) as session:
        user = session.get(User, agent)
        assert user is not None
        assert [r[2] for r in _rows(session, user)] == [15.0, 15.0]
